// src/store/postgres_store.cc
//
// The PostgreSQL back end, for production and for several servers on one
// database. Writes run at READ COMMITTED (the upserts rely on ON CONFLICT,
// not on isolation); reads at REPEATABLE READ so that a page and its total
// come from one snapshot, as they do on SQLite.
#include "store/detail/connection.h"
#include "store/detail/migrations.h"
#include "store/detail/pooled_store.h"

namespace rollcall::store {
namespace {

namespace fs = std::filesystem;

// Serialisation failures and deadlocks usually clear on a second try; more
// than a few means real contention that the caller should hear about.
constexpr int kAttempts = 4;

class PostgresStore final : public PooledStore {
 public:
  PostgresStore(const std::string& url, const StoreOptions& options)
      : PooledStore([url] { return open_postgres(url); }, options),
        lock_timeout_ms_(options.busy_timeout_ms) {}

  Backend backend() const override { return Backend::postgres; }

  Result<void> backup(const fs::path&) override {
    return make_error("backup_unsupported",
                      "rollcall backup copies SQLite databases only; back up PostgreSQL with "
                      "pg_dump --format=custom (see docs/OPERATIONS.md)");
  }

  using PooledStore::pool;

 protected:
  // lock_timeout makes a lock wait end like SQLite's busy timeout does,
  // with database_busy, instead of hanging the request.
  std::string begin_sql(bool is_write) const override {
    const std::string timeout = "SET LOCAL lock_timeout = " + std::to_string(lock_timeout_ms_);
    return is_write ? "BEGIN; " + timeout
                    : "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; " + timeout;
  }
  std::string after_sql(bool) const override { return ""; }
  int attempts() const override { return kAttempts; }

 private:
  int lock_timeout_ms_;
};

}  // namespace

Result<std::unique_ptr<Store>> open_postgres_store(const std::string& url,
                                                   const StoreOptions& options) {
  auto store = std::make_unique<PostgresStore>(url, options);
  auto connection = open_postgres(url);
  if (!connection) return connection.error();
  if (auto migrated = apply_migrations(**connection); !migrated) return migrated.error();
  store->pool().adopt(std::move(connection).value());
  return std::unique_ptr<Store>(std::move(store));
}

}  // namespace rollcall::store
