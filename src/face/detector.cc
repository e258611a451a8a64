// src/face/detector.cc
#include "face/detector.h"

#include <algorithm>

#include <opencv2/imgproc.hpp>

namespace rollcall::face {

Result<Detector> Detector::load(const std::string& model_path) {
  try {
    auto net = cv::FaceDetectorYN::create(model_path, "", cv::Size(320, 320));
    if (net.empty()) {
      return make_error("model_load_failed", "could not load the detector " + model_path);
    }
    return Detector(std::move(net));
  } catch (const cv::Exception& e) {
    return make_error("model_load_failed",
                      "could not load the detector " + model_path + ": " + e.what());
  }
}

Result<std::vector<Detection>> Detector::detect(const cv::Mat& bgr, const DetectOptions& options) {
  if (bgr.empty() || bgr.type() != CV_8UC3) {
    return make_error("detect_failed", "detector needs a BGR 8-bit image");
  }
  auto fine = detect_at(bgr, options.max_input_side, options);
  if (!fine) return fine.error();
  const int fine_side = std::min(std::max(bgr.cols, bgr.rows), options.max_input_side);
  if (options.coarse_input_side <= 0 || fine_side * 2 <= options.coarse_input_side * 3) {
    return drop_nested(std::move(*fine), options.nested_fraction);
  }
  auto coarse = detect_at(bgr, options.coarse_input_side, options);
  if (!coarse) return coarse.error();
  // The coarse pass's large, confident faces first: they are whole where
  // the fine pass saw parts; then every other box not inside one of them.
  std::vector<Detection> merged;
  for (const auto& face : *coarse) {
    if (face.score >= options.coarse_min_score &&
        std::max(face.box.width, face.box.height) >= options.coarse_min_face_px) {
      merged.push_back(face);
    }
  }
  const std::size_t whole = merged.size();
  for (auto& face : *fine) {
    const float area = face.box.area();
    const bool is_part = std::any_of(merged.begin(), merged.begin() + whole, [&](const auto& w) {
      return area > 0 && (face.box & w.box).area() >= options.nested_fraction * area;
    });
    if (!is_part) merged.push_back(std::move(face));
  }
  std::stable_sort(merged.begin(), merged.end(),
                   [](const Detection& a, const Detection& b) { return a.score > b.score; });
  return drop_nested(std::move(merged), options.nested_fraction);
}

Result<std::vector<Detection>> Detector::detect_at(const cv::Mat& bgr, int max_side,
                                                   const DetectOptions& options) {
  const int long_side = std::max(bgr.cols, bgr.rows);
  const double scale = long_side > max_side ? static_cast<double>(max_side) / long_side : 1.0;
  cv::Mat input = bgr;
  if (scale < 1.0) cv::resize(bgr, input, cv::Size(), scale, scale, cv::INTER_AREA);

  // YuNet downsamples by 32; tiny inputs leave it empty outputs and make
  // OpenCV throw. Pad right and bottom, which keeps coordinates.
  constexpr int kMinInputSide = 64;
  if (input.cols < kMinInputSide || input.rows < kMinInputSide) {
    cv::copyMakeBorder(input, input, 0, std::max(0, kMinInputSide - input.rows), 0,
                       std::max(0, kMinInputSide - input.cols), cv::BORDER_CONSTANT, cv::Scalar());
  }
  cv::Mat raw;
  try {
    net_->setInputSize(input.size());
    net_->setScoreThreshold(options.score_threshold);
    net_->setNMSThreshold(options.nms_threshold);
    net_->setTopK(options.top_k);
    net_->detect(input, raw);
  } catch (const cv::Exception& e) {
    return make_error("detect_failed", std::string("face detection failed: ") + e.what());
  }

  // Each row: x, y, w, h, then 5 landmarks (x, y), then score.
  std::vector<Detection> faces;
  faces.reserve(static_cast<std::size_t>(raw.rows));
  const auto back = static_cast<float>(1.0 / scale);
  for (int i = 0; i < raw.rows; ++i) {
    const float* r = raw.ptr<float>(i);
    Detection d;
    d.box = cv::Rect2f(r[0] * back, r[1] * back, r[2] * back, r[3] * back);
    for (int k = 0; k < 5; ++k) {
      d.landmarks[k] = cv::Point2f(r[4 + 2 * k] * back, r[5 + 2 * k] * back);
    }
    d.score = r[14];
    faces.push_back(d);
  }
  std::sort(faces.begin(), faces.end(),
            [](const Detection& a, const Detection& b) { return a.score > b.score; });
  return faces;
}

std::vector<Detection> drop_nested(std::vector<Detection> by_score, float nested_fraction) {
  std::vector<Detection> kept;
  kept.reserve(by_score.size());
  for (auto& face : by_score) {
    const float area = face.box.area();
    const bool is_nested = std::any_of(kept.begin(), kept.end(), [&](const Detection& better) {
      const float inside = (face.box & better.box).area();
      return area > 0 && inside >= nested_fraction * std::min(area, better.box.area());
    });
    if (!is_nested) kept.push_back(std::move(face));
  }
  return kept;
}

}  // namespace rollcall::face
