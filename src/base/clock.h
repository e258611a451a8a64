// src/base/clock.h
//
// Time sources. Stopwatch measures elapsed monotonic time for the timings
// the face pipeline and the benchmarks report.
// Wall time is milliseconds since the Unix epoch in UTC, the one form
// stored in databases and sent in JSON (as ISO 8601 there).
// Thread safety: a Stopwatch belongs to one thread; the functions are pure.
#pragma once

#include <chrono>
#include <cstdint>
#include <ctime>
#include <string>

namespace rollcall {

class Stopwatch {
 public:
  Stopwatch() : start_(std::chrono::steady_clock::now()) {}

  double elapsed_ms() const {
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start_)
        .count();
  }
  void restart() { start_ = std::chrono::steady_clock::now(); }

 private:
  std::chrono::steady_clock::time_point start_;
};

// Milliseconds since the Unix epoch, UTC.
inline std::int64_t unix_ms_now() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// "2026-11-25T09:30:00.123Z".
inline std::string format_iso8601(std::int64_t unix_ms) {
  const std::time_t seconds = static_cast<std::time_t>(unix_ms / 1000);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char text[32];
  const auto length = std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%S", &utc);
  return std::string(text, length) + "." + std::to_string(1000 + unix_ms % 1000).substr(1) + "Z";
}

}  // namespace rollcall
