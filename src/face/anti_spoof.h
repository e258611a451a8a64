// src/face/anti_spoof.h
//
// AntiSpoof: the passive liveness score of one face, p(live), from
// fr_liveness.onnx through cv::dnn (models README section 3).
// Owns: one loaded network and its crop rule. Leaves to others: what a
// score means (check_liveness in capture.h, docs/ACCURACY.md "Liveness").
// Thread safety: NOT thread-safe (cv::dnn::Net keeps per-call state); use
// one AntiSpoof per thread (the Engine keeps one per context).
#pragma once

#include <string>

#include <opencv2/dnn.hpp>

#include "base/result.h"
#include "face/types.h"

namespace rollcall::face {

// The model's input side (models README: 1x3x128x128).
inline constexpr int kAntiSpoofInputSize = 128;

// The region the model looks at: the face box scaled 2.7x about its centre
// (less when the image is too small for that), shifted to lie inside an
// image of `image_size`. Requires: a non-empty box and image.
cv::Rect anti_spoof_crop(const cv::Rect2f& box, cv::Size image_size);

class AntiSpoof {
 public:
  // Errors: model_load_failed.
  static Result<AntiSpoof> load(const std::string& model_path);

  // p(live) in [0, 1] for `face` in `bgr`. Errors: liveness_failed (OpenCV
  // refused the input or the model answered in an unexpected shape).
  Result<float> p_live(const cv::Mat& bgr, const Detection& face);

 private:
  explicit AntiSpoof(cv::dnn::Net net) : net_(std::move(net)) {}
  cv::dnn::Net net_;
};

}  // namespace rollcall::face
