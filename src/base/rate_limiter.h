// src/base/rate_limiter.h
//
// RateLimiter: at most N events per key per minute (a token bucket that
// refills continuously): logins per IP and per account, messages to a
// Telegram bot per user. In memory: with several instances behind a
// balancer each keeps its own count, so the effective limit is N per
// instance (docs/OPERATIONS.md).
// Thread safety: all methods lock; safe from any thread.
#pragma once

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <mutex>
#include <string>
#include <unordered_map>

namespace rollcall {

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

inline RateLimiter::Bucket& RateLimiter::refill(const std::string& key) {
  const auto now = std::chrono::steady_clock::now();
  const double per_second = per_minute_ / 60.0;
  // Full buckets carry no information; dropping them now and then keeps
  // memory bounded however many addresses knock.
  if (++calls_since_sweep_ >= 10'000) {
    calls_since_sweep_ = 0;
    for (auto it = buckets_.begin(); it != buckets_.end();) {
      const double seconds = std::chrono::duration<double>(now - it->second.updated).count();
      it = it->second.tokens + seconds * per_second >= per_minute_ ? buckets_.erase(it)
                                                                   : std::next(it);
    }
  }
  auto [it, inserted] = buckets_.try_emplace(key, Bucket{double(per_minute_), now});
  Bucket& bucket = it->second;
  const double seconds = std::chrono::duration<double>(now - bucket.updated).count();
  bucket.tokens = std::min<double>(per_minute_, bucket.tokens + seconds * per_second);
  bucket.updated = now;
  return bucket;
}

inline bool RateLimiter::is_limited(const std::string& key, int& retry_after_s) {
  if (per_minute_ <= 0) return false;
  std::lock_guard lock(mutex_);
  const Bucket& bucket = refill(key);
  if (bucket.tokens >= 1.0) return false;
  retry_after_s = static_cast<int>(std::ceil((1.0 - bucket.tokens) / (per_minute_ / 60.0)));
  return true;
}

inline void RateLimiter::count(const std::string& key) {
  if (per_minute_ <= 0) return;
  std::lock_guard lock(mutex_);
  Bucket& bucket = refill(key);
  bucket.tokens = std::max(0.0, bucket.tokens - 1.0);
}

inline bool RateLimiter::allow(const std::string& key, int& retry_after_s) {
  if (is_limited(key, retry_after_s)) return false;
  count(key);
  return true;
}

}  // namespace rollcall
