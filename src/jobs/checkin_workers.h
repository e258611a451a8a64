// src/jobs/checkin_workers.h
//
// CheckinWorkers: the pool of threads that verify queued check-ins
// (domain::Checkins::verify_next) and the timer that finalises windows
// whose grace period has ended (domain::Checkins::finalize_due).
// The queue is the database, so the pool only decides WHEN to look: at
// once when this server queued something (Checkins::on_queued), else every
// poll_ms, which is how work queued by another server on the same
// PostgreSQL database is found. Worker threads run at a lower CPU priority
// (nice +10): a face check can wait a few milliseconds, an acknowledgement
// to a student standing in a lecture hall should not.
// Crash safety: claims are leases (store::Tx::claim_checkin_submission);
// on start, SQLite's claims (one server by design) are released at once,
// PostgreSQL's end with their lease. Windows that closed while the server
// was down are finalised on the first timer tick.
// Thread safety: start() and stop() from the owning thread.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "domain/checkin.h"
#include "store/store.h"

namespace rollcall::jobs {

struct CheckinWorkerOptions {
  int workers = 0;               // 0 = hardware cores
  std::int64_t poll_ms = 250;    // look for other servers' work this often
  std::int64_t timer_ms = 1000;  // look for windows to finalise this often
  int nice = 10;                 // added to the worker threads' nice value
  // Where structured events go (serve: the log); may be empty.
  std::function<void(const nlohmann::json& event, bool is_warning)> log;
};

class CheckinWorkers {
 public:
  CheckinWorkers(store::Store& store, domain::Checkins& checkins, CheckinWorkerOptions options);
  ~CheckinWorkers();  // stop()
  CheckinWorkers(const CheckinWorkers&) = delete;
  CheckinWorkers& operator=(const CheckinWorkers&) = delete;

  // Releases stale claims (SQLite), starts the workers and the timer.
  void start();
  // Lets each worker finish the submission in hand, then joins. Idempotent.
  void stop();
  // Wakes one idle worker.
  void wake();

  int size() const { return options_.workers; }

 private:
  void work();
  void tick();
  void log(const nlohmann::json& event, bool is_warning) const;

  store::Store& store_;
  domain::Checkins& checkins_;
  CheckinWorkerOptions options_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::uint64_t signals_ = 0;  // guarded by mutex_; bumped by wake()
  std::atomic<bool> is_stopping_{false};
  std::vector<std::thread> threads_;
};

// The number of workers `requested` means: itself, or the cores if 0.
int checkin_worker_count(int requested);

}  // namespace rollcall::jobs
