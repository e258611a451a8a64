// src/face/align.h
//
// Alignment: warps a face onto the recogniser's 112x112 ArcFace template
// using its 5 landmarks.
// Thread safety: pure functions.
#pragma once

#include <opencv2/core.hpp>

#include "face/types.h"

namespace rollcall::face {

inline constexpr int kAlignedSize = 112;  // fr_feature.onnx input side

// The 2x3 similarity transform (rotation, uniform scale, translation) that
// maps `from` onto `to` with the least squared error over all 5 points
// (Umeyama 1991). Written here because cv::estimateAffinePartial2D only
// offers robust (RANSAC/LMedS) fits, and the models README specifies the
// plain least-squares fit the accuracy was measured with.
cv::Matx23d similarity_transform(const Landmarks& from, const Landmarks& to);

// The face warped to kAlignedSize x kAlignedSize, bilinear, constant border.
cv::Mat align_face(const cv::Mat& bgr, const Landmarks& landmarks);

}  // namespace rollcall::face
