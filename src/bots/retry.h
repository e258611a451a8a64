// src/bots/retry.h
//
// Retrying Bot API calls: telegram_rate_limited waits the retry_after
// Telegram asked for; telegram_unavailable (5xx, network, timeouts) backs
// off exponentially with jitter; telegram_refused and
// telegram_file_too_large are final. Bounded in attempts and in total time,
// and a StopSignal ends any wait at once (shutdown stays quick).
// Note: a call that timed out after Telegram received it may be repeated,
// so a sendMessage can, rarely, arrive twice; Telegram offers no
// idempotency key, and a missing answer is worse than a duplicate.
// Owns: the policy and the waiting. Thread safety: stateless functions.
#pragma once

#include <cstdint>
#include <optional>

#include "base/result.h"
#include "bots/stop_signal.h"

namespace rollcall::bots {

struct RetryPolicy {
  int max_attempts = 5;                  // calls in all, the first included
  std::int64_t base_backoff_ms = 500;    // first wait after a 5xx / network error
  std::int64_t max_backoff_ms = 30'000;  // no backoff wait longer than this
  std::int64_t max_total_ms = 120'000;   // give up rather than wait past this
  std::int64_t max_retry_after_s = 60;   // a longer 429 wait is returned to the caller
};

// The seconds a telegram_rate_limited error asks to wait ("(retry_after=N)").
std::optional<std::int64_t> retry_after_seconds(const Error& error);
// The Bot API's error_code of a telegram_refused error (e.g. 403 blocked).
std::optional<std::int64_t> refused_error_code(const Error& error);

// The wait before attempt `attempt` + 1 after `error` (attempt counts from
// 1), or nullopt when `error` is final or the policy forbids the wait.
std::optional<std::int64_t> retry_delay_ms(const Error& error, int attempt,
                                           const RetryPolicy& policy);

// Calls `call` until it succeeds, fails finally, or the policy's bounds or
// `stop` end it; returns the last result.
template <typename Call>
auto with_retries(const RetryPolicy& policy, StopSignal& stop, Call&& call) -> decltype(call()) {
  std::int64_t waited_ms = 0;
  for (int attempt = 1;; ++attempt) {
    auto result = call();
    if (result.ok() || attempt >= policy.max_attempts || stop.stopped()) return result;
    const auto delay = retry_delay_ms(result.error(), attempt, policy);
    if (!delay || waited_ms + *delay > policy.max_total_ms) return result;
    if (!stop.sleep_for(*delay)) return result;
    waited_ms += *delay;
  }
}

}  // namespace rollcall::bots
