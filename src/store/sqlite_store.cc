// src/store/sqlite_store.cc
//
// The embedded back end: one database file, WAL, a pool of connections.
// Writers queue on SQLite's single write lock (BEGIN IMMEDIATE waits up to
// the busy timeout); readers run beside them on their own snapshot.
#include <algorithm>
#include <filesystem>

#include "store/detail/connection.h"
#include "store/detail/migrations.h"
#include "store/detail/pooled_store.h"

namespace rollcall::store {
namespace {

namespace fs = std::filesystem;

// PRAGMA max_page_count is the connection's, not the file's: every
// connection sets it. It never goes below the pages already in use.
Result<void> cap_size(Connection& connection, std::uint64_t max_bytes) {
  if (max_bytes == 0) return {};
  auto rows = connection.query("PRAGMA page_size");
  if (!rows) return rows.error();
  const auto* page = rows->rows.empty() ? nullptr : std::get_if<std::int64_t>(&rows->rows[0][0]);
  if (page == nullptr || *page <= 0) return make_error("database_error", "no SQLite page size");
  return connection.execute("PRAGMA max_page_count = " +
                            std::to_string(std::max<std::uint64_t>(1, max_bytes / *page)));
}

Result<std::unique_ptr<Connection>> open_capped(const fs::path& file, int busy_timeout_ms,
                                                std::uint64_t max_bytes) {
  auto connection = open_sqlite(file, busy_timeout_ms);
  if (!connection) return connection.error();
  if (auto capped = cap_size(**connection, max_bytes); !capped) return capped.error();
  return connection;
}

class SqliteStore final : public PooledStore {
 public:
  SqliteStore(const fs::path& file, const StoreOptions& options)
      : PooledStore(
            [file, timeout = options.busy_timeout_ms, max_bytes = options.sqlite_max_bytes] {
              return open_capped(file, timeout, max_bytes);
            },
            options) {}

  Backend backend() const override { return Backend::sqlite; }

  Result<void> backup(const fs::path& out) override {
    auto lease = pool().acquire();
    if (!lease) return lease.error();
    return observe(false, sqlite_backup(**lease, out));
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
  // After the migrations, which a cap must never stop half way.
  if (auto capped = cap_size(**connection, options.sqlite_max_bytes); !capped) {
    return capped.error();
  }
  store->pool().adopt(std::move(connection).value());
  return std::unique_ptr<Store>(std::move(store));
}

}  // namespace rollcall::store
