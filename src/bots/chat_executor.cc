// src/bots/chat_executor.cc
#include "bots/chat_executor.h"

#include <algorithm>

namespace rollcall::bots {

ChatExecutor::ChatExecutor(int threads, std::size_t max_pending) : max_pending_(max_pending) {
  const int count = std::max(1, threads);
  for (int i = 0; i < count; ++i) lanes_.push_back(std::make_unique<Lane>());
  for (auto& lane : lanes_) {
    Lane* self = lane.get();
    lane->thread = std::thread([this, self] { run(*self); });
  }
}

ChatExecutor::~ChatExecutor() { stop(); }

bool ChatExecutor::post(std::int64_t key, std::function<void()> work) {
  {
    std::lock_guard lock(mutex_);
    if (is_stopping_) return false;
    if (pending_ >= max_pending_) {
      ++dropped_;
      return false;
    }
    const auto n = static_cast<std::uint64_t>(key) % lanes_.size();
    lanes_[n]->queue.push_back(std::move(work));
    ++pending_;
  }
  wake_.notify_all();
  return true;
}

void ChatExecutor::run(Lane& lane) {
  std::unique_lock lock(mutex_);
  for (;;) {
    wake_.wait(lock, [&] { return is_stopping_ || !lane.queue.empty(); });
    if (lane.queue.empty()) return;  // stopping, and this lane is drained
    auto work = std::move(lane.queue.front());
    lane.queue.pop_front();
    lock.unlock();
    work();  // the bots never throw (ChatBot::handle guards)
    lock.lock();
    --pending_;
  }
}

void ChatExecutor::stop() {
  {
    std::lock_guard lock(mutex_);
    if (is_stopping_) return;
    is_stopping_ = true;
  }
  wake_.notify_all();
  for (auto& lane : lanes_) {
    if (lane->thread.joinable()) lane->thread.join();
  }
}

std::int64_t ChatExecutor::dropped() const {
  std::lock_guard lock(mutex_);
  return dropped_;
}

}  // namespace rollcall::bots
