// src/domain/runtime_settings.cc
//
// The keys an admin may change at run time, their rules, and how they are
// stored (docs/CONFIGURATION.md "Changed at run time").
#include "domain/runtime_settings.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <functional>

#include "domain/audit.h"

namespace rollcall::domain {
namespace {

enum class Kind { number, integer, choice };

struct Spec {
  const char* key;
  const char* title;        // a few words, for the settings page
  const char* description;  // one sentence, for the settings page
  Kind kind;
  double min = 0;  // number, integer
  double max = 0;
  std::vector<std::string> choices;        // choice
  std::vector<std::string> choice_titles;  // choice: each in words, in the same order
  std::function<nlohmann::json(const RuntimeDefaults&)> get;
  std::function<void(RuntimeDefaults&, const nlohmann::json&)> set;
};

// The ranges are the configuration's (app/settings_fields.cc), so a value
// an admin may set is one the configuration file could have held.
const std::vector<Spec>& specs() {
  static const std::vector<Spec> table = {
      {"retention",
       "Enrollment photos",
       "Whether students' enrollment photos are kept once their face template is made; "
       "keeping the templates only deletes the kept photos at once.",
       Kind::choice,
       0,
       0,
       {"keep_photos", "embeddings_only"},
       {"Keep the photos", "Keep only the face templates (delete the photos)"},
       [](const RuntimeDefaults& d) { return nlohmann::json(d.retention); },
       [](RuntimeDefaults& d, const nlohmann::json& v) { d.retention = v.get<std::string>(); }},
      {"duplicate_similarity",
       "Look-alike warning",
       "An enrollment photo at least this similar to a classmate (0 to 1) is flagged as "
       "possibly the wrong student.",
       Kind::number,
       0,
       1,
       {},
       {},
       [](const RuntimeDefaults& d) { return nlohmann::json(d.duplicate_similarity); },
       [](RuntimeDefaults& d, const nlohmann::json& v) {
         d.duplicate_similarity = v.get<double>();
       }},
      {"report_threshold_percent",
       "Low attendance threshold (%)",
       "A class report lists the students whose attendance is below this percentage, unless "
       "the report is asked for another threshold.",
       Kind::number,
       0,
       100,
       {},
       {},
       [](const RuntimeDefaults& d) { return nlohmann::json(d.report_threshold_percent); },
       [](RuntimeDefaults& d, const nlohmann::json& v) {
         d.report_threshold_percent = v.get<double>();
       }},
      {"checkin_default_duration_s",
       "Check-in open for (seconds)",
       "How long a check-in stays open when the teacher does not choose, in seconds.",
       Kind::integer,
       10,
       3600,
       {},
       {},
       [](const RuntimeDefaults& d) { return nlohmann::json(d.checkin_default_duration_s); },
       [](RuntimeDefaults& d, const nlohmann::json& v) {
         d.checkin_default_duration_s = v.get<int>();
       }},
      {"checkin_default_radius_m",
       "Check-in distance (metres)",
       "How far from the teacher a student may check in when the teacher does not choose, in "
       "metres.",
       Kind::number,
       1,
       10'000,
       {},
       {},
       [](const RuntimeDefaults& d) { return nlohmann::json(d.checkin_default_radius_m); },
       [](RuntimeDefaults& d, const nlohmann::json& v) {
         d.checkin_default_radius_m = v.get<double>();
       }},
      {"checkin_max_accuracy_m",
       "Roughest location accepted (metres)",
       "A check-in is refused when the phone's location is less accurate than this many "
       "metres.",
       Kind::number,
       1,
       100'000,
       {},
       {},
       [](const RuntimeDefaults& d) { return nlohmann::json(d.checkin_max_accuracy_m); },
       [](RuntimeDefaults& d, const nlohmann::json& v) {
         d.checkin_max_accuracy_m = v.get<double>();
       }},
  };
  return table;
}

const Spec* find_spec(const std::string& key) {
  for (const auto& spec : specs()) {
    if (key == spec.key) return &spec;
  }
  return nullptr;
}

// A bound as JSON: whole numbers without ".0" (10, not 10.0).
nlohmann::json bound(double value) {
  if (value == std::floor(value) && std::fabs(value) < 1e15) {
    return nlohmann::json(static_cast<std::int64_t>(value));
  }
  return nlohmann::json(value);
}

std::string number_text(double value) { return bound(value).dump(); }

// The value if it keeps the key's rules, else setting_invalid naming it.
Result<nlohmann::json> checked(const Spec& spec, const nlohmann::json& value) {
  const std::string key = spec.key;
  const auto invalid = [&](const std::string& rule) {
    return field_error("setting_invalid", key, key + " must be " + rule);
  };
  switch (spec.kind) {
    case Kind::choice: {
      std::string names;
      for (const auto& c : spec.choices) names += (names.empty() ? "" : " or ") + c;
      if (!value.is_string() || std::find(spec.choices.begin(), spec.choices.end(),
                                          value.get<std::string>()) == spec.choices.end()) {
        return invalid(names);
      }
      return value;
    }
    case Kind::integer: {
      const std::string range =
          "a whole number from " + number_text(spec.min) + " to " + number_text(spec.max);
      if (!value.is_number_integer()) return invalid(range);
      const auto n = value.get<std::int64_t>();
      if (n < spec.min || n > spec.max) return invalid(range);
      return nlohmann::json(n);
    }
    case Kind::number: {
      const std::string range =
          "a number from " + number_text(spec.min) + " to " + number_text(spec.max);
      if (!value.is_number()) return invalid(range);
      const double n = value.get<double>();
      if (!std::isfinite(n) || n < spec.min || n > spec.max) return invalid(range);
      return nlohmann::json(n);
    }
  }
  return invalid("valid");
}

std::int64_t steady_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace

RuntimeSettings::RuntimeSettings(store::Store& store, RuntimeDefaults configured)
    : store_(store), configured_(std::move(configured)) {}

Result<RuntimeSettings::Values> RuntimeSettings::read(store::Tx& tx) const {
  auto stored = tx.list_settings(kKeyPrefix);
  if (!stored) return stored.error();
  Values values{configured_, {}};
  const std::string prefix = kKeyPrefix;
  for (const auto& [name, text] : *stored) {
    const Spec* spec = find_spec(name.substr(prefix.size()));
    if (spec == nullptr) continue;  // a key of another build
    const auto value = nlohmann::json::parse(text, nullptr, false);
    if (value.is_discarded()) continue;
    auto good = checked(*spec, value);
    if (!good) continue;  // out of this build's range: the default holds
    spec->set(values.v, *good);
    values.from_admin.push_back(spec->key);
  }
  return values;
}

RuntimeSettings::Values RuntimeSettings::current() {
  std::lock_guard lock(mutex_);
  const std::int64_t now = steady_ms();
  if (!cached_ || now - read_ms_ >= kCacheMs) {
    auto fresh =
        store_.read_value<Values>([this](store::Tx& tx) -> Result<Values> { return read(tx); });
    // A database that does not answer keeps the last values (or the
    // configuration's), and is asked again next time.
    if (fresh) {
      cached_ = std::move(*fresh);
      read_ms_ = now;
    } else if (!cached_) {
      return Values{configured_, {}};
    }
  }
  return *cached_;
}

Retention RuntimeSettings::retention() {
  return current().v.retention == "embeddings_only" ? Retention::embeddings_only
                                                    : Retention::keep_photos;
}
double RuntimeSettings::duplicate_similarity() { return current().v.duplicate_similarity; }
double RuntimeSettings::report_threshold_percent() { return current().v.report_threshold_percent; }
int RuntimeSettings::checkin_default_duration_s() { return current().v.checkin_default_duration_s; }
double RuntimeSettings::checkin_default_radius_m() { return current().v.checkin_default_radius_m; }
double RuntimeSettings::checkin_max_accuracy_m() { return current().v.checkin_max_accuracy_m; }

Result<nlohmann::json> RuntimeSettings::list() {
  auto values =
      store_.read_value<Values>([this](store::Tx& tx) -> Result<Values> { return read(tx); });
  if (!values) return values.error();
  const RuntimeDefaults built_in;
  nlohmann::json items = nlohmann::json::array();
  for (const auto& spec : specs()) {
    const bool is_admin = std::find(values->from_admin.begin(), values->from_admin.end(),
                                    spec.key) != values->from_admin.end();
    const auto configured = spec.get(configured_);
    nlohmann::json item = {{"key", spec.key},
                           {"value", spec.get(values->v)},
                           {"default", configured},
                           {"title", spec.title},
                           {"description", spec.description},
                           {"kind", spec.kind == Kind::choice    ? "choice"
                                    : spec.kind == Kind::integer ? "integer"
                                                                 : "number"},
                           {"source", is_admin                           ? "admin"
                                      : configured != spec.get(built_in) ? "config"
                                                                         : "default"}};
    if (spec.kind == Kind::choice) {
      item["choices"] = spec.choices;
      item["choice_titles"] = spec.choice_titles;
    } else {
      item["min"] = bound(spec.min);
      item["max"] = bound(spec.max);
    }
    items.push_back(std::move(item));
  }
  return nlohmann::json{{"items", items}};
}

Result<nlohmann::json> RuntimeSettings::update(const Principal& who,
                                               const nlohmann::json& changes) {
  if (!who.is_admin()) return make_error("forbidden", "only an admin changes settings");
  if (!changes.is_object()) {
    return make_error("invalid_json", "send an object of settings, e.g. {\"retention\": ...}");
  }
  // Every key is checked before anything is stored.
  std::vector<std::pair<const Spec*, nlohmann::json>> accepted;
  for (const auto& [key, value] : changes.items()) {
    const Spec* spec = find_spec(key);
    if (spec == nullptr) {
      std::string names;
      for (const auto& s : specs()) names += (names.empty() ? "" : ", ") + std::string(s.key);
      return field_error("setting_unknown", key,
                         "no setting \"" + key.substr(0, 64) +
                             "\" can be changed at run time; these can: " + names);
    }
    if (value.is_null()) {
      accepted.emplace_back(spec, nullptr);
      continue;
    }
    auto good = checked(*spec, value);
    if (!good) return good.error();
    accepted.emplace_back(spec, *good);
  }
  auto written = store_.write([&](store::Tx& tx) -> Result<void> {
    auto before = read(tx);
    if (!before) return before.error();
    nlohmann::json was = nlohmann::json::object();
    nlohmann::json now = nlohmann::json::object();
    for (const auto& [spec, value] : accepted) {
      const std::string name = std::string(kKeyPrefix) + spec->key;
      was[spec->key] = spec->get(before->v);
      if (value.is_null()) {
        ROLLCALL_TRY(tx.delete_setting(name));
        now[spec->key] = spec->get(configured_);
      } else {
        ROLLCALL_TRY(tx.put_setting(name, value.dump()));
        now[spec->key] = value;
      }
    }
    return audit(tx, &who, "settings.change", "settings", 0, was, now);
  });
  if (!written) return written.error();
  {
    // This server sees its own change at once.
    std::lock_guard lock(mutex_);
    cached_.reset();
  }
  return list();
}

}  // namespace rollcall::domain
