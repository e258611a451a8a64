// bench/stages.h
//
// The benchmark's measurements, one function per stage; each returns its
// figures as JSON. Timing is wall-clock (steady_clock), median and p90 over
// repeats, after one warm-up run.
#pragma once

#include <filesystem>
#include <functional>
#include <string>

#include <nlohmann/json.hpp>

#include "face/face.h"

namespace rollcall::bench {

namespace fs = std::filesystem;

struct BenchContext {
  fs::path data;
  fs::path models;
  int repeat = 10;
  bool is_quick = false;
  std::function<void(const std::string&)> progress;
};

// {median_ms, p90_ms, runs} of `body` run ctx.repeat times after a warm-up.
nlohmann::json time_it(const BenchContext& ctx, const std::function<void()>& body);

nlohmann::json bench_decode(const BenchContext& ctx);
nlohmann::json bench_detect(const BenchContext& ctx);
nlohmann::json bench_embed(const BenchContext& ctx);
nlohmann::json bench_match(const BenchContext& ctx);
nlohmann::json bench_class_photo(const BenchContext& ctx);
nlohmann::json bench_selfie(const BenchContext& ctx);
nlohmann::json bench_gallery(const BenchContext& ctx);
nlohmann::json bench_python(const BenchContext& ctx);

}  // namespace rollcall::bench
