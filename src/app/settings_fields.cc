// src/app/settings_fields.cc
//
// The table of settings. Each row is built by a helper for its kind of
// value, which owns the parsing, the range check and the error message.
// docs/CONFIGURATION.md is written from this table; keep them in step.
#include <arpa/inet.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <optional>
#include <type_traits>
#include <utility>

#include "app/detail/settings_fields.h"
#include "domain/public_url.h"

namespace rollcall::app::detail {
namespace {

// Values echoed in errors stay on one line and show stray whitespace.
std::string in_quotes(std::string_view value) {
  std::string out = "\"";
  for (const char c : value) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\t') {
      out += "\\t";
    } else {
      out += c;
    }
  }
  return out + "\"";
}

std::string_view trim(std::string_view text) {
  const auto is_space = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
  while (!text.empty() && is_space(text.front())) text.remove_prefix(1);
  while (!text.empty() && is_space(text.back())) text.remove_suffix(1);
  return text;
}

Error invalid(const std::string& key, const std::string& expected, const std::string& shown) {
  return make_error("setting_invalid", key + " must be " + expected + ", got " + in_quotes(shown));
}

std::string identity(const std::string& value) { return value; }

std::string masked(const std::string& value) { return value.empty() ? "(unset)" : "********"; }

// postgres://user:secret@host/db -> postgres://user:********@host/db, so
// `config show` and error messages never print a database password.
std::string without_password(const std::string& url) {
  const auto scheme = url.find("://");
  if (scheme == std::string::npos) return url;
  const auto at = url.find('@', scheme + 3);
  if (at == std::string::npos) return url;
  const auto colon = url.find(':', scheme + 3);
  if (colon == std::string::npos || colon > at) return url;
  return url.substr(0, colon + 1) + "********" + url.substr(at);
}

std::optional<std::int64_t> parse_integer(std::string_view text) {
  text = trim(text);
  std::int64_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || text.empty()) return {};
  return value;
}

// The shortest text that reads back as the same value ("0.6" for 0.6f).
template <typename T>
std::string shortest(T value) {
  char buffer[64];
  const auto [end, error] = std::to_chars(buffer, buffer + sizeof buffer, value);
  return error == std::errc() ? std::string(buffer, end) : std::to_string(value);
}

template <typename T>
SettingField integer_field(std::string key, std::string help, T Settings::*member, std::int64_t min,
                           std::int64_t max) {
  SettingField field{
      {key, std::move(help), false}, SettingKind::integer, nullptr, nullptr, identity};
  field.set = [=](Settings& settings, const std::string& text) -> Result<void> {
    const auto value = parse_integer(text);
    if (!value || *value < min || *value > max)
      return invalid(key, "an integer " + std::to_string(min) + "-" + std::to_string(max), text);
    settings.*member = static_cast<T>(*value);
    return {};
  };
  field.get = [=](const Settings& settings) { return std::to_string(settings.*member); };
  return field;
}

SettingField number_field(std::string key, std::string help, float Settings::*member, double min,
                          double max) {
  SettingField field{
      {key, std::move(help), false}, SettingKind::number, nullptr, nullptr, identity};
  field.set = [=](Settings& settings, const std::string& text) -> Result<void> {
    const auto trimmed = trim(text);
    double value = 0;
    const auto [end, error] =
        std::from_chars(trimmed.data(), trimmed.data() + trimmed.size(), value);
    if (trimmed.empty() || error != std::errc() || end != trimmed.data() + trimmed.size() ||
        !std::isfinite(value) || value < min || value > max)
      return invalid(key, "a number " + shortest(min) + "-" + shortest(max), text);
    settings.*member = static_cast<float>(value);
    return {};
  };
  field.get = [=](const Settings& settings) { return shortest(settings.*member); };
  return field;
}

// `check` returns "" if the value is acceptable, else what was expected.
using TextCheck = std::function<std::string(const std::string&)>;

