// src/eval/evaluation.h
//
// `rollcall eval`: every accuracy figure in docs/ACCURACY.md comes from
// here, measured on a labelled data set laid out like ../shared/data.
// Owns: the protocols (pairs, open set, group photos, detection) and the
// threshold method. Leaves to others: printing (app).
// Thread safety: uses the engine from one thread.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/result.h"
#include "face/face.h"

namespace rollcall::eval {

struct EvalOptions {
  std::filesystem::path data_dir;
  bool with_peers = false;   // also dlib HOG and OpenCV Haar detection
  face::MatchPolicy policy;  // the policy under test (defaults: the shipped one)
};

// The whole report as JSON; app prints it as text or as is. Errors:
// file_unreadable, gallery_unreadable.
Result<nlohmann::json> evaluate(face::Engine& engine, const EvalOptions& options);

// Peers for detection recall: boxes found by dlib's HOG detector (1
// upsample, as in dlib's examples) and OpenCV's frontal Haar cascade.
std::vector<cv::Rect2f> detect_with_dlib_hog(const cv::Mat& bgr);
Result<std::vector<cv::Rect2f>> detect_with_haar(const cv::Mat& bgr);

}  // namespace rollcall::eval
