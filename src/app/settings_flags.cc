// src/app/settings_flags.cc
//
// Settings as command-line flags, and the order the sources are applied in:
// defaults < file < environment < flags.
#include <CLI/CLI.hpp>

#include "app/detail/settings_fields.h"
#include "app/settings.h"

namespace rollcall::app {
namespace {

std::string type_name(detail::SettingKind kind) {
  switch (kind) {
    case detail::SettingKind::integer:
      return "INT";
    case detail::SettingKind::number:
      return "NUMBER";
    case detail::SettingKind::list:
      return "LIST";
    case detail::SettingKind::text:
      break;
  }
  return "TEXT";
}

std::string help_of(const detail::SettingField& field) {
  std::string help = field.info.help + " [env " + detail::environment_name(field.info.key);
  if (field.info.is_secret) return help + "; prefer the environment: flags show in `ps`]";
  const auto value = field.get(Settings{});
  return help + "; default " + (value.empty() ? "\"\"" : value) + "]";
}

}  // namespace

void SettingsFlags::add_to(CLI::App& command) {
  auto* group = command.add_option_group("Settings", "server settings (docs/CONFIGURATION.md)");
  group->add_option("--config", config_file_, "TOML settings file [env ROLLCALL_CONFIG]")
      ->type_name("FILE");
  for (const auto& field : detail::setting_fields()) {
    // Only flags actually given are recorded, so an absent flag never
    // overrides the file or the environment with a default.
    const std::string key = field.info.key;
    group
        ->add_option_function<std::string>(
            detail::flag_name(key), [this, key](const std::string& value) { flags_[key] = value; },
            help_of(field))
        ->type_name(type_name(field.kind));
  }
}

Result<Settings> SettingsFlags::finish() const {
  Settings settings;
  const auto environment = process_environment();
  fs::path file = config_file_;
  if (file.empty()) {
    if (const auto found = environment.find("ROLLCALL_CONFIG"); found != environment.end())
      file = found->second;
  }
  if (!file.empty()) {
    if (auto applied = apply_toml_file(settings, file); !applied) return applied.error();
  }
  if (auto applied = apply_environment(settings, environment); !applied) return applied.error();
  for (const auto& [key, value] : flags_) {
    if (auto set = set_setting(settings, key, value); !set) {
      Error error = set.error();
      error.message = detail::flag_name(key) + ": " + error.message;
      return error;
    }
  }
  if (auto checked = check_settings(settings); !checked) return checked.error();
  return settings;
}

}  // namespace rollcall::app
