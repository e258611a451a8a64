// src/domain/backups.h
//
// Backups: online copies of the SQLite database that an admin makes and
// downloads over the API (POST/GET /api/v1/backups), beside the
// `rollcall backup` command.
// Owns: the backup folder (<data_dir>/backups), naming
// (rollcall-YYYYMMDD-HHMMSS[-N].db, UTC), listing, finding a backup by a
// name a client sends back, and the audit entry of each backup.
// Leaves to others: the copy itself (store::Store::backup, SQLite's online
// backup API), PostgreSQL backups (pg_dump; docs/OPERATIONS.md), deleting
// old backups (the operator).
// Invariants: a name is only ever resolved to a file in the backup folder
// when it matches the pattern exactly (no '/', no "..", no other files);
// a backup appears under its name only once complete (written as .part,
// then renamed).
// Thread safety: create() is serialised by a mutex; the rest read only.
#pragma once

#include <cstdint>
#include <filesystem>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "domain/principal.h"
#include "store/store.h"

namespace rollcall::domain {

struct BackupFile {
  std::string name;  // rollcall-20261125-093000.db
  std::uint64_t size_bytes = 0;
  std::int64_t created_ms = 0;  // from the name (UTC, whole seconds)
  std::filesystem::path path;
};

class Backups {
 public:
  // `dir`: where backups go, made on first use.
  Backups(store::Store& store, std::filesystem::path dir);
  Backups(const Backups&) = delete;
  Backups& operator=(const Backups&) = delete;

  // Copies the live database. Admins only. Errors: forbidden,
  // backup_unsupported (PostgreSQL: use pg_dump), backup_failed.
  Result<BackupFile> create(const Principal& who);
  // Every backup in the folder, newest first. Admins only.
  Result<std::vector<BackupFile>> list(const Principal& who);
  // The backup called exactly `name`. Errors: forbidden, backup_not_found
  // (also for any name this class would never make).
  Result<BackupFile> find(const Principal& who, const std::string& name);

  // true iff `name` is one create() could have made.
  static bool is_backup_name(std::string_view name);

 private:
  store::Store& store_;
  std::filesystem::path dir_;
  std::mutex create_mutex_;
};

}  // namespace rollcall::domain
