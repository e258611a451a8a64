// src/app/settings_toml.cc
//
// Settings from a TOML file: flat keys, the same names as everywhere else.
// Each value is turned into the text the environment would give and goes
// through the same parser, so the file checks nothing twice; the TOML type
// is checked first so `http_host = 5` is refused rather than read as "5".
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include <toml++/toml.h>

#include "app/detail/settings_fields.h"
#include "app/settings.h"

namespace rollcall::app {
namespace {

using detail::SettingField;
using detail::SettingKind;

std::string type_name(const toml::node& node) {
  switch (node.type()) {
    case toml::node_type::string:
      return "string";
    case toml::node_type::integer:
      return "integer";
    case toml::node_type::floating_point:
      return "float";
    case toml::node_type::boolean:
      return "boolean";
    case toml::node_type::array:
      return "array";
    case toml::node_type::table:
      return "table";
    default:
      return "date/time";
  }
}

std::string expected_type(SettingKind kind) {
  switch (kind) {
    case SettingKind::integer:
      return "an integer";
    case SettingKind::number:
      return "a number";
    case SettingKind::list:
      return "an array of strings";
    case SettingKind::text:
      break;
  }
  return "a string in quotes";
}

std::string printed(const toml::node& node) {
  std::ostringstream out;
  node.visit([&out](const auto& value) { out << value; });
  return out.str();
}

// The value as environment-style text, or what is wrong with its type.
Result<std::string> as_text(const SettingField& field, const toml::node& node) {
  if (const auto* text = node.as_string()) return text->get();
  if (field.kind == SettingKind::integer || field.kind == SettingKind::number) {
    if (const auto* integer = node.as_integer()) return std::to_string(integer->get());
  }
  if (field.kind == SettingKind::number) {
    if (const auto* number = node.as_floating_point()) return printed(*number);
  }
  if (field.kind == SettingKind::list) {
    if (const auto* array = node.as_array()) {
      std::string joined;
      for (const auto& item : *array) {
        const auto* text = item.as_string();
        if (!text) break;
        joined += (joined.empty() ? "" : ",") + text->get();
      }
      if (array->is_homogeneous(toml::node_type::string) || array->empty()) return joined;
    }
  }
  const auto shown = field.info.is_secret ? std::string() : " " + printed(node);
  return make_error("setting_invalid", field.info.key + " must be " + expected_type(field.kind) +
                                           ", got " + type_name(node) + shown);
}

std::string where(const fs::path& file, const toml::source_region& source) {
  return file.string() + " line " + std::to_string(source.begin.line);
}

}  // namespace

Result<void> apply_toml_file(Settings& settings, const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    return make_error("config_unreadable", "cannot read the settings file " + file.string() + " (" +
                                               std::strerror(errno) +
                                               "); check the path given by --config or "
                                               "ROLLCALL_CONFIG");
  }
  std::ostringstream contents;
  contents << in.rdbuf();
  if (in.bad()) {
    return make_error("config_unreadable",
                      "cannot read the settings file " + file.string() + "; check its permissions");
  }

  toml::table table;
  try {
    table = toml::parse(contents.str(), file.string());
  } catch (const toml::parse_error& error) {
    return make_error("config_invalid",
                      where(file, error.source()) + ", column " +
                          std::to_string(error.source().begin.column) + ": " +
                          std::string(error.description()) +
                          "; fix the TOML syntax (see docs/CONFIGURATION.md for an example)");
  }

  for (const auto& [key, node] : table) {
    const std::string name(key.str());
    const auto* field = detail::find_setting_field(name);
    if (!field) {
      std::string message = "there is no setting \"" + name + "\" (in " + where(file, key.source());
      message += "); settings are flat keys like http_port, listed in docs/CONFIGURATION.md";
      if (const auto guess = detail::closest_setting(name); !guess.empty())
        message += "; did you mean " + guess + "?";
      return make_error("setting_unknown", message);
    }
    auto text = as_text(*field, node);
    if (text) {
      if (auto set = field->set(settings, *text); !set) text = set.error();
    }
    if (!text) {
      Error error = text.error();
      error.message = where(file, node.source()) + ": " + error.message;
      return error;
    }
  }
  return {};
}

}  // namespace rollcall::app
