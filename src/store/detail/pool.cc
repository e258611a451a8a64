// src/store/detail/pool.cc
#include "store/detail/pool.h"

#include <chrono>

namespace rollcall::store {

Result<ConnectionPool::Lease> ConnectionPool::acquire() {
  std::unique_lock lock(mutex_);
  const bool is_available = freed_.wait_for(lock, std::chrono::milliseconds(wait_ms_),
                                            [&] { return !idle_.empty() || open_ < size_; });
  if (!is_available) {
    return make_error("database_busy",
                      "all " + std::to_string(size_) + " database connections stayed busy for " +
                          std::to_string(wait_ms_) + " ms; try again, or raise the pool size");
  }
  if (!idle_.empty()) {
    auto connection = std::move(idle_.back());
    idle_.pop_back();
    return Lease(this, std::move(connection));
  }
  ++open_;
  lock.unlock();
  // Connecting can take a network round trip or more; not under the lock.
  auto opened = factory_();
  if (!opened) {
    lock.lock();
    --open_;
    freed_.notify_one();
    return opened.error();
  }
  return Lease(this, std::move(opened).value());
}

void ConnectionPool::adopt(std::unique_ptr<Connection> connection) {
  std::lock_guard lock(mutex_);
  ++open_;
  idle_.push_back(std::move(connection));
  freed_.notify_one();
}

void ConnectionPool::give_back(std::unique_ptr<Connection> connection) {
  const bool is_usable = connection->is_usable();
  std::lock_guard lock(mutex_);
  if (is_usable) {
    idle_.push_back(std::move(connection));
  } else {
    --open_;
  }
  freed_.notify_one();
}

}  // namespace rollcall::store
