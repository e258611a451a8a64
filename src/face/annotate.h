// src/face/annotate.h
//
// Drawing results onto a copy of the photo: a box per face, coloured by
// status, with a label; and JPEG encoding of the result, in memory.
// Thread safety: pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <opencv2/core.hpp>

#include "face/assignment.h"
#include "face/types.h"

namespace rollcall::face {

struct FaceLabel {
  cv::Rect2f box;
  std::string text;  // e.g. a name, "unknown", or a quality reason
  MatchStatus status = MatchStatus::unknown;
};

// Colours: matched green, borderline amber, unknown red, low quality grey.
cv::Mat annotate(const cv::Mat& bgr, const std::vector<FaceLabel>& labels);

// Errors: encode_failed.
Result<std::vector<std::uint8_t>> encode_jpeg(const cv::Mat& bgr, int quality = 90);

}  // namespace rollcall::face
