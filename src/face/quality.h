// src/face/quality.h
//
// Quality: measures how usable one detected face is, and turns measures
// into rejections with a stable code and a sentence naming the fix.
// Owns: the measures and the two policies (enrollment is strict, class
// photos are lenient). Leaves to others: what a rejection means for
// attendance (domain).
// Thread safety: pure functions.
#pragma once

#include <string>
#include <vector>

#include <opencv2/core.hpp>

#include "face/types.h"

namespace rollcall::face {

struct QualityMeasures {
  float eye_distance_px = 0;  // in the decoded image
  float sharpness = 0;        // variance of the Laplacian on the aligned crop
  float brightness = 0;       // mean grey level of the aligned crop, 0..255
  float contrast = 0;         // standard deviation of that grey level
  float yaw_deg = 0;          // estimated from landmarks; 0 = frontal
  float roll_deg = 0;         // angle of the eye line; 0 = level
  float detector_score = 0;
};

struct QualityIssue {
  std::string code;     // e.g. face_too_small
  std::string message;  // e.g. "face too small: 14 px between the eyes, need 24"
};

// The thresholds. Where each default comes from is in docs/ACCURACY.md
// ("Quality gate").
struct QualityPolicy {
  float min_eye_distance_px;
  float min_sharpness;
  float min_brightness;
  float max_brightness;
  float min_contrast;
  float max_abs_yaw_deg;
  float max_abs_roll_deg;
  float min_detector_score;
  // Ask HumanCheck too (face/human_check.h): a dog's face scores like a
  // person's with YuNet. Portraits only; costs a few ms.
  bool require_human = false;

  // Enrollment photos set a student's template: they must be good.
  static QualityPolicy enrollment();
  // Faces in class photos and check-in captures: recognise what can be
  // recognised, refuse to guess on the rest.
  static QualityPolicy recognition();
};

// Requires: `aligned` is the face's kAlignedSize crop (align_face).
QualityMeasures measure_quality(const Detection& face, const cv::Mat& aligned);

// Every rule the face breaks, in a fixed order; empty means usable.
std::vector<QualityIssue> check_quality(const QualityMeasures& measures,
                                        const QualityPolicy& policy);

// A weight in (0, 1] for combining several photos into one template:
// sharper, more frontal, more confident faces count more.
float template_weight(const QualityMeasures& measures);

}  // namespace rollcall::face
