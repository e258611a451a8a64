// src/face/video_budget.cc
//
// What a clip may cost to decode, and what it is expected to cost
// (capture.h: check_video_budget, frames_to_decode, video_cost). Pure
// arithmetic on what the container says: nothing here decodes.
#include <algorithm>
#include <cmath>
#include <cstdio>

#include "face/capture.h"

namespace rollcall::face {
namespace {

// A typical check-in clip: what the web page records (640x480) for about
// 4 s at 30 frames a second. One such clip costs 1 (video_cost).
constexpr double kTypicalDecodedPixels = 640.0 * 480 * 30 * 4;
// Half of a typical verification is decoding it, half is the analysis of
// the sampled frames, whose number does not grow with the clip (measured
// on the test clip: decode 131-151 ms of ~300 ms, docs/ACCURACY.md).
constexpr double kAnalysisShare = 0.5;

std::string one_decimal(double v) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.1f", v);
  return buffer;
}

// "3840x2160 at 240 frames a second", or without the rate when unknown.
std::string described(const VideoProbe& probe) {
  std::string out =
      "this video is " + std::to_string(probe.width) + "x" + std::to_string(probe.height);
  if (probe.fps > 0) {
    const double rounded = std::round(probe.fps);
    out += " at " +
           (std::abs(probe.fps - rounded) < 0.05 ? std::to_string(static_cast<long>(rounded))
                                                 : one_decimal(probe.fps)) +
           " frames a second";
  }
  return out;
}

constexpr const char* kAdvice =
    "; record a normal video of a few seconds, at most 1080p and 60 frames a second";

std::uint64_t pixels_of(const VideoProbe& probe) {
  return static_cast<std::uint64_t>(std::max(probe.width, 0)) *
         static_cast<std::uint64_t>(std::max(probe.height, 0));
}

}  // namespace

Result<void> check_video_budget(const VideoProbe& probe, const VideoLimits& limits) {
  if (pixels_of(probe) > limits.max_pixels) {
    return make_error("video_too_many_pixels", described(probe) + kAdvice);
  }
  if (probe.fps > limits.max_fps) {
    return make_error("video_frame_rate_too_high", described(probe) + kAdvice);
  }
  if (probe.seconds > limits.max_seconds) {
    return make_error("video_too_long", "video is " + one_decimal(probe.seconds) +
                                            " s long; at most " + one_decimal(limits.max_seconds) +
                                            " s: record a few seconds of your face");
  }
  // A count no clip within the limits has (the rate unknown): as long.
  const double most_frames = limits.max_seconds * limits.max_fps;
  if (probe.fps <= 0 && static_cast<double>(probe.frame_count) > most_frames) {
    return make_error("video_too_long", "video has " + std::to_string(probe.frame_count) +
                                            " frames, more than " +
                                            one_decimal(limits.max_seconds) +
                                            " s of video has: record a few seconds of your face");
  }
  return {};
}

long frames_to_decode(const VideoProbe& probe, const VideoLimits& limits) {
  long count = probe.frame_count > 0 ? probe.frame_count : limits.max_decoded_frames;
  count = std::min(count, limits.max_decoded_frames);
  const std::uint64_t pixels =
      std::max<std::uint64_t>(1, pixels_of(probe) > 0 ? pixels_of(probe) : limits.max_pixels);
  const auto by_pixels = static_cast<long>(
      std::min<std::uint64_t>(limits.max_decoded_pixels / pixels, 1'000'000'000ull));
  return std::max(1L, std::min(count, by_pixels));
}

double video_cost(const VideoProbe& probe, const VideoLimits& limits) {
  const std::uint64_t pixels = pixels_of(probe) > 0 ? pixels_of(probe) : limits.max_pixels;
  const double decoded =
      static_cast<double>(frames_to_decode(probe, limits)) * static_cast<double>(pixels);
  return kAnalysisShare + (1 - kAnalysisShare) * decoded / kTypicalDecodedPixels;
}

}  // namespace rollcall::face
