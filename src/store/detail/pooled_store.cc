// src/store/detail/pooled_store.cc
#include "store/detail/pooled_store.h"

#include <chrono>
#include <thread>

#include "store/detail/migrations.h"

namespace rollcall::store {

Result<void> PooledStore::ping() {
  auto lease = pool_.acquire();
  if (!lease) return lease.error();
  auto rows = (*lease)->query("SELECT 1");
  if (!rows) return rows.error();
  return {};
}

Result<int> PooledStore::schema_version() {
  auto lease = pool_.acquire();
  if (!lease) return lease.error();
  return applied_version(**lease);
}

Result<void> PooledStore::transact(bool is_write, const std::function<Result<void>(Tx&)>& work) {
  auto lease = pool_.acquire();
  if (!lease) return lease.error();
  for (int attempt = 1;; ++attempt) {
    auto done = run_once(**lease, is_write, work);
    if (done || done.error().code != kTransactionConflict) return done;
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
