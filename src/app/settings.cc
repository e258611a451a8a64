// src/app/settings.cc
//
// Reading and printing single settings, the environment, and the checks
// across settings. The table itself is in settings_fields.cc.
#include "app/settings.h"

#include <unistd.h>
#include <algorithm>

#include "app/detail/settings_fields.h"

extern char** environ;  // POSIX; <unistd.h> declares it only with _GNU_SOURCE

namespace rollcall::app {
namespace {

// The project already used ROLLCALL_MODELS for the model directory before
// settings existed (app/config.h); ROLLCALL_MODELS_DIR wins if both are set.
constexpr const char* kModelsAlias = "ROLLCALL_MODELS";

Error with_source(Error error, const std::string& source) {
  error.message = source + ": " + error.message;
  return error;
}

}  // namespace

const std::vector<SettingInfo>& setting_infos() {
  static const std::vector<SettingInfo> infos = [] {
    std::vector<SettingInfo> out;
    for (const auto& field : detail::setting_fields()) out.push_back(field.info);
    return out;
  }();
  return infos;
}

Result<void> set_setting(Settings& settings, const std::string& key, const std::string& value) {
  const auto* field = detail::find_setting_field(key);
  if (!field) {
    std::string message = "there is no setting \"" + key + "\"";
    if (const auto guess = detail::closest_setting(key); !guess.empty())
      message += "; did you mean " + guess + "?";
    return make_error("setting_unknown",
                      message + " (every setting is listed in docs/CONFIGURATION.md)");
  }
  return field->set(settings, value);
}

std::string get_setting(const Settings& settings, const std::string& key) {
  const auto* field = detail::find_setting_field(key);
  return field ? field->get(settings) : "";
}

Result<void> apply_environment(Settings& settings,
                               const std::map<std::string, std::string>& environment) {
  // Only names of settings are looked up: other ROLLCALL_* variables
  // (ROLLCALL_DATA, ROLLCALL_CONFIG, ROLLCALL_TEST_*) belong to others.
  if (const auto alias = environment.find(kModelsAlias);
      alias != environment.end() && !environment.contains("ROLLCALL_MODELS_DIR")) {
    if (auto set = set_setting(settings, "models_dir", alias->second); !set)
      return with_source(set.error(), kModelsAlias);
  }
  for (const auto& field : detail::setting_fields()) {
    const auto name = detail::environment_name(field.info.key);
    const auto found = environment.find(name);
    if (found == environment.end()) continue;
    if (auto set = field.set(settings, found->second); !set) return with_source(set.error(), name);
  }
  return {};
}

std::map<std::string, std::string> process_environment() {
  std::map<std::string, std::string> out;
  for (char** entry = environ; entry && *entry; ++entry) {
    const std::string_view text = *entry;
    const auto equals = text.find('=');
    if (!text.starts_with("ROLLCALL_") || equals == std::string_view::npos) continue;
    out.emplace(text.substr(0, equals), text.substr(equals + 1));
  }
  return out;
}

Result<void> check_settings(const Settings& settings) {
  if (settings.tls_cert_file.empty() != settings.tls_key_file.empty()) {
    const char* given = settings.tls_cert_file.empty() ? "tls_key_file" : "tls_cert_file";
    return make_error("setting_invalid",
                      std::string("tls_cert_file and tls_key_file must be set together for "
                                  "HTTPS, got only ") +
                          given + "; set both, or neither for plain HTTP");
  }
  return {};
}

std::string describe_settings(const Settings& settings) {
  std::size_t width = 0;
  for (const auto& field : detail::setting_fields()) width = std::max(width, field.info.key.size());
  std::string out;
  for (const auto& field : detail::setting_fields()) {
    const auto value = field.get(settings);
    out += field.info.key + std::string(width - field.info.key.size(), ' ') + " = ";
    if (field.info.is_secret) {
      out += field.show(value);
    } else {
      out += value.empty() ? "\"\"" : field.show(value);
    }
    out += "\n";
  }
  return out;
}

}  // namespace rollcall::app
