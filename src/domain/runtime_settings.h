// src/domain/runtime_settings.h
//
// RuntimeSettings: the few settings an admin may change while the servers
// run (GET/PATCH /api/v1/settings), over the values the configuration
// gave, which stay the defaults.
// Owns: the list of such keys with their kinds and ranges, validating a
// change (all keys or none), storing it in the settings table (keys
// "runtime.<key>", JSON values) with an audit entry, and the current
// values that Enrollment, Sessions, Checkins and Reports read on use.
// Leaves to others: the configuration (app), dropping kept photos when
// retention becomes embeddings_only (Enrollment::apply_retention, called
// by whoever made the change).
// Invariants: a value read back is always within its key's rules; a
// stored value that is not (written by another build) is ignored.
// Thread safety: every method may be called from any thread. Values are
// cached for kCacheMs, so a change made on another server sharing the
// database takes effect here within that time.
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/result.h"
#include "domain/principal.h"
#include "store/store.h"

namespace rollcall::domain {

enum class Retention { keep_photos, embeddings_only };

// The values the configuration gave (file < environment < flags); the
// member initialisers are the built-in defaults.
struct RuntimeDefaults {
  std::string retention = "keep_photos";
  double duplicate_similarity = 0.6;
  double report_threshold_percent = 75;
  int checkin_default_duration_s = 90;
  double checkin_default_radius_m = 50;
  double checkin_max_accuracy_m = 100;
};

class RuntimeSettings {
 public:
  // A change made here or on another server is seen within this time.
  static constexpr std::int64_t kCacheMs = 2000;
  static constexpr const char* kKeyPrefix = "runtime.";

  RuntimeSettings(store::Store& store, RuntimeDefaults configured);
  RuntimeSettings(const RuntimeSettings&) = delete;
  RuntimeSettings& operator=(const RuntimeSettings&) = delete;

  // The current values (cached; a failed read keeps the last ones).
  Retention retention();
  double duplicate_similarity();
  double report_threshold_percent();
  int checkin_default_duration_s();
  double checkin_default_radius_m();
  double checkin_max_accuracy_m();

  // {"items": [{"key", "value", "default", "description", "kind", "min"?,
  // "max"?, "choices"?, "source"}]}, read from the database now.
  Result<nlohmann::json> list();
  // `changes` maps keys to new values (null = back to the default).
  // Admins only. Errors: forbidden, invalid_json (not an object),
  // setting_unknown / setting_invalid naming the key; nothing is stored
  // unless every key is good. Returns list() after the change.
  Result<nlohmann::json> update(const Principal& who, const nlohmann::json& changes);

 private:
  struct Values {
    RuntimeDefaults v;
    std::vector<std::string> from_admin;  // keys an admin set
  };
  Result<Values> read(store::Tx& tx) const;
  Values current();

  store::Store& store_;
  const RuntimeDefaults configured_;
  std::mutex mutex_;
  std::optional<Values> cached_;  // guarded by mutex_
  std::int64_t read_ms_ = 0;      // guarded by mutex_; when cached_ was read
};

}  // namespace rollcall::domain
