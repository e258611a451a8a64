// src/face/detector.h
//
// Detector: finds faces and their 5 landmarks with YuNet through
// cv::FaceDetectorYN.
// Owns: one loaded network and the choice of input size. Leaves to others:
// deciding which faces are good enough (quality).
// Thread safety: NOT thread-safe (the network keeps per-call state); use one
// Detector per thread (the Engine keeps a pool).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <opencv2/objdetect.hpp>

#include "base/result.h"
#include "face/types.h"

namespace rollcall::face {

struct DetectOptions {
  // The image is scaled down (never up) so its long side is at most this
  // before detection; detection cost grows with pixels (measured: 720x478
  // 19 ms, 2280x1588 550 ms on 2 cores).
  int max_input_side = 1920;
  // 0.6 and 0.3 are the settings the models README measured with.
  float score_threshold = 0.6f;
  float nms_threshold = 0.3f;
  int top_k = 5000;

  // Class photos: keep detail so faces ~20 px between the eyes survive
  // (at 1920 px they are still >= ~10 px, which YuNet finds).
  static DetectOptions class_photo() { return {}; }
  // Portraits and selfies: one near face. YuNet scores very large faces
  // lower (measured: a 900 px portrait scaled to 640 px with a border
  // scored 0.89, at 800 px 1.00), so 800 px, not smaller.
  static DetectOptions portrait() { return {800, 0.6f, 0.3f, 5000}; }
};

class Detector {
 public:
  // Errors: model_load_failed.
  static Result<Detector> load(const std::string& model_path);

  // Faces sorted by descending score, in `bgr`'s own pixel coordinates.
  // Errors: detect_failed (OpenCV refused the input).
  Result<std::vector<Detection>> detect(const cv::Mat& bgr, const DetectOptions& options);

 private:
  explicit Detector(cv::Ptr<cv::FaceDetectorYN> net) : net_(std::move(net)) {}
  cv::Ptr<cv::FaceDetectorYN> net_;
};

}  // namespace rollcall::face
