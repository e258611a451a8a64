// src/bots/chat_executor.h
//
// ChatExecutor: runs the bots' work on a few threads, in order per chat
// and in parallel across chats: a student's video note being downloaded
// and submitted must not hold up the classmates behind it, and one chat's
// messages must still be handled in the order they came. Work is spread
// by key (the chat id) over one queue per thread.
// Owns: the threads and queues (bounded: beyond `max_pending` new work is
// dropped and counted, as a flood must not grow memory without end).
// Thread safety: post() from any thread; stop() from the owner, once.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace rollcall::bots {

class ChatExecutor {
 public:
  ChatExecutor(int threads, std::size_t max_pending);
  ~ChatExecutor();  // stop()
  ChatExecutor(const ChatExecutor&) = delete;
  ChatExecutor& operator=(const ChatExecutor&) = delete;

  // False when the queue is full (the work is dropped) or stopping.
  bool post(std::int64_t key, std::function<void()> work);
  // Runs what is queued, then ends the threads.
  void stop();
  std::int64_t dropped() const;

 private:
  struct Lane {
    std::deque<std::function<void()>> queue;
    std::thread thread;
  };
  void run(Lane& lane);

  const std::size_t max_pending_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::vector<std::unique_ptr<Lane>> lanes_;
  std::size_t pending_ = 0;   // guarded by mutex_
  std::int64_t dropped_ = 0;  // guarded by mutex_
  bool is_stopping_ = false;  // guarded by mutex_
};

}  // namespace rollcall::bots
