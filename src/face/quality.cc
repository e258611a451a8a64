// src/face/quality.cc
#include "face/quality.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include <opencv2/imgproc.hpp>

namespace rollcall::face {
namespace {

constexpr float kPi = 3.14159265f;

std::string format(const char* pattern, double a, double b) {
  char buffer[160];
  std::snprintf(buffer, sizeof buffer, pattern, a, b);
  return buffer;
}

// Yaw from where the nose tip sits between the eyes, in the frame where
// the eye line is level. The nose tip stands about half an eye distance in
// front of the eye plane, so its sideways offset over half the eye
// distance is roughly tan(yaw). A coarse estimate, enough to refuse
// profiles; it does not need a 3-D model.
float estimate_yaw_deg(const Landmarks& l, float roll_rad) {
  const cv::Point2f eye_mid = (l[0] + l[1]) * 0.5f;
  const cv::Point2f nose = l[2] - eye_mid;
  const float along = nose.x * std::cos(roll_rad) + nose.y * std::sin(roll_rad);
  const float half_eyes = 0.5f * static_cast<float>(cv::norm(l[1] - l[0]));
  if (half_eyes <= 0) return 90;
  return std::atan(along / half_eyes) * 180 / kPi;
}

}  // namespace

QualityPolicy QualityPolicy::enrollment() {
  return {.min_eye_distance_px = 24,
          .min_sharpness = 20,
          .min_brightness = 40,
          .max_brightness = 220,
          .min_contrast = 18,
          .max_abs_yaw_deg = 35,
          .max_abs_roll_deg = 30,
          .min_detector_score = 0.9f,
          .require_human = true};
}

QualityPolicy QualityPolicy::recognition() {
  return {.min_eye_distance_px = 8,
          .min_sharpness = 0,
          .min_brightness = 25,
          .max_brightness = 235,
          .min_contrast = 10,
          .max_abs_yaw_deg = 50,
          .max_abs_roll_deg = 45,
          .min_detector_score = 0.6f};
}

QualityMeasures measure_quality(const Detection& face, const cv::Mat& aligned) {
  QualityMeasures m;
  const cv::Point2f eyes = face.landmarks[1] - face.landmarks[0];
  m.eye_distance_px = static_cast<float>(cv::norm(eyes));
  const float roll_rad = std::atan2(eyes.y, eyes.x);
  m.roll_deg = roll_rad * 180 / kPi;
  m.yaw_deg = estimate_yaw_deg(face.landmarks, roll_rad);
  m.detector_score = face.score;

  cv::Mat grey;
  cv::cvtColor(aligned, grey, cv::COLOR_BGR2GRAY);
  // The inner face only: the warp's constant border would read as contrast.
  const cv::Mat inner = grey(cv::Rect(16, 16, grey.cols - 32, grey.rows - 32));
  cv::Scalar mean, stddev;
  cv::meanStdDev(inner, mean, stddev);
  m.brightness = static_cast<float>(mean[0]);
  m.contrast = static_cast<float>(stddev[0]);
  cv::Mat laplacian;
  cv::Laplacian(inner, laplacian, CV_32F);
  cv::meanStdDev(laplacian, mean, stddev);
  m.sharpness = static_cast<float>(stddev[0] * stddev[0]);
  return m;
}

std::vector<QualityIssue> check_quality(const QualityMeasures& m, const QualityPolicy& p) {
  std::vector<QualityIssue> issues;
  if (m.detector_score < p.min_detector_score) {
    issues.push_back(
        {"face_uncertain", format("face uncertain: detector confidence %.2f, need %.2f; "
                                  "use a clearer, frontal photo",
                                  m.detector_score, p.min_detector_score)});
  }
  if (m.eye_distance_px < p.min_eye_distance_px) {
    issues.push_back(
        {"face_too_small", format("face too small: %.0f px between the eyes, need %.0f; "
                                  "move closer or use a larger photo",
                                  m.eye_distance_px, p.min_eye_distance_px)});
  }
  if (m.sharpness < p.min_sharpness) {
    issues.push_back({"face_blurred", format("face blurred: sharpness %.0f, need %.0f; hold the "
                                             "camera still and focus on the face",
                                             m.sharpness, p.min_sharpness)});
  }
  if (m.brightness < p.min_brightness) {
    issues.push_back({"face_too_dark", format("face too dark: brightness %.0f of 255, need %.0f; "
                                              "add light in front of the face",
                                              m.brightness, p.min_brightness)});
  }
  if (m.brightness > p.max_brightness) {
    issues.push_back({"face_too_bright", format("face overexposed: brightness %.0f of 255, at most "
                                                "%.0f; avoid direct light or flash",
                                                m.brightness, p.max_brightness)});
  }
  if (m.contrast < p.min_contrast) {
    issues.push_back({"face_low_contrast", format("face washed out: contrast %.0f, need %.0f; use "
                                                  "even, brighter light",
                                                  m.contrast, p.min_contrast)});
  }
  if (std::abs(m.yaw_deg) > p.max_abs_yaw_deg) {
    issues.push_back({"face_turned", format("face turned: about %.0f degrees sideways, at most "
                                            "%.0f; look straight at the camera",
                                            std::abs(m.yaw_deg), p.max_abs_yaw_deg)});
  }
  if (std::abs(m.roll_deg) > p.max_abs_roll_deg) {
    issues.push_back({"face_tilted", format("head tilted: %.0f degrees, at most %.0f; hold the "
                                            "head and the camera upright",
                                            std::abs(m.roll_deg), p.max_abs_roll_deg)});
  }
  return issues;
}

float template_weight(const QualityMeasures& m) {
  // Each factor is 1 for a good face and falls towards 0.1 for a poor one,
  // so no usable photo is ignored entirely.
  const float frontal = std::cos(std::min(std::abs(m.yaw_deg), 80.0f) * kPi / 180);
  const float sharp = std::clamp(m.sharpness / 100.0f, 0.1f, 1.0f);
  const float size = std::clamp(m.eye_distance_px / 60.0f, 0.1f, 1.0f);
  return std::max(0.01f, m.detector_score * frontal * sharp * size);
}

}  // namespace rollcall::face
