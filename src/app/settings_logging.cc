// src/app/settings_logging.cc
//
// The log formatters of logging.h. (The file is named settings_* only so
// the app's source glob takes it.) JSON lines are built with nlohmann's
// ordered_json so ts, level and msg come first in every line.
#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <nlohmann/json.hpp>
#include <optional>
#include <string_view>

#include "app/logging.h"

namespace rollcall::app {
namespace {

// "2026-11-25T09:30:00.123Z"
std::string iso8601_utc(spdlog::log_clock::time_point time) {
  const auto since_epoch = time.time_since_epoch();
  const auto seconds = std::chrono::floor<std::chrono::seconds>(since_epoch);
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(since_epoch - seconds);
  const std::time_t whole = static_cast<std::time_t>(seconds.count());
  std::tm utc{};
  gmtime_r(&whole, &utc);
  std::array<char, 40> text{};
  const auto length = std::strftime(text.data(), text.size(), "%Y-%m-%dT%H:%M:%S", &utc);
  std::array<char, 8> millis{};
  std::snprintf(millis.data(), millis.size(), ".%03dZ", static_cast<int>(ms.count()));
  return std::string(text.data(), length) + millis.data();
}

// The names the log_level setting uses, not spdlog's "warning".
const char* level_name(spdlog::level::level_enum level) {
  switch (level) {
    case spdlog::level::trace:
      return "trace";
    case spdlog::level::debug:
      return "debug";
    case spdlog::level::info:
      return "info";
    case spdlog::level::warn:
      return "warn";
    case spdlog::level::err:
      return "error";
    case spdlog::level::critical:
      return "critical";
    default:
      return "off";
  }
}

class JsonFormatter final : public spdlog::formatter {
 public:
  void format(const spdlog::details::log_msg& message, spdlog::memory_buf_t& dest) override {
    const std::string_view text(message.payload.data(), message.payload.size());
    nlohmann::ordered_json line;
    line["ts"] = iso8601_utc(message.time);
    line["level"] = level_name(message.level);
    line["msg"] = text;
    if (!text.empty() && text.front() == '{') merge(text, line);
    // Replace, not throw, on invalid UTF-8: a log line must never fail.
    const auto out = line.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
    dest.append(out.data(), out.data() + out.size());
    dest.push_back('\n');
  }

  std::unique_ptr<spdlog::formatter> clone() const override {
    return std::make_unique<JsonFormatter>();
  }

 private:
  static void merge(std::string_view text, nlohmann::ordered_json& line) {
    auto event = nlohmann::ordered_json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (event.is_discarded() || !event.is_object()) return;  // plain text that starts with '{'
    if (const auto msg = event.find("msg"); msg != event.end()) {
      line["msg"] = *msg;
    } else if (const auto name = event.find("event"); name != event.end()) {
      line["msg"] = *name;
    }
    for (auto& [key, value] : event.items()) {
      if (key == "msg") continue;
      if (key == "ts" || key == "level") {
        line["fields"][key] = std::move(value);
      } else {
        line[key] = std::move(value);
      }
    }
  }
};

std::optional<spdlog::level::level_enum> parse_level(const std::string& level) {
  for (const auto candidate : {spdlog::level::trace, spdlog::level::debug, spdlog::level::info,
                               spdlog::level::warn, spdlog::level::err}) {
    if (level == level_name(candidate)) return candidate;
  }
  return std::nullopt;
}

}  // namespace

Result<std::unique_ptr<spdlog::formatter>> make_log_formatter(const std::string& format) {
  if (format == "json") return std::unique_ptr<spdlog::formatter>(new JsonFormatter());
  if (format == "text") {
    return std::unique_ptr<spdlog::formatter>(new spdlog::pattern_formatter(
        "%Y-%m-%dT%H:%M:%S.%eZ %^%-8l%$ %v", spdlog::pattern_time_type::utc));
  }
  return make_error("setting_invalid", "log_format must be json or text, got \"" + format + "\"");
}

Result<void> setup_logging(const std::string& level, const std::string& format) {
  const auto parsed = parse_level(level);
  if (!parsed) {
    return make_error(
        "setting_invalid",
        "log_level must be one of trace, debug, info, warn or error, got \"" + level + "\"");
  }
  auto formatter = make_log_formatter(format);
  if (!formatter) return formatter.error();
  // Colours only help people reading a terminal; JSON goes to collectors.
  spdlog::sink_ptr sink;
  if (format == "text") {
    sink = std::make_shared<spdlog::sinks::stderr_color_sink_mt>();
  } else {
    sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
  }
  auto logger = std::make_shared<spdlog::logger>("rollcall", std::move(sink));
  logger->set_formatter(std::move(formatter).value());
  logger->set_level(*parsed);
  spdlog::set_default_logger(std::move(logger));
  return {};
}

}  // namespace rollcall::app
