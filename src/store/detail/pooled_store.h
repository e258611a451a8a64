// src/store/detail/pooled_store.h
//
// PooledStore: what the SQLite and PostgreSQL stores share, a connection
// pool and the transaction loop; each back end says how to begin a
// transaction and whether a failed one is worth running again.
// Owns: the pool. Thread safety: as Store.
#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include "store/detail/pool.h"
#include "store/store.h"

namespace rollcall::store {

class PooledStore : public Store {
 public:
  Result<void> ping() override;
  Result<int> schema_version() override;

 protected:
  PooledStore(ConnectionPool::Factory factory, const StoreOptions& options)
      : pool_(std::move(factory), options.pool_size, options.busy_timeout_ms) {}

  ConnectionPool& pool() { return pool_; }

  Result<void> transact(bool is_write, const std::function<Result<void>(Tx&)>& work) override;

  // Statements that open a transaction, and that restore the connection
  // after it ended (commit or rollback).
  virtual std::string begin_sql(bool is_write) const = 0;
  virtual std::string after_sql(bool is_write) const = 0;
  // How many times a transaction that failed with transaction_conflict is
  // tried in all.
  virtual int attempts() const = 0;

 private:
  Result<void> run_once(Connection& connection, bool is_write,
                        const std::function<Result<void>(Tx&)>& work);

  ConnectionPool pool_;
};

// Open the database, apply migrations, and return the store.
// Errors: as Store::open.
Result<std::unique_ptr<Store>> open_sqlite_store(const std::filesystem::path& file,
                                                 const StoreOptions& options);
Result<std::unique_ptr<Store>> open_postgres_store(const std::string& url,
                                                   const StoreOptions& options);

}  // namespace rollcall::store
