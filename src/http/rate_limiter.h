// src/http/rate_limiter.h
//
// RateLimiter: at most N events per key per minute (a token bucket that
// refills continuously), for logins per IP and per account. In memory:
// with several instances behind a balancer each keeps its own count, so
// the effective limit is N per instance (docs/OPERATIONS.md).
// Thread safety: all methods lock; safe from any thread.
#pragma once

#include <chrono>
#include <cstddef>
#include <mutex>
#include <string>
#include <unordered_map>

namespace rollcall::http {

class RateLimiter {
 public:
  explicit RateLimiter(int per_minute) : per_minute_(per_minute) {}

  // True iff the event is allowed now (and counts it). When refused,
  // `retry_after_s` says when the next one would be allowed.
  bool allow(const std::string& key, int& retry_after_s);

  // The two halves of allow(), for limits on failures only (logins): ask
  // before trying, count after failing.
  bool is_limited(const std::string& key, int& retry_after_s);
  void count(const std::string& key);

 private:
  // Requires: mutex_ held. The key's bucket, refilled up to now.
  struct Bucket;
  Bucket& refill(const std::string& key);

  struct Bucket {
    double tokens;
    std::chrono::steady_clock::time_point updated;
  };

  const int per_minute_;
  std::mutex mutex_;
  std::unordered_map<std::string, Bucket> buckets_;  // guarded by mutex_
  std::size_t calls_since_sweep_ = 0;                // guarded by mutex_
};

}  // namespace rollcall::http
