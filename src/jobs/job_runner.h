// src/jobs/job_runner.h
//
// JobRunner: a fixed pool of worker threads running queued tasks in
// order. stop() lets the running tasks finish and drops none silently:
// tasks still queued are reported so their jobs can be marked failed.
// Thread safety: submit() and stop() may be called from any thread.
#pragma once

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace rollcall::jobs {

class JobRunner {
 public:
  using Task = std::function<void()>;

  explicit JobRunner(int workers);
  ~JobRunner();  // stop()
  JobRunner(const JobRunner&) = delete;
  JobRunner& operator=(const JobRunner&) = delete;

  // False iff the runner is stopping (the task is not queued).
  bool submit(Task task, Task on_dropped);

  // Finishes running tasks, calls on_dropped of queued ones, joins.
  void stop();

 private:
  void work();

  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::pair<Task, Task>> queue_;  // guarded by mutex_
  bool is_stopping_ = false;                 // guarded by mutex_
  std::vector<std::thread> workers_;
};

}  // namespace rollcall::jobs
