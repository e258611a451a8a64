// src/face/liveness.cc
//
// The liveness verdict (capture.h: LivenessPolicy, check_liveness). The
// thresholds and how they were measured: docs/ACCURACY.md "Liveness
// (issue 6)"; `rollcall eval --liveness` measures them again.
#include "face/capture.h"

namespace rollcall::face {

LivenessPolicy LivenessPolicy::defaults() {
  return LivenessPolicy{
      // Above every one of 979 synthetic held-up-photo clips (max 0.104,
      // 99.9th percentile 0.090); the real clip's 4 s windows read 0.12-0.23.
      .min_motion = 0.11f,
      // Below all but 1 of 132 genuine faces (identity photos and clip
      // frames; their 1st percentile is 0.045). A weak signal, never
      // measured on real spoofs.
      .min_passive_live = 0.04f,
  };
}

Result<void> check_liveness(const CaptureAnalysis& capture, const LivenessPolicy& policy) {
  if (capture.kind == CaptureKind::video) {
    if (!capture.motion) {
      return make_error("liveness_failed",
                        "the face was clear in only one frame, so no movement could be seen; "
                        "record a few seconds facing the camera");
    }
    if (*capture.motion < policy.min_motion) {
      return make_error("liveness_failed",
                        "no natural movement between frames (the face moved like a flat "
                        "picture); record yourself turning your head a little or speaking");
    }
  }
  if (!capture.passive_live) {
    // Photos have no other signal; a video has passed the motion test.
    if (capture.kind == CaptureKind::photos) {
      return make_error("liveness_failed",
                        "photos cannot be checked for liveness here (the anti-spoof model is "
                        "not loaded); check in with a short video");
    }
    return {};
  }
  if (*capture.passive_live < policy.min_passive_live) {
    return make_error("liveness_failed",
                      "the anti-spoof check judged the face to be a photo or a screen, not a "
                      "live person; use the phone's camera directly, in good light");
  }
  return {};
}

}  // namespace rollcall::face
