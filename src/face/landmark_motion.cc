// src/face/landmark_motion.cc
#include "face/landmark_motion.h"

#include <algorithm>
#include <cmath>
#include <functional>

#include <opencv2/core.hpp>

namespace rollcall::face {
namespace {

float eye_distance(const Landmarks& l) { return static_cast<float>(cv::norm(l[1] - l[0])); }

}  // namespace

float non_rigid_residual(const Landmarks& from, const Landmarks& to) {
  // Least squares: [x y 1] * P = [u v], P 3x2. SVD copes with degenerate
  // (collinear) landmarks, which a real face never has.
  cv::Mat a(5, 3, CV_64F);
  cv::Mat b(5, 2, CV_64F);
  for (int i = 0; i < 5; ++i) {
    a.at<double>(i, 0) = from[i].x;
    a.at<double>(i, 1) = from[i].y;
    a.at<double>(i, 2) = 1.0;
    b.at<double>(i, 0) = to[i].x;
    b.at<double>(i, 1) = to[i].y;
  }
  cv::Mat p;
  cv::solve(a, b, p, cv::DECOMP_SVD);
  const cv::Mat residual = a * p - b;
  const double rms = std::sqrt(residual.dot(residual) / 5.0);
  const double scale = (eye_distance(from) + eye_distance(to)) / 2.0;
  return scale > 0 ? static_cast<float>(rms / scale) : 0.0f;
}

std::vector<float> pairwise_residuals(std::span<const Landmarks> frames) {
  std::vector<float> out;
  for (std::size_t i = 0; i < frames.size(); ++i) {
    for (std::size_t j = i + 1; j < frames.size(); ++j) {
      out.push_back(non_rigid_residual(frames[i], frames[j]));
    }
  }
  std::sort(out.begin(), out.end(), std::greater<>());
  return out;
}

std::optional<float> landmark_motion(std::span<const Landmarks> frames) {
  const std::vector<float> residuals = pairwise_residuals(frames);
  if (residuals.empty()) return std::nullopt;
  return residuals.size() == 1 ? residuals[0] : residuals[1];
}

}  // namespace rollcall::face
