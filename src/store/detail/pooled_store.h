// src/store/detail/pooled_store.h
//
// PooledStore: what the SQLite and PostgreSQL stores share, a connection
// pool and the transaction loop; each back end says how to begin a
// transaction and whether a failed one is worth running again; and the
// health seen on the way (StoreHealth), told to on_health on each change.
// Owns: the pool. Thread safety: as Store; the health flags are atomics
// whose exchange decides which thread tells of a change, so each change
// is told once however many requests see it at the same moment.
#pragma once

#include <atomic>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>

#include "store/detail/pool.h"
#include "store/store.h"

namespace rollcall::store {

class PooledStore : public Store {
 public:
  Result<void> ping() override;
  Result<int> schema_version() override;
  StoreHealth health() const override;

 protected:
  PooledStore(ConnectionPool::Factory factory, const StoreOptions& options)
      : pool_(std::move(factory), options.pool_size, options.busy_timeout_ms),
        on_health_(options.on_health) {}

  ConnectionPool& pool() { return pool_; }

  Result<void> transact(bool is_write, const std::function<Result<void>(Tx&)>& work) override;

  // Statements that open a transaction, and that restore the connection
  // after it ended (commit or rollback).
  virtual std::string begin_sql(bool is_write) const = 0;
  virtual std::string after_sql(bool is_write) const = 0;
  // How many times a transaction that failed with transaction_conflict is
  // tried in all.
  virtual int attempts() const = 0;

  // Updates the health from the outcome of some work; returns `done`.
  Result<void> observe(bool is_write, Result<void> done);

 private:
  Result<void> run_once(Connection& connection, bool is_write,
                        const std::function<Result<void>(Tx&)>& work);
  void tell(const std::string& event, const std::string& cause);

  ConnectionPool pool_;
  const std::function<void(const std::string&, const std::string&)> on_health_;
  std::atomic<bool> is_unreachable_{false};
  std::atomic<bool> is_storage_full_{false};
  mutable std::mutex cause_mutex_;
  std::string cause_;  // guarded by cause_mutex_
};

// Open the database, apply migrations, and return the store.
// Errors: as Store::open.
Result<std::unique_ptr<Store>> open_sqlite_store(const std::filesystem::path& file,
                                                 const StoreOptions& options);
Result<std::unique_ptr<Store>> open_postgres_store(const std::string& url,
                                                   const StoreOptions& options);

}  // namespace rollcall::store
