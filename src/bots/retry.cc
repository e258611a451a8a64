// src/bots/retry.cc
#include "bots/retry.h"

#include <algorithm>
#include <random>
#include <string>

namespace rollcall::bots {
namespace {

// The number after `key` in `text` ("(retry_after=3)"), if any.
std::optional<std::int64_t> number_after(const std::string& text, const std::string& key) {
  const auto at = text.rfind(key);
  if (at == std::string::npos) return std::nullopt;
  std::int64_t value = 0;
  std::size_t i = at + key.size();
  if (i >= text.size() || text[i] < '0' || text[i] > '9') return std::nullopt;
  for (; i < text.size() && text[i] >= '0' && text[i] <= '9' && value < 1'000'000'000; ++i) {
    value = value * 10 + (text[i] - '0');
  }
  return value;
}

double jitter(double low, double high) {
  static thread_local std::mt19937_64 random{std::random_device{}()};
  return std::uniform_real_distribution<double>(low, high)(random);
}

}  // namespace

std::optional<std::int64_t> retry_after_seconds(const Error& error) {
  if (error.code != "telegram_rate_limited") return std::nullopt;
  return number_after(error.message, "(retry_after=");
}

std::optional<std::int64_t> refused_error_code(const Error& error) {
  if (error.code != "telegram_refused") return std::nullopt;
  return number_after(error.message, "(error_code=");
}

std::optional<std::int64_t> retry_delay_ms(const Error& error, int attempt,
                                           const RetryPolicy& policy) {
  if (error.code == "telegram_rate_limited") {
    const std::int64_t seconds = retry_after_seconds(error).value_or(1);
    if (seconds > policy.max_retry_after_s) return std::nullopt;
    // Exactly what Telegram asked, plus a little so that several chats
    // limited together do not all come back in the same millisecond.
    return seconds * 1000 + static_cast<std::int64_t>(jitter(0, 100));
  }
  if (error.code != "telegram_unavailable") return std::nullopt;
  std::int64_t wait = std::max<std::int64_t>(1, policy.base_backoff_ms);
  for (int i = 1; i < attempt && wait < policy.max_backoff_ms; ++i) wait *= 2;
  wait = std::min(wait, std::max<std::int64_t>(1, policy.max_backoff_ms));
  return std::max<std::int64_t>(
      1, static_cast<std::int64_t>(static_cast<double>(wait) * jitter(0.5, 1.0)));
}

}  // namespace rollcall::bots