template <typename T>
SettingField text_field(std::string key, std::string help, T Settings::*member,
                        TextCheck check = nullptr, bool is_secret = false) {
  SettingField field{{key, std::move(help), is_secret},
                     SettingKind::text,
                     nullptr,
                     nullptr,
                     is_secret ? masked : identity};
  const auto show = field.show;
  field.set = [=](Settings& settings, const std::string& text) -> Result<void> {
    if (check) {
      if (const auto expected = check(text); !expected.empty()) {
        // A secret's value is never echoed, only its length.
        if (is_secret)
          return make_error("setting_invalid", key + " must be " + expected + ", got " +
                                                   std::to_string(text.size()) + " characters");
        return invalid(key, expected, show(text));
      }
    }
    settings.*member = T(text);
    return {};
  };
  field.get = [=](const Settings& settings) {
    if constexpr (std::is_same_v<T, fs::path>) {
      return (settings.*member).string();
    } else {
      return settings.*member;
    }
  };
  return field;
}

TextCheck one_of(std::vector<std::string> choices) {
  return [choices = std::move(choices)](const std::string& text) -> std::string {
    if (std::find(choices.begin(), choices.end(), text) != choices.end()) return "";
    std::string expected = choices.size() > 2 ? "one of " : "";
    for (std::size_t i = 0; i < choices.size(); ++i)
      expected += (i == 0 ? "" : i + 1 == choices.size() ? " or " : ", ") + choices[i];
    return expected;
  };
}

std::string not_empty(const std::string& text) {
  return trim(text).empty() ? "a non-empty path" : "";
}

std::string host_name(const std::string& text) {
  const bool is_ok = !text.empty() && std::none_of(text.begin(), text.end(), [](char c) {
    return c == ' ' || c == '/' || c == '\t' || c == '\n';
  });
  return is_ok ? "" : "a host name or IP address to listen on, like 127.0.0.1 or 0.0.0.0";
}

// "" (links follow the address each request came in on) or an http(s)
// base URL (domain/public_url.h).
std::string base_url(const std::string& text) {
  if (text.empty() || domain::parse_base_url("public_url", text)) return "";
  return "empty, or an address like https://attendance.college.edu";
}

// The forms store::open accepts (store/store.h).
std::string database_url(const std::string& text) {
  for (const std::string_view prefix : {"sqlite:///", "postgres://", "postgresql://"})
    if (text.starts_with(prefix) && text.size() > prefix.size()) return "";
  if (text.empty() || text == "sqlite") return "";
  return "empty or \"sqlite\" (SQLite in data_dir), sqlite:///path/file.db, or a "
         "postgres://user:password@host:port/db URL";
}

// @BotFather's tokens look like 123456789:AAH...; the check catches a
// pasted URL or a stray quote without echoing the secret.
std::string bot_token(const std::string& text) {
  const auto colon = text.find(':');
  const bool is_ok =
      text.empty() ||
      (colon != std::string::npos && colon > 0 && colon + 1 < text.size() &&
       std::all_of(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(colon),
                   [](char c) { return c >= '0' && c <= '9'; }) &&
       std::all_of(text.begin() + static_cast<std::ptrdiff_t>(colon) + 1, text.end(), [](char c) {
         return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-';
       }));
  return is_ok ? "" : "a token from @BotFather like 123456789:AAH..., or empty";
}

std::string web_url(const std::string& text) {
  const bool is_ok = (text.starts_with("https://") || text.starts_with("http://")) &&
                     text.find(' ') == std::string::npos && !text.ends_with("/");
  return is_ok ? "" : "an http:// or https:// URL without a trailing /";
}

std::string optional_web_url(const std::string& text) { return text.empty() ? "" : web_url(text); }

// Telegram allows 1-256 characters A-Z, a-z, 0-9, _ and -.
std::string webhook_secret(const std::string& text) {
  const bool is_ok = text.size() <= 256 && std::all_of(text.begin(), text.end(), [](char c) {
                       return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-';
                     });
  return is_ok ? "" : "up to 256 characters A-Z, a-z, 0-9, _ and - (or empty to generate one)";
}

