// src/store/sqlite_store.cc
//
// The embedded back end: one database file, WAL, a pool of connections.
// Writers queue on SQLite's single write lock (BEGIN IMMEDIATE waits up to
// the busy timeout); readers run beside them on their own snapshot.
#include <filesystem>

#include "store/detail/connection.h"
#include "store/detail/migrations.h"
#include "store/detail/pooled_store.h"

namespace rollcall::store {
namespace {

namespace fs = std::filesystem;

class SqliteStore final : public PooledStore {
 public:
  SqliteStore(const fs::path& file, const StoreOptions& options)
      : PooledStore(
            [file, timeout = options.busy_timeout_ms] { return open_sqlite(file, timeout); },
            options) {}

  Backend backend() const override { return Backend::sqlite; }

  Result<void> backup(const fs::path& out) override {
    auto lease = pool().acquire();
    if (!lease) return lease.error();
    return sqlite_backup(**lease, out);
  }

  using PooledStore::pool;

 protected:
  // BEGIN IMMEDIATE takes the write lock before the first read, so a writer
  // never has to upgrade a stale read snapshot (which fails at once with
  // SQLITE_BUSY instead of waiting). Reads are made read-only so that code
  // writing inside read() fails here as it does on PostgreSQL.
  std::string begin_sql(bool is_write) const override {
    return is_write ? "BEGIN IMMEDIATE" : "PRAGMA query_only = ON; BEGIN";
  }
  std::string after_sql(bool is_write) const override {
    return is_write ? "" : "PRAGMA query_only = OFF";
  }
  int attempts() const override { return 1; }  // the busy timeout already waited
};

}  // namespace

Result<std::unique_ptr<Store>> open_sqlite_store(const fs::path& file,
                                                 const StoreOptions& options) {
  auto store = std::make_unique<SqliteStore>(file, options);
  auto connection = open_sqlite(file, options.busy_timeout_ms);
  if (!connection) return connection.error();
  if (auto migrated = apply_migrations(**connection); !migrated) return migrated.error();
  store->pool().adopt(std::move(connection).value());
  return std::unique_ptr<Store>(std::move(store));
}

}  // namespace rollcall::store
