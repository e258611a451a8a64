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
  // After YuNet's own NMS (by IoU), a box that lies mostly inside a
  // better-scored one (intersection / its own area at least this) is the
  // same face found again, partly: dropped. IoU misses these (a small box
  // inside a large one has a low IoU): couple.jpg gave 7 faces for 2.
  float nested_fraction = 0.6f;
  // YuNet finds faces much larger than ~300 px in its input only in parts
  // (couple.jpg at 1920 px: 7 half-face boxes for 2 faces of ~640 px; at
  // 640 px: 2 whole faces scored 1.00). When the input is larger than 1.5x
  // coarse_input_side, a second pass at that size adds its confident faces
  // of at least coarse_min_face_px (in the photo) and drops the fine
  // pass's boxes that lie mostly inside them. 0 = no second pass.
  int coarse_input_side = 640;
  float coarse_min_face_px = 200;
  float coarse_min_score = 0.9f;

  // Class photos: keep detail so faces ~20 px between the eyes survive
  // (at 1920 px they are still >= ~10 px, which YuNet finds).
  static DetectOptions class_photo() { return {}; }
  // Portraits and selfies: one near face. YuNet scores very large faces
  // lower (measured: a 900 px portrait scaled to 640 px with a border
  // scored 0.89, at 800 px 1.00), so 800 px, not smaller.
  static DetectOptions portrait() {
    DetectOptions options;
    options.max_input_side = 800;
    return options;
  }
};

// Keeps, in order, each detection not mostly inside (or mostly covering)
// one kept before it; `by_score` is sorted best first.
std::vector<Detection> drop_nested(std::vector<Detection> by_score, float nested_fraction);

class Detector {
 public:
  // Errors: model_load_failed.
  static Result<Detector> load(const std::string& model_path);

  // Faces sorted by descending score, in `bgr`'s own pixel coordinates.
  // Errors: detect_failed (OpenCV refused the input).
  Result<std::vector<Detection>> detect(const cv::Mat& bgr, const DetectOptions& options);

 private:
  // One YuNet pass with the image scaled so its long side is at most
  // `max_side`; boxes in `bgr`'s coordinates, by descending score.
  Result<std::vector<Detection>> detect_at(const cv::Mat& bgr, int max_side,
                                           const DetectOptions& options);

  explicit Detector(cv::Ptr<cv::FaceDetectorYN> net) : net_(std::move(net)) {}
  cv::Ptr<cv::FaceDetectorYN> net_;
};

}  // namespace rollcall::face
