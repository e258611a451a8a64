// src/app/output.cc
#include "app/output.h"

#include <cstdio>
#include <iostream>

namespace rollcall::app {

int report_error(const Error& error) {
  std::cerr << "error: " << error.code << ": " << error.message << "\n";
  return error.code == "models_not_ready" || error.code == "model_load_failed" ? 2 : 1;
}

void print_json(const nlohmann::json& value) { std::cout << value.dump(2) << "\n"; }

nlohmann::json to_json(const face::Detection& d) {
  nlohmann::json landmarks = nlohmann::json::array();
  for (const auto& p : d.landmarks) landmarks.push_back({p.x, p.y});
  return {{"box", {{"x", d.box.x}, {"y", d.box.y}, {"w", d.box.width}, {"h", d.box.height}}},
          {"landmarks", landmarks},
          {"score", d.score}};
}

nlohmann::json to_json(const face::QualityMeasures& q) {
  return {{"eye_distance_px", q.eye_distance_px},
          {"sharpness", q.sharpness},
          {"brightness", q.brightness},
          {"contrast", q.contrast},
          {"yaw_deg", q.yaw_deg},
          {"roll_deg", q.roll_deg},
          {"detector_score", q.detector_score}};
}

nlohmann::json to_json(const std::vector<face::QualityIssue>& issues) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& issue : issues)
    out.push_back({{"code", issue.code}, {"message", issue.message}});
  return out;
}

std::string fixed(double value, int decimals) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.*f", decimals, value);
  return buffer;
}

}  // namespace rollcall::app
