// src/face/human_check.h
//
// HumanCheck: a second opinion on whether a detection is a human face.
// YuNet scores dog faces up to 0.98 with human-looking landmarks, and
// neither landmark geometry nor the embedding tells them apart
// (docs/ACCURACY.md "Human faces"); detectors trained on human faces only
// do. The face, levelled by its eyes, is cropped and shown to three:
// OpenCV's Haar frontal cascades (default, alt2) and its improved LBP
// frontal cascade (Debian package opencv-data), plus dlib's HOG frontal
// detector. It is human when at least kVotesForHuman (3) of the 4 find a face
// centred where YuNet's is. Measured, with the rule chosen, in
// docs/ACCURACY.md; run only on portraits (enrollment), a few ms each.
// Thread safety: not thread-safe (the cascades are not); one per engine
// context.
#pragma once

#include <memory>
#include <string>

#include <opencv2/core.hpp>

#include "base/result.h"
#include "face/types.h"

namespace rollcall::face {

// Which detectors found the face.
struct HumanVotes {
  bool haar_default = false;
  bool haar_alt2 = false;
  bool lbp = false;
  bool hog = false;

  int count() const { return haar_default + haar_alt2 + lbp + hog; }
};

class HumanCheck {
 public:
  static constexpr int kVotesForHuman = 3;
  // Where Debian's opencv-data puts the cascades.
  static constexpr const char* kDefaultCascadeDir = "/usr/share/opencv4";

  // Errors: model_load_failed (a cascade file is missing or unreadable).
  static Result<HumanCheck> load(const std::string& cascade_dir = kDefaultCascadeDir);
  HumanCheck(HumanCheck&&) noexcept;
  HumanCheck& operator=(HumanCheck&&) noexcept;
  ~HumanCheck();

  HumanVotes votes(const cv::Mat& bgr, const Detection& face);
  bool is_human(const cv::Mat& bgr, const Detection& face) {
    return votes(bgr, face).count() >= kVotesForHuman;
  }

 private:
  struct Detectors;
  explicit HumanCheck(std::unique_ptr<Detectors> detectors);
  std::unique_ptr<Detectors> detectors_;
};

}  // namespace rollcall::face
