// src/face/annotate.cc
#include "face/annotate.h"

#include <algorithm>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

namespace rollcall::face {
namespace {

cv::Scalar colour(MatchStatus status) {
  switch (status) {
    case MatchStatus::matched:
      return {60, 180, 60};
    case MatchStatus::borderline:
      return {0, 170, 255};
    case MatchStatus::unknown:
      return {60, 60, 230};
    case MatchStatus::low_quality:
      return {160, 160, 160};
  }
  return {255, 255, 255};
}

}  // namespace

cv::Mat annotate(const cv::Mat& bgr, const std::vector<FaceLabel>& labels) {
  cv::Mat out = bgr.clone();
  // Line and text sizes follow the photo so labels stay readable on 4k.
  const double unit = std::max(1.0, std::max(out.cols, out.rows) / 1000.0);
  const int thickness = static_cast<int>(std::lround(2 * unit));
  const double font_scale = 0.5 * unit;
  for (const auto& label : labels) {
    const cv::Scalar c = colour(label.status);
    const cv::Rect box(label.box);
    cv::rectangle(out, box, c, thickness);
    if (label.text.empty()) continue;
    int baseline = 0;
    const cv::Size text = cv::getTextSize(label.text, cv::FONT_HERSHEY_SIMPLEX, font_scale,
                                          std::max(1, thickness / 2), &baseline);
    const int top = std::max(0, box.y - text.height - baseline - thickness);
    cv::rectangle(
        out, cv::Rect(box.x, top, text.width + 2 * thickness, text.height + baseline + thickness),
        c, cv::FILLED);
    cv::putText(out, label.text, cv::Point(box.x + thickness, top + text.height + thickness / 2),
                cv::FONT_HERSHEY_SIMPLEX, font_scale, cv::Scalar(255, 255, 255),
                std::max(1, thickness / 2), cv::LINE_AA);
  }
  return out;
}

Result<std::vector<std::uint8_t>> encode_jpeg(const cv::Mat& bgr, int quality) {
  std::vector<std::uint8_t> bytes;
  try {
    if (cv::imencode(".jpg", bgr, bytes, {cv::IMWRITE_JPEG_QUALITY, quality})) return bytes;
  } catch (const cv::Exception& e) {
    return make_error("encode_failed", std::string("JPEG encoding failed: ") + e.what());
  }
  return make_error("encode_failed", "JPEG encoding failed");
}

}  // namespace rollcall::face