// RFC 7518 section 3.2: an HS256 key is at least as long as the hash (32 bytes).
std::string jwt_key(const std::string& text) {
  return text.empty() || text.size() >= 32 ? ""
                                           : "at least 32 characters (or empty to generate one)";
}

// An origin is what browsers send in Origin: scheme, host, optional port.
bool is_origin(std::string_view text) {
  std::string_view rest;
  if (text.starts_with("https://")) {
    rest = text.substr(8);
  } else if (text.starts_with("http://")) {
    rest = text.substr(7);
  } else {
    return false;
  }
  return !rest.empty() && rest.front() != ':' && std::none_of(rest.begin(), rest.end(), [](char c) {
    return c == '/' || c == '?' || c == '#' || c == '@' || c == ' ' || c == '*';
  });
}

// An IPv4 or IPv6 address, as a trusted proxy connects from.
bool is_ip_address(std::string_view text) {
  const std::string address(text);
  in6_addr v6{};
  in_addr v4{};
  return inet_pton(AF_INET, address.c_str(), &v4) == 1 ||
         inet_pton(AF_INET6, address.c_str(), &v6) == 1;
}

// A comma-separated list whose every item passes `is_valid` (`expected`
// says what an item looks like, for the error).
SettingField list_field(std::string key, std::string help,
                        std::vector<std::string> Settings::*member,
                        bool (*is_valid)(std::string_view), std::string expected) {
  SettingField field{{key, std::move(help), false}, SettingKind::list, nullptr, nullptr, identity};
  field.set = [=](Settings& settings, const std::string& text) -> Result<void> {
    std::vector<std::string> items;
    std::string_view rest = text;
    while (!rest.empty()) {
      const auto comma = rest.find(',');
      const auto item = trim(rest.substr(0, comma));
      rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
      if (item.empty()) continue;
      if (!is_valid(item)) return invalid(key, expected, std::string(item));
      items.emplace_back(item);
    }
    settings.*member = std::move(items);
    return {};
  };
  field.get = [=](const Settings& settings) {
    std::string out;
    for (const auto& item : settings.*member) out += (out.empty() ? "" : ",") + item;
    return out;
  };
  return field;
}

