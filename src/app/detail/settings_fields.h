// src/app/detail/settings_fields.h
//
// The one table of settings behind settings.h: for each key, how to read
// it from text, print it and show it. The file, environment and flag
// loaders all walk this table, so no setting is written twice.
// Thread safety: the table is built once (function-local static) and
// read-only afterwards.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "app/settings.h"
#include "base/result.h"

namespace rollcall::app::detail {

// What a TOML file may give for the key (a string is always accepted and
// read like the environment would be).
enum class SettingKind { text, integer, number, list };

struct SettingField {
  SettingInfo info;
  SettingKind kind = SettingKind::text;
  // Parses and validates `text`; errors are setting_invalid naming the key.
  std::function<Result<void>(Settings&, const std::string& text)> set;
  std::function<std::string(const Settings&)> get;
  // How `config show` and error messages may print a value: secrets are
  // masked, passwords inside database URLs too.
  std::function<std::string(const std::string& value)> show;
};

const std::vector<SettingField>& setting_fields();

// nullptr iff `key` is not a setting.
const SettingField* find_setting_field(std::string_view key);

// ROLLCALL_HTTP_PORT for http_port.
std::string environment_name(std::string_view key);

// --http-port for http_port.
std::string flag_name(std::string_view key);

// The setting closest to a mistyped key, for "did you mean"; "" if none is close.
std::string closest_setting(std::string_view key);

}  // namespace rollcall::app::detail
