// src/eval/liveness_eval.h
//
// `rollcall eval --liveness`: the figures behind LivenessPolicy::defaults()
// (docs/ACCURACY.md "Liveness (issue 6)").
// Owns: the protocol. Spoofs are synthesised from every enrollment photo
// as a held-up photo would look: the photo is a flat plane on a canvas,
// each frame moves it by a small random rotation, scale, shift and
// perspective tilt, and is re-encoded as JPEG; each such sequence's
// landmark motion is measured exactly as a video check-in measures it.
// Genuine motion comes from windows of the real clip. Passive p(live) is
// measured on every identity photo and on the clip's frames.
// Leaves to others: printing (app), choosing thresholds (a person, from
// these figures, written in the doc).
// Thread safety: uses the engine from one thread.
#pragma once

#include <filesystem>

#include <nlohmann/json.hpp>

#include "base/result.h"
#include "face/capture.h"
#include "face/engine.h"

namespace rollcall::eval {

struct LivenessEvalOptions {
  std::filesystem::path data_dir;
  // 11 sequences from each of the 93 photos = 1023 sequences, enough to
  // read a 99.9th percentile.
  int spoofs_per_photo = 11;
  int frames_per_clip = face::VideoLimits{}.frames_to_sample;
  unsigned seed = 6;  // fixed: the figures in the doc are reproducible
};

// Errors: gallery_unreadable, file_unreadable.
Result<nlohmann::json> evaluate_liveness(face::Engine& engine, const LivenessEvalOptions& options);

}  // namespace rollcall::eval
