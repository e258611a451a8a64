// src/face/align.cc
#include "face/align.h"

#include <opencv2/imgproc.hpp>

namespace rollcall::face {
namespace {

// ArcFace 112x112 template, from the models README, in the detector's
// landmark order.
const Landmarks kTemplate = {cv::Point2f(38.2946f, 51.6963f), cv::Point2f(73.5318f, 51.5014f),
                             cv::Point2f(56.0252f, 71.7366f), cv::Point2f(41.5493f, 92.3655f),
                             cv::Point2f(70.7299f, 92.2041f)};

}  // namespace

cv::Matx23d similarity_transform(const Landmarks& from, const Landmarks& to) {
  constexpr double n = 5;
  cv::Point2d mean_from, mean_to;
  for (int i = 0; i < 5; ++i) {
    mean_from += cv::Point2d(from[i]);
    mean_to += cv::Point2d(to[i]);
  }
  mean_from /= n;
  mean_to /= n;

  // In 2-D the least-squares similarity has a closed form: with centred
  // points p (from) and q (to), a = sum(p.q) / sum|p|^2 and
  // b = sum(p x q) / sum|p|^2 give the rotation-and-scale [a -b; b a].
  double dot = 0, cross = 0, norm = 0;
  for (int i = 0; i < 5; ++i) {
    const cv::Point2d p = cv::Point2d(from[i]) - mean_from;
    const cv::Point2d q = cv::Point2d(to[i]) - mean_to;
    dot += p.x * q.x + p.y * q.y;
    cross += p.x * q.y - p.y * q.x;
    norm += p.x * p.x + p.y * p.y;
  }
  if (norm <= 0) return cv::Matx23d(1, 0, 0, 0, 1, 0);
  const double a = dot / norm, b = cross / norm;
  const double tx = mean_to.x - (a * mean_from.x - b * mean_from.y);
  const double ty = mean_to.y - (b * mean_from.x + a * mean_from.y);
  return cv::Matx23d(a, -b, tx, b, a, ty);
}

cv::Mat align_face(const cv::Mat& bgr, const Landmarks& landmarks) {
  cv::Mat aligned;
  cv::warpAffine(bgr, aligned, cv::Mat(similarity_transform(landmarks, kTemplate)),
                 cv::Size(kAlignedSize, kAlignedSize), cv::INTER_LINEAR, cv::BORDER_CONSTANT,
                 cv::Scalar());
  return aligned;
}

}  // namespace rollcall::face
