// src/store/detail/pooled_store.cc
#include "store/detail/pooled_store.h"

#include <chrono>
#include <thread>

#include "store/detail/migrations.h"

namespace rollcall::store {

Result<void> PooledStore::ping() {
  auto lease = pool_.acquire();
  if (!lease) return observe(false, lease.error());
  auto rows = (*lease)->query("SELECT 1");
  if (!rows) return observe(false, rows.error());
  return observe(false, {});
}

StoreHealth PooledStore::health() const {
  StoreHealth health;
  health.is_reachable = !is_unreachable_.load();
  health.is_storage_full = is_storage_full_.load();
  if (!health.is_reachable || health.is_storage_full) {
    std::lock_guard lock(cause_mutex_);
    health.cause = cause_;
  }
  return health;
}

void PooledStore::tell(const std::string& event, const std::string& cause) {
  if (!cause.empty()) {
    std::lock_guard lock(cause_mutex_);
    cause_ = cause;
  }
  if (on_health_) on_health_(event, cause);
}

Result<void> PooledStore::observe(bool is_write, Result<void> done) {
  // Only a success proves the database answers: database_busy from the
  // pool, say, proves nothing either way.
  if (done) {
    if (is_unreachable_.exchange(false)) tell("database_available", "");
    if (is_write && is_storage_full_.exchange(false)) tell("storage_writable", "");
    return done;
  }
  const auto& code = done.error().code;
  if (code == "database_unavailable" && !is_unreachable_.exchange(true)) {
    tell("database_unavailable", done.error().message);
  } else if (code == "storage_full" && !is_storage_full_.exchange(true)) {
    tell("storage_full", done.error().message);
  }
  return done;
}

Result<int> PooledStore::schema_version() {
  auto lease = pool_.acquire();
  if (!lease) return lease.error();
  return applied_version(**lease);
}

Result<void> PooledStore::transact(bool is_write, const std::function<Result<void>(Tx&)>& work) {
  auto lease = pool_.acquire();
  if (!lease) return observe(is_write, lease.error());
  for (int attempt = 1;; ++attempt) {
    auto done = run_once(**lease, is_write, work);
    if (done || done.error().code != kTransactionConflict) return observe(is_write, done);
    if (attempt >= attempts()) {
      return make_error("database_busy",
                        done.error().message + " (after " + std::to_string(attempt) + " attempts)");
    }
    // Back off a little longer each time so the rivals finish first.
    std::this_thread::sleep_for(std::chrono::milliseconds(10 * attempt));
  }
}

Result<void> PooledStore::run_once(Connection& connection, bool is_write,
                                   const std::function<Result<void>(Tx&)>& work) {
  Result<void> done = connection.execute(begin_sql(is_write));
  if (done) {
    Tx tx(connection);
    done = work(tx);
    if (done) done = connection.execute("COMMIT");
  }
  // After a failed COMMIT SQLite may still be in the transaction
  // (PostgreSQL never is); ROLLBACK outside one is harmless.
  if (!done) (void)connection.execute("ROLLBACK");
  if (const std::string after = after_sql(is_write); !after.empty()) {
    (void)connection.execute(after);
  }
  return done;
}

}  // namespace rollcall::store