std::vector<SettingField> make_fields() {
  constexpr std::int64_t kDay = 24 * 3600;
  constexpr std::int64_t kGiB = 1024LL * 1024 * 1024;
  std::vector<SettingField> fields;
  // Where things live.
  fields.push_back(text_field("data_dir", "directory for the SQLite database and generated files",
                              &Settings::data_dir, not_empty));
  fields.push_back(text_field("database",
                              "\"\" = SQLite in data_dir; sqlite:///path/file.db; or "
                              "postgres://user:password@host:port/db",
                              &Settings::database, database_url));
  fields.back().show = without_password;
  fields.push_back(text_field("models_dir",
                              "directory of the verified model files (\"\" = "
                              "~/.cache/rollcall/models); also read from ROLLCALL_MODELS",
                              &Settings::models_dir));
  fields.push_back(integer_field("sqlite_max_bytes",
                                 "largest the SQLite database may grow to in bytes (0 = as large "
                                 "as the disk allows); past it writes answer storage_full",
                                 &Settings::sqlite_max_bytes, 0, 64 * 1024 * kGiB));
  // HTTP.
  fields.push_back(text_field("http_host", "address the HTTP server listens on",
                              &Settings::http_host, host_name));
  fields.push_back(integer_field("http_port",
                                 "TCP port the HTTP server listens on (0 = any free port, printed "
                                 "as \"listening on HOST:PORT\")",
                                 &Settings::http_port, 0, 65535));
  fields.push_back(integer_field("http_threads",
                                 "threads that run request handlers (0 = 4 x cores, at least 8)",
                                 &Settings::http_threads, 0, 1024));
  fields.push_back(integer_field("max_body_bytes", "largest request body in bytes",
                                 &Settings::max_body_bytes, 1, 16 * kGiB));
  fields.push_back(integer_field("max_image_bytes", "largest single image in bytes",
                                 &Settings::max_image_bytes, 1, 4 * kGiB));
  fields.push_back(integer_field("max_image_pixels", "largest decoded image in pixels",
                                 &Settings::max_image_pixels, 1, 1'000'000'000));
  fields.push_back(list_field("cors_origins",
                              "browser origins allowed to call the API (comma-separated; "
                              "empty = no CORS)",
                              &Settings::cors_origins, is_origin,
                              "comma-separated origins like https://school.example or "
                              "http://localhost:5173 (scheme, host and port; no path or "
                              "trailing /)"));
  fields.push_back(list_field("trusted_proxies",
                              "addresses of reverse proxies whose X-Forwarded-For names the "
                              "client (comma-separated; empty = none)",
                              &Settings::trusted_proxies, is_ip_address,
                              "comma-separated IP addresses like 127.0.0.1 or ::1"));
  fields.push_back(integer_field("max_json_body_bytes",
                                 "largest request body that is not an upload (JSON) in bytes",
                                 &Settings::max_json_body_bytes, 1024, kGiB));
  fields.push_back(integer_field("http_header_timeout_s",
                                 "seconds a request's head may take to arrive (and an idle "
                                 "keep-alive connection stays open)",
                                 &Settings::http_header_timeout_s, 1, 3600));
  fields.push_back(integer_field("http_body_timeout_s", "seconds a request body may take in all",
                                 &Settings::http_body_timeout_s, 1, 24 * 3600));
  fields.push_back(integer_field("http_min_body_bytes_per_s",
                                 "slowest upload in bytes per second, after "
                                 "http_header_timeout_s (0 = no minimum)",
                                 &Settings::http_min_body_bytes_per_s, 0, kGiB));
  fields.push_back(integer_field("http_max_connections", "open connections in all",
                                 &Settings::http_max_connections, 1, 1'000'000));
  fields.push_back(integer_field("http_max_connections_per_ip",
                                 "open connections from one address (a trusted proxy's are "
                                 "not counted)",
                                 &Settings::http_max_connections_per_ip, 1, 1'000'000));
  fields.push_back(text_field("tls_cert_file", "PEM certificate chain; with tls_key_file = HTTPS",
                              &Settings::tls_cert_file));
  fields.push_back(text_field("tls_key_file", "PEM private key; with tls_cert_file = HTTPS",
                              &Settings::tls_key_file));
  fields.push_back(text_field("web_dir",
                              "directory of the built web UI (\"\" = web/dist beside the "
                              "build, or share/rollcall/web beside the binary)",
                              &Settings::web_dir));
  // Accounts.
  fields.push_back(text_field("jwt_secret",
                              "key signing access tokens, at least 32 characters (\"\" = "
                              "generated once and kept in the database)",
                              &Settings::jwt_secret, jwt_key, true));
  fields.push_back(integer_field("access_token_ttl_s", "lifetime of an access token in seconds",
                                 &Settings::access_token_ttl_s, 1, kDay));
  fields.push_back(integer_field("refresh_token_ttl_s", "lifetime of a refresh token in seconds",
                                 &Settings::refresh_token_ttl_s, 1, 365 * kDay));
  fields.push_back(text_field("admin_password",
                              "password of the first admin account, used on first start only "
                              "(\"\" = generated and printed)",
                              &Settings::admin_password, nullptr, true));
  fields.push_back(integer_field("login_attempts_per_minute_ip",
                                 "failed logins allowed per minute from one IP address",
                                 &Settings::login_attempts_per_minute_ip, 1, 100'000));
  fields.push_back(integer_field("login_attempts_per_minute_account",
                                 "failed logins allowed per minute for one account from one IP "
                                 "address",
                                 &Settings::login_attempts_per_minute_account, 1, 1000));
  fields.push_back(integer_field("login_attempts_per_hour_account",
                                 "failed logins allowed per hour for one account from all IP "
                                 "addresses it has not logged in from before",
                                 &Settings::login_attempts_per_hour_account, 1, 100'000));
  // Faces.
  fields.push_back(text_field("retention",
                              "keep_photos, or embeddings_only to delete photos once embedded",
                              &Settings::retention, one_of({"keep_photos", "embeddings_only"})));
  fields.push_back(number_field("duplicate_similarity",
                                "flag an enrollment at least this similar (cosine) to a classmate",
                                &Settings::duplicate_similarity, 0.0, 1.0));
  fields.push_back(integer_field("max_photos_per_upload", "class photos in one upload request",
                                 &Settings::max_photos_per_upload, 1, 100));
  fields.push_back(integer_field("max_class_photo_pixels",
                                 "largest class photo in pixels (also at most max_image_pixels)",
                                 &Settings::max_class_photo_pixels, 1, 1'000'000'000));
  // Reports.
  fields.push_back(number_field("report_threshold_percent",
                                "class reports list students whose attendance is below this "
                                "percentage (unless a request names its own)",
                                &Settings::report_threshold_percent, 0.0, 100.0));
  // Work.
  fields.push_back(integer_field("job_workers", "background jobs (imports, re-embedding) at once",
                                 &Settings::job_workers, 1, 64));
  fields.push_back(integer_field("webhook_retry_base_ms",
                                 "first webhook retry after this many ms, doubling each time",
                                 &Settings::webhook_retry_base_ms, 10, 3'600'000));
  fields.push_back(integer_field("webhook_max_attempts",
                                 "webhook attempts before a delivery is failed",
                                 &Settings::webhook_max_attempts, 1, 100));
  // Self check-in.
  fields.push_back(text_field("public_url",
                              "base URL students' phones open (the QR code's link is "
                              "public_url/checkin?session=ID&code=CODE); \"\" = the address "
                              "the teacher's browser uses",
                              &Settings::public_url, base_url));
  fields.push_back(integer_field("checkin_workers",
                                 "check-in verification threads (0 = one per core)",
                                 &Settings::checkin_workers, 0, 256));
  fields.push_back(integer_field("checkin_grace_s",
                                 "seconds after a window closes for queued check-ins to finish "
                                 "before the session locks",
                                 &Settings::checkin_grace_s, 0, 3600));
  fields.push_back(integer_field("checkin_attempts_per_student",
                                 "check-in attempts with the right code one student may make per "
                                 "window from one address (from one account when signed in)",
                                 &Settings::checkin_attempts_per_student, 1, 1000));
  fields.push_back(integer_field("checkin_attempts_per_ip_per_minute",
                                 "check-in attempts per minute from one IP address (a campus "
                                 "network may put a whole class behind one)",
                                 &Settings::checkin_attempts_per_ip_per_minute, 1, 1'000'000));
  fields.push_back(integer_field("checkin_wrong_codes_ip_per_minute",
                                 "wrong check-in codes per minute from one IP address",
                                 &Settings::checkin_wrong_codes_ip_per_minute, 1, 1'000'000));
  fields.push_back(integer_field("checkin_wrong_codes_per_code",
                                 "wrong codes from all addresses after which a window's code "
                                 "changes (the projector shows the new one)",
                                 &Settings::checkin_wrong_codes_per_code, 1, 1'000'000));
  fields.push_back(integer_field("checkin_wrong_codes_per_window",
                                 "wrong codes from all addresses after which a window takes only "
                                 "signed-in students",
                                 &Settings::checkin_wrong_codes_per_window, 1, 1'000'000));
  fields.push_back(number_field("checkin_max_accuracy_m",
                                "refuse positions whose reported accuracy is worse than this "
                                "many metres",
                                &Settings::checkin_max_accuracy_m, 1.0, 100'000.0));
  fields.push_back(integer_field("checkin_default_duration_s",
                                 "seconds a check-in window stays open when the teacher gives "
                                 "no duration",
                                 &Settings::checkin_default_duration_s, 10, 3600));
  fields.push_back(number_field("checkin_default_radius_m",
                                "geofence radius in metres of a check-in window when the teacher "
                                "gives none",
                                &Settings::checkin_default_radius_m, 1.0, 10'000.0));
  fields.push_back(integer_field("checkin_queue_limit",
                                 "check-ins waiting for verification before new ones are told "
                                 "to retry (503)",
                                 &Settings::checkin_queue_limit, 1, 1'000'000));
  fields.push_back(integer_field("max_video_bytes", "largest check-in video in bytes",
                                 &Settings::max_video_bytes, 1, 4 * kGiB));
  fields.push_back(integer_field("max_video_seconds", "longest check-in video in seconds",
                                 &Settings::max_video_seconds, 1, 600));
  // Telegram bots.
  fields.push_back(text_field("telegram_teacher_token",
                              "the teacher bot's token from @BotFather (\"\" = no teacher bot)",
                              &Settings::telegram_teacher_token, bot_token, true));
  fields.push_back(text_field("telegram_student_token",
                              "the student bot's token from @BotFather (\"\" = no student bot)",
                              &Settings::telegram_student_token, bot_token, true));
  fields.push_back(text_field("telegram_api_url", "base URL of the Telegram Bot API",
                              &Settings::telegram_api_url, web_url));
  fields.push_back(text_field("telegram_mode",
                              "polling (getUpdates) or webhook (Telegram POSTs to "
                              "telegram_webhook_url/telegram/BOT)",
                              &Settings::telegram_mode, one_of({"polling", "webhook"})));
  fields.push_back(text_field("telegram_webhook_url",
                              "public HTTPS base URL Telegram posts updates to in webhook mode "
                              "(\"\" = public_url)",
                              &Settings::telegram_webhook_url, optional_web_url));
  fields.push_back(text_field("telegram_webhook_secret",
                              "secret Telegram sends in X-Telegram-Bot-Api-Secret-Token "
                              "(\"\" = generated once and kept in the database)",
                              &Settings::telegram_webhook_secret, webhook_secret, true));
  fields.push_back(integer_field("telegram_long_poll_s",
                                 "seconds one getUpdates call waits for updates",
                                 &Settings::telegram_long_poll_s, 1, 50));
  fields.push_back(integer_field("telegram_conversation_timeout_s",
                                 "an unfinished bot conversation is forgotten after this many "
                                 "seconds of silence",
                                 &Settings::telegram_conversation_timeout_s, 30, 7 * kDay));
  fields.push_back(integer_field("telegram_messages_per_minute",
                                 "messages one Telegram user may send a bot per minute",
                                 &Settings::telegram_messages_per_minute, 1, 10'000));
  // Logs.
  fields.push_back(text_field("log_level", "least severe log level written", &Settings::log_level,
                              one_of({"trace", "debug", "info", "warn", "error"})));
  fields.push_back(text_field("log_format", "json (one object per line) or text",
                              &Settings::log_format, one_of({"json", "text"})));
  return fields;
}

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

}  // namespace

const std::vector<SettingField>& setting_fields() {
  static const std::vector<SettingField> fields = make_fields();
  return fields;
}

const SettingField* find_setting_field(std::string_view key) {
  for (const auto& field : setting_fields())
    if (field.info.key == key) return &field;
  return nullptr;
}

std::string environment_name(std::string_view key) {
  std::string name = "ROLLCALL_";
  for (const char c : key) name += static_cast<char>(c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c);
  return name;
}

std::string flag_name(std::string_view key) {
  std::string name = "--";
  for (const char c : key) name += c == '_' ? '-' : c;
  return name;
}

std::string closest_setting(std::string_view key) {
  // Up to 3 edits: typos and dash/underscore swaps, not unrelated words.
  std::size_t best_distance = 4;
  std::string best;
  for (const auto& field : setting_fields()) {
    const auto distance = edit_distance(key, field.info.key);
    if (distance < best_distance) {
      best_distance = distance;
      best = field.info.key;
    }
  }
  return best;
}

}  // namespace rollcall::app::detail
