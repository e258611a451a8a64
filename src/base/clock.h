// src/base/clock.h
//
// Time sources. Stopwatch measures elapsed monotonic time for the timings
// the face pipeline and the benchmarks report.
// Thread safety: a Stopwatch belongs to one thread.
#pragma once

#include <chrono>

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

}  // namespace rollcall
