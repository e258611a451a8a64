// src/jobs/job_runner.cc
#include "jobs/job_runner.h"

namespace rollcall::jobs {

JobRunner::JobRunner(int workers) {
  for (int i = 0; i < std::max(1, workers); ++i) workers_.emplace_back([this] { work(); });
}

JobRunner::~JobRunner() { stop(); }

bool JobRunner::submit(Task task, Task on_dropped) {
  {
    std::lock_guard lock(mutex_);
    if (is_stopping_) return false;
    queue_.emplace_back(std::move(task), std::move(on_dropped));
  }
  wake_.notify_one();
  return true;
}

void JobRunner::stop() {
  std::deque<std::pair<Task, Task>> dropped;
  {
    std::lock_guard lock(mutex_);
    if (is_stopping_ && workers_.empty()) return;
    is_stopping_ = true;
    dropped.swap(queue_);
  }
  wake_.notify_all();
  for (auto& worker : workers_) {
    if (worker.joinable()) worker.join();
  }
  workers_.clear();
  for (auto& [task, on_dropped] : dropped) {
    if (on_dropped) on_dropped();
  }
}

void JobRunner::work() {
  for (;;) {
    std::pair<Task, Task> next;
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [this] { return is_stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;
      next = std::move(queue_.front());
      queue_.pop_front();
    }
    next.first();
  }
}

}  // namespace rollcall::jobs
