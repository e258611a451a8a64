// src/bots/stop_signal.h
//
// StopSignal: the one-way "shut down now" flag shared by a bot's Bot API
// calls and its retry waits, so that stopping takes milliseconds, not a
// long poll's 30 s. Owns: the flag, a condition variable for sleeps, and
// the wakers of in-flight transfers (BotApi registers one per request).
// Thread safety: every member may be called from any thread.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>

namespace rollcall::bots {

class StopSignal {
 public:
  // Sets the flag, wakes every sleeper and every registered transfer.
  void stop() {
    std::lock_guard lock(mutex_);
    is_stopped_ = true;
    for (auto& [id, wake] : wakers_) wake();
    changed_.notify_all();
  }

  // Clears the flag (a bot started again after stop()).
  void reset() {
    std::lock_guard lock(mutex_);
    is_stopped_ = false;
  }

  bool stopped() const { return is_stopped_.load(); }

  // Sleeps `ms`; returns false early when stopped (true = slept in full).
  bool sleep_for(std::int64_t ms) {
    std::unique_lock lock(mutex_);
    return !changed_.wait_for(lock, std::chrono::milliseconds(ms),
                              [this] { return is_stopped_.load(); });
  }

  // `wake` runs (under the signal's lock, so it must be quick and must not
  // call back into the signal) when stop() is called while registered.
  std::uint64_t add_waker(std::function<void()> wake) {
    std::lock_guard lock(mutex_);
    const std::uint64_t id = next_id_++;
    wakers_.emplace(id, std::move(wake));
    return id;
  }
  void remove_waker(std::uint64_t id) {
    std::lock_guard lock(mutex_);
    wakers_.erase(id);
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  std::atomic<bool> is_stopped_ = false;
  std::map<std::uint64_t, std::function<void()>> wakers_;
  std::uint64_t next_id_ = 1;
};

}  // namespace rollcall::bots
