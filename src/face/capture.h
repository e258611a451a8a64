// src/face/capture.h
//
// Capture: a self check-in's face evidence (one or more photos, or a short
// video) turned into the frames, the one face they show, its embedding,
// and the two liveness signals.
// Owns: sampling frames from video bytes (OpenCV VideoCapture), picking
// the sharpest frontal frames, the landmark-motion measure and the passive
// anti-spoof score. Leaves to others: who the face should be and what a
// verdict means (domain), where the bytes come from (http, bots).
// How the two liveness signals are measured, what they can and cannot
// stop, and where the thresholds come from: docs/ACCURACY.md "Liveness
// (issue 6)"; `rollcall eval --liveness` measures them again. The pieces:
// video_frames.cc (probing and sampling), video_budget.cc (what a clip
// may cost), capture.cc (analysis), landmark_motion.h
// (the motion measure), anti_spoof.h (the passive model), liveness.cc
// (the verdict).
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

// A clip's decode budget (issue 16): decoding is what a video costs, and
// it grows with pixels x frame rate x length, which a tiny file can claim
// in the millions (a 424 KB black 4K 240 fps clip held a worker 38 s).
// Phones record 720p or 1080p at 30 or 60 frames a second; the check-in
// page records 640x480. So: at most 1080p, 60 frames a second, 15 s; and
// whatever a container claims, the sampler decodes at most
// max_decoded_pixels (about 5 s of 1080p60, the whole of any 720p30 clip
// within the limits), spreading its samples over the part it decodes.
struct VideoLimits {
  std::size_t max_bytes = 30u * 1024 * 1024;  // ~10 s of 1080p phone video
  double max_seconds = 15;                    // "a few seconds"; more is a mistake
  std::uint64_t max_pixels = 1920u * 1088u;   // per frame: 1080p (1088: its coded height)
  double max_fps = 61;        // 60, and phones that report 60.02; 0 or absurd = not said
  int frames_to_sample = 10;  // evenly spread over the clip
  std::uint64_t max_decoded_pixels = 1920ull * 1080 * 300;
  // Frames decoded at most, for containers that do not say their frame
  // rate or count (counted by decoding; 15 s at 60 frames a second).
  long max_decoded_frames = 900;
};

// What a clip's container says about it, read before any frame is
// decoded on purpose (opening may decode the first one). 0 = not said.
struct VideoProbe {
  int width = 0;
  int height = 0;
  double fps = 0;
  long frame_count = 0;
  double seconds = 0;  // frame_count / fps, when both are said
};

// True iff the bytes start like an MP4/MOV (ftyp box, but not a HEIF/AVIF
// still photo's brand) or WebM/Matroska (EBML header).
bool looks_like_video(std::span<const std::uint8_t> bytes);

// Opens the clip (through a private temporary file, as sample_video) and
// reads its size, frame rate and frame count. Errors: video_empty,
// video_too_large, video_unsupported_type, video_corrupt, video_failed, as
// sample_video.
Result<VideoProbe> probe_video(std::span<const std::uint8_t> bytes, const VideoLimits& limits = {});

// The budget, in words a student understands ("this video is 3840x2160 at
// 240 frames a second; record a normal video of a few seconds, at most
// 1080p and 60 frames a second"). Errors: video_too_many_pixels,
// video_frame_rate_too_high, video_too_long ("video is 22.4 s long; at
// most 15.0 s ...").
Result<void> check_video_budget(const VideoProbe& probe, const VideoLimits& limits = {});

// How many frames the sampler decodes at most from this clip: its frame
// count (or max_decoded_frames when not said) within max_decoded_pixels.
long frames_to_decode(const VideoProbe& probe, const VideoLimits& limits = {});

// The clip's expected verification work in typical submissions (1 = the
// few seconds of 640x480 the check-in page records): the queue bound adds
// these up, so a few costly clips count for what they cost.
double video_cost(const VideoProbe& probe, const VideoLimits& limits = {});

// Decodes up to limits.frames_to_sample frames spread evenly over the clip
// (the middle of each of n equal parts of what frames_to_decode allows),
// in time order, after checking the budget from the container.
// OpenCV 4.6's VideoCapture reads only from a file or URL, so the bytes go
// through a private temporary file (mkstemp, mode 0600) that is removed
// before returning, whatever the outcome.
// Errors: video_empty, video_too_large (checked before anything is
// written), video_unsupported_type (not MP4/MOV/WebM), video_corrupt (does
// not open or no frame decodes), those of check_video_budget,
// video_failed (no temporary file could be written: the server's fault).
Result<std::vector<cv::Mat>> sample_video(std::span<const std::uint8_t> bytes,
                                          const VideoLimits& limits = {});

struct CaptureFrameInfo {
  int index = 0;        // in the frames handed in
  bool usable = false;  // exactly one confident face, passing quality
  // Why not usable (an error code: no_face, several_faces, a quality code
  // such as face_too_small, or different_face: a usable face of another
  // person than most frames show), else empty.
  std::string problem;
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
// no face, several faces or failing `policy` are skipped, and so are
// frames showing a different person from the largest group that agree
// (cosine >= 0.333, the lowest same-person score in the models README).
// The best frames are ranked by template_weight (sharpness, frontalness,
// detector score). Errors: several_faces when any frame has several and
// no frame is usable, or when more frames show several faces than show
// the one usable face; no_face when no frame shows a face; otherwise, with
// no usable frame, the quality code of the best frame (the one with the
// highest template_weight) with all its problems in the message;
// detect_failed / embed_failed / liveness_failed from the engine.
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
// score. A video must show motion and, when the model is loaded, pass the
// passive model; photos are judged on the passive model alone (a window
// decides whether it accepts photos) and fail when it is not loaded.
Result<void> check_liveness(const CaptureAnalysis& capture, const LivenessPolicy& policy);

}  // namespace rollcall::face
