// src/jobs/checkin_workers.cc
#include "jobs/checkin_workers.h"

#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>

#include "base/clock.h"

namespace rollcall::jobs {

int checkin_worker_count(int requested) {
  if (requested > 0) return requested;
  return std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
}

CheckinWorkers::CheckinWorkers(store::Store& store, domain::Checkins& checkins,
                               CheckinWorkerOptions options)
    : store_(store), checkins_(checkins), options_(std::move(options)) {
  options_.workers = checkin_worker_count(options_.workers);
}

CheckinWorkers::~CheckinWorkers() { stop(); }

void CheckinWorkers::log(const nlohmann::json& event, bool is_warning) const {
  if (options_.log) options_.log(event, is_warning);
}

void CheckinWorkers::start() {
  if (!threads_.empty()) return;
  is_stopping_ = false;
  if (store_.backend() == store::Backend::sqlite) {
    // One server owns a SQLite file, so a claim still held at start belongs
    // to a process that died (kill -9, power cut): hand it back now rather
    // than when its lease ends.
    auto released = store_.write_value<std::int64_t>(
        [&](store::Tx& tx) { return tx.release_checkin_claims(unix_ms_now()); });
    if (!released) {
      log({{"event", "checkin_release_failed"}, {"error", released.error().message}}, true);
    } else if (*released > 0) {
      log({{"event", "checkin_claims_released"}, {"count", *released}}, false);
    }
  }
  checkins_.on_queued([this] { wake(); });
  for (int i = 0; i < options_.workers; ++i) threads_.emplace_back([this] { work(); });
  threads_.emplace_back([this] { tick(); });
}

void CheckinWorkers::stop() {
  {
    std::lock_guard lock(mutex_);
    is_stopping_ = true;
  }
  wake_.notify_all();
  for (auto& thread : threads_) {
    if (thread.joinable()) thread.join();
  }
  threads_.clear();
  checkins_.on_queued({});
}

void CheckinWorkers::wake() {
  {
    std::lock_guard lock(mutex_);
    ++signals_;
  }
  wake_.notify_one();
}

void CheckinWorkers::work() {
  // Linux gives each thread its own nice value (setpriority on its tid).
  setpriority(PRIO_PROCESS, static_cast<id_t>(syscall(SYS_gettid)), options_.nice);
  std::uint64_t seen = 0;
  while (!is_stopping_) {
    auto did = checkins_.verify_next();
    if (!did) {
      log({{"event", "checkin_verify_failed"},
           {"error", did.error().message},
           {"code", did.error().code}},
          true);
    } else if (*did) {
      continue;  // more may be waiting
    }
    std::unique_lock lock(mutex_);
    wake_.wait_for(lock, std::chrono::milliseconds(options_.poll_ms),
                   [&] { return is_stopping_.load() || signals_ != seen; });
    seen = signals_;
  }
}

void CheckinWorkers::tick() {
  while (!is_stopping_) {
    auto finalized = checkins_.finalize_due();
    if (!finalized) {
      log({{"event", "checkin_finalize_failed"}, {"error", finalized.error().message}}, true);
    } else if (*finalized > 0) {
      log({{"event", "checkin_windows_finalized"}, {"count", *finalized}}, false);
    }
    std::unique_lock lock(mutex_);
    wake_.wait_for(lock, std::chrono::milliseconds(options_.timer_ms),
                   [&] { return is_stopping_.load(); });
  }
}

}  // namespace rollcall::jobs
