// src/http/rate_limiter.cc
#include "http/rate_limiter.h"

#include <algorithm>
#include <cmath>

namespace rollcall::http {

RateLimiter::Bucket& RateLimiter::refill(const std::string& key) {
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

bool RateLimiter::is_limited(const std::string& key, int& retry_after_s) {
  if (per_minute_ <= 0) return false;
  std::lock_guard lock(mutex_);
  const Bucket& bucket = refill(key);
  if (bucket.tokens >= 1.0) return false;
  retry_after_s = static_cast<int>(std::ceil((1.0 - bucket.tokens) / (per_minute_ / 60.0)));
  return true;
}

void RateLimiter::count(const std::string& key) {
  if (per_minute_ <= 0) return;
  std::lock_guard lock(mutex_);
  Bucket& bucket = refill(key);
  bucket.tokens = std::max(0.0, bucket.tokens - 1.0);
}

bool RateLimiter::allow(const std::string& key, int& retry_after_s) {
  if (is_limited(key, retry_after_s)) return false;
  count(key);
  return true;
}

}  // namespace rollcall::http
