// src/base/rate_limiter.h
//
// RateLimiter: at most N events per key per window (a token bucket that
// refills continuously): logins per address, per account and address, per
// account (domain/login_limits.h), messages to a Telegram bot per user. In
// memory: with several instances behind a balancer each keeps its own
// count, so the effective limit is N per instance (docs/OPERATIONS.md).
//
// Races: try_take() checks and takes under one lock, so N simultaneous
// callers get at most the allowance between them. A caller that only
// wants failures to count (logins) takes before doing the work and gives
// the event back when it turns out not to count; taking after the work,
// as this class once allowed, let every simultaneous guess through.
//
// Memory: keys are bounded_key()s (at most 65 bytes, however long the
// text). A full bucket carries no information, so a bucket is forgotten
// the moment it has refilled: an index by "full at" time drops them on
// every call, in order, so memory follows the keys that used events in
// the last window, not every key ever seen. At most `max_keys` buckets are
// kept (about 200 bytes each). When that many keys all carry information
// (none is full yet), a NEW key is refused, not stored: the only way to
// make room would be to forget a key that has used events, and forgetting
// it hands its owner a fresh allowance, so a flood of new keys would reset
// the limit of exactly the key being attacked. Refusing fails closed for
// new keys until the oldest bucket refills (at most one window), and
// filling the map takes max_keys events within one refill time, which for
// logins the password hash's cost rules out.
// Thread safety: all methods lock; safe from any thread.
#pragma once

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>

#include "base/bounded_key.h"

namespace rollcall {

class RateLimiter {
 public:
  static constexpr std::size_t kDefaultMaxKeys = 50'000;

  // `events` <= 0 turns the limit off.
  explicit RateLimiter(int per_minute) : RateLimiter(per_minute, std::chrono::minutes(1)) {}
  RateLimiter(int events, std::chrono::seconds window, std::size_t max_keys = kDefaultMaxKeys)
      : events_(events),
        per_second_(events / std::max(1.0, double(window.count()))),
        max_keys_(std::max<std::size_t>(1, max_keys)) {}

  // Takes one event from the key's allowance: true iff there was one. When
  // refused, `retry_after_s` says when the next one would be allowed.
  bool try_take(std::string_view key, int& retry_after_s);
  bool allow(std::string_view key, int& retry_after_s) { return try_take(key, retry_after_s); }

  // Returns an event taken by try_take() that turned out not to count (a
  // login that succeeded), so a user who logs in often is never limited.
  void give_back(std::string_view key);

  // The buckets held now (keys that used events within the last window).
  std::size_t size();
  int events() const { return events_; }

 private:
  using Clock = std::chrono::steady_clock;
  struct Bucket {
    double tokens = 0;
    Clock::time_point updated;
    Clock::time_point full_at;  // when it will have refilled, given no more takes
  };
  using Buckets = std::unordered_map<std::string, Bucket>;
  // (full_at, key): unordered_map keys stay put when the map rehashes.
  using FullIndex = std::set<std::pair<Clock::time_point, const std::string*>>;

  // Requires: mutex_ held. Forgets every bucket that has refilled by `now`.
  void drop_full(Clock::time_point now);
  // Requires: mutex_ held. Sets the bucket's tokens at `now` and re-files it
  // in the index; forgets it when full.
  void store(Buckets::iterator it, double tokens, Clock::time_point now);
  // Requires: mutex_ held. The bucket's tokens refilled up to `now`.
  double tokens_at(const Bucket& bucket, Clock::time_point now) const;

  const int events_;
  const double per_second_;
  const std::size_t max_keys_;
  std::mutex mutex_;
  Buckets buckets_;       // guarded by mutex_; only buckets that are not full
  FullIndex by_full_at_;  // guarded by mutex_; one entry per bucket
};

inline double RateLimiter::tokens_at(const Bucket& bucket, Clock::time_point now) const {
  const double seconds = std::chrono::duration<double>(now - bucket.updated).count();
  return std::min<double>(events_, bucket.tokens + seconds * per_second_);
}

inline void RateLimiter::drop_full(Clock::time_point now) {
  while (!by_full_at_.empty() && by_full_at_.begin()->first <= now) {
    const std::string* key = by_full_at_.begin()->second;
    by_full_at_.erase(by_full_at_.begin());
    buckets_.erase(*key);
  }
}

inline void RateLimiter::store(Buckets::iterator it, double tokens, Clock::time_point now) {
  Bucket& bucket = it->second;
  by_full_at_.erase({bucket.full_at, &it->first});
  if (tokens >= events_) {
    buckets_.erase(it);
    return;
  }
  bucket.tokens = tokens;
  bucket.updated = now;
  bucket.full_at = now + std::chrono::duration_cast<Clock::duration>(
                             std::chrono::duration<double>((events_ - tokens) / per_second_));
  by_full_at_.insert({bucket.full_at, &it->first});
}

inline bool RateLimiter::try_take(std::string_view text, int& retry_after_s) {
  if (events_ <= 0) return true;
  const std::string key = bounded_key(text);
  const auto now = Clock::now();
  std::lock_guard lock(mutex_);
  drop_full(now);
  auto it = buckets_.find(key);
  if (it == buckets_.end()) {
    if (buckets_.size() >= max_keys_) {
      // Full of keys that all carry information: see the header.
      const auto wait = std::chrono::duration<double>(by_full_at_.begin()->first - now).count();
      retry_after_s = std::max(1, static_cast<int>(std::ceil(wait)));
      return false;
    }
    it = buckets_.emplace(key, Bucket{double(events_), now, now}).first;
    by_full_at_.insert({now, &it->first});
  }
  const double tokens = tokens_at(it->second, now);
  if (tokens < 1.0) {
    retry_after_s = std::max(1, static_cast<int>(std::ceil((1.0 - tokens) / per_second_)));
    return false;
  }
  store(it, tokens - 1.0, now);
  return true;
}

inline void RateLimiter::give_back(std::string_view text) {
  if (events_ <= 0) return;
  const std::string key = bounded_key(text);
  const auto now = Clock::now();
  std::lock_guard lock(mutex_);
  drop_full(now);
  auto it = buckets_.find(key);
  if (it == buckets_.end()) return;  // refilled meanwhile: nothing to give back
  store(it, std::min<double>(events_, tokens_at(it->second, now) + 1.0), now);
}

inline std::size_t RateLimiter::size() {
  std::lock_guard lock(mutex_);
  drop_full(Clock::now());
  return buckets_.size();
}

}  // namespace rollcall
