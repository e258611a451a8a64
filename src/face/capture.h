// src/face/capture.h
//
// Capture: a self check-in's face evidence (one or more photos, or a short
// video) turned into the frames, the one face they show, its embedding,
// and the two liveness signals.
// Owns: sampling frames from video bytes (OpenCV VideoCapture), picking
// the sharpest frontal frames, the landmark-motion measure and the passive
// anti-spoof score. Leaves to others: who the face should be and what a
// verdict means (domain), where the bytes come from (http, bots).
// Thread safety: free functions; Engine methods as in engine.h.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <opencv2/core.hpp>

#include "base/result.h"
#include "face/engine.h"

namespace rollcall::face {

enum class CaptureKind { photos, video };

struct VideoLimits {
  std::size_t max_bytes = 30u * 1024 * 1024;  // ~10 s of 1080p phone video
  double max_seconds = 15;                    // "a few seconds"; more is a mistake
  std::uint64_t max_pixels = 3840u * 2160u;   // per frame
  int frames_to_sample = 10;                  // evenly spread over the clip
};

// True iff the bytes start like an MP4/MOV (ftyp box) or WebM/Matroska
// (EBML header).
bool looks_like_video(std::span<const std::uint8_t> bytes);

// Decodes up to limits.frames_to_sample frames spread evenly over the clip.
// OpenCV 4.6's VideoCapture reads only from a file or URL, so the bytes go
// through a private temporary file that is removed before returning.
// Errors: video_empty, video_too_large, video_unsupported_type (not
// MP4/MOV/WebM), video_corrupt (no frame decodes), video_too_long,
// video_too_many_pixels.
Result<std::vector<cv::Mat>> sample_video(std::span<const std::uint8_t> bytes,
                                          const VideoLimits& limits = {});

struct CaptureFrameInfo {
  int index = 0;             // in the frames handed in
  bool usable = false;       // exactly one confident face, passing quality
  std::string problem;       // why not usable (an error code), else empty
  std::optional<Detection> face;
  float sharpness = 0;
  float yaw_deg = 0;
};

struct CaptureAnalysis {
  CaptureKind kind = CaptureKind::photos;
  std::vector<CaptureFrameInfo> frames;  // one per frame handed in
  // The mean of the embeddings of the best usable frames (up to 3, the
  // sharpest and most frontal), unit length.
  Embedding embedding;
  QualityMeasures best_quality;  // of the best frame
  int frames_used = 0;
  // Non-rigid landmark motion between usable frames, in eye distances
  // (see liveness in docs/ACCURACY.md); empty with fewer than 2 usable frames.
  std::optional<float> motion;
  // Mean p(live) of the passive anti-spoof model over the frames used;
  // empty when the model is not loaded.
  std::optional<float> passive_live;
  double analyze_ms = 0;
};

// The frames' one face: every frame is analysed as a portrait; frames with
// no face, several faces or failing `policy` are skipped. Errors (when no
// frame is usable): no_face, several_faces, or the best frame's quality
// code with its message.
Result<CaptureAnalysis> analyze_capture(Engine& engine, const std::vector<cv::Mat>& frames,
                                        CaptureKind kind, const QualityPolicy& policy);

struct LivenessPolicy {
  // Documented in docs/ACCURACY.md ("Liveness"), with how each was chosen.
  float min_motion;        // video: non-rigid landmark motion, eye distances
  float min_passive_live;  // p(live) from the passive model
  static LivenessPolicy defaults();
};

// Errors: liveness_failed with a message naming the signal that failed
// (no movement between frames; the anti-spoof model's verdict), never a
// score. A video must show motion; photos are judged on the passive
// model alone (a window decides whether it accepts photos).
Result<void> check_liveness(const CaptureAnalysis& capture, const LivenessPolicy& policy);

}  // namespace rollcall::face
