// src/store/detail/pool.h
//
// ConnectionPool: up to `size` connections, opened on demand and kept for
// reuse; a caller waits up to `wait_ms` for one to come free.
// Owns: the idle connections. A Lease owns its connection until it ends.
// Invariants: at most `size` connections exist at once; a connection that
// is no longer usable (lost session) is dropped on return, not reused.
// Thread safety: acquire() may be called from any thread; a Lease belongs
// to one thread.
#pragma once

#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

#include "base/result.h"
#include "store/detail/connection.h"

namespace rollcall::store {

class ConnectionPool {
 public:
  using Factory = std::function<Result<std::unique_ptr<Connection>>()>;

  ConnectionPool(Factory factory, int size, int wait_ms)
      : factory_(std::move(factory)), size_(size), wait_ms_(wait_ms) {}
  ConnectionPool(const ConnectionPool&) = delete;
  ConnectionPool& operator=(const ConnectionPool&) = delete;

  class Lease {
   public:
    Lease(ConnectionPool* pool, std::unique_ptr<Connection> connection)
        : pool_(pool), connection_(std::move(connection)) {}
    Lease(Lease&& other) noexcept = default;
    Lease& operator=(Lease&&) = delete;
    ~Lease() {
      if (connection_) pool_->give_back(std::move(connection_));
    }
    Connection& operator*() { return *connection_; }
    Connection* operator->() { return connection_.get(); }

   private:
    ConnectionPool* pool_;
    std::unique_ptr<Connection> connection_;
  };

  // An idle connection, a new one if fewer than `size` exist, or the first
  // to come free within wait_ms. Errors: database_busy (none came free),
  // and the factory's errors.
  Result<Lease> acquire();

  // Adds an already open connection (the one migrations ran on) as idle.
  void adopt(std::unique_ptr<Connection> connection);

 private:
  void give_back(std::unique_ptr<Connection> connection);

  Factory factory_;
  const int size_;
  const int wait_ms_;
  std::mutex mutex_;
  std::condition_variable freed_;
  std::vector<std::unique_ptr<Connection>> idle_;  // guarded by mutex_
  int open_ = 0;                                   // guarded by mutex_; idle + leased
};

}  // namespace rollcall::store
