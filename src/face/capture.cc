// src/face/capture.cc
//
// analyze_capture (capture.h): the frames' one face, the best frames'
// mean embedding and the two liveness signals.
#include <algorithm>
#include <limits>
#include <numeric>

#include "base/clock.h"
#include "face/capture.h"
#include "face/landmark_motion.h"

namespace rollcall::face {
namespace {

// Models README and docs/ACCURACY.md ("Templates"): a few good views
// average out pose and expression; more add little and cost embedding time.
constexpr std::size_t kMaxFramesUsed = 3;

// Every threshold open: used only to measure a frame that failed the real
// policy, so that the error names the best frame's problems.
QualityPolicy measure_only() { return QualityPolicy{0, 0, 0, 255, 0, 180, 180, 0}; }

// Two frames of one capture below this cosine show different people: the
// lowest same-person score over every pair of enrollment photos (models
// README, photos taken years apart) is 0.333; frames seconds apart score
// higher. A capture that cuts between two people must not pass as one.
constexpr float kSameFace = 0.333f;

struct Usable {
  std::size_t frame;
  AnalyzedFace face;
  float weight;  // template_weight: sharper and more frontal is better
};

// No frame was usable: the most telling error of the lot.
Error no_usable_frame(Engine& engine, const std::vector<cv::Mat>& frames,
                      std::vector<CaptureFrameInfo>& infos, const QualityPolicy& policy) {
  const auto had = [&](const char* code) {
    return std::any_of(infos.begin(), infos.end(),
                       [&](const CaptureFrameInfo& f) { return f.problem == code; });
  };
  if (had("several_faces")) {
    return make_error("several_faces",
                      "several faces in the frames; only the person checking in may be seen");
  }
  // Frames with one face that failed the policy: measure them again with no
  // thresholds and report the best one's problems.
  std::optional<Error> best_error;
  float best_weight = -1;
  for (auto& info : infos) {
    if (info.problem.empty() || info.problem == "no_face") continue;
    auto face =
        engine.analyze_portrait(frames[static_cast<std::size_t>(info.index)], measure_only());
    if (!face) continue;
    info.face = face->detection;
    info.sharpness = face->quality.sharpness;
    info.yaw_deg = face->quality.yaw_deg;
    const auto issues = check_quality(face->quality, policy);
    const float weight = template_weight(face->quality);
    if (!issues.empty() && weight > best_weight) {
      best_weight = weight;
      std::string message;
      for (const auto& issue : issues) message += (message.empty() ? "" : "; ") + issue.message;
      best_error = make_error(issues.front().code, message);
    }
  }
  if (best_error) return *best_error;
  return make_error("no_face", frames.size() > 1
                                   ? "no clear face in any frame; face the camera in good light"
                                   : "no clear face found; face the camera in good light");
}

// Keeps the largest group of frames that show one person and drops the
// rest as different_face. Frames join a group through any member (single
// linkage), not one reference: a head turning 40 degrees scores below
// kSameFace against its frontal frames (measured on the test clip: 0.29)
// but well above it against the frames in between, while a cut to another
// person scores below zero against every frame (measured: -0.14).
void keep_one_person(std::vector<Usable>& usable, std::vector<CaptureFrameInfo>& infos) {
  std::vector<std::size_t> group(usable.size());
  for (std::size_t a = 0; a < usable.size(); ++a) group[a] = a;
  const auto root = [&](std::size_t a) {
    while (group[a] != a) a = group[a] = group[group[a]];
    return a;
  };
  for (std::size_t a = 0; a < usable.size(); ++a) {
    for (std::size_t b = a + 1; b < usable.size(); ++b) {
      if (cosine(usable[a].face.embedding.values, usable[b].face.embedding.values) >= kSameFace) {
        group[root(a)] = root(b);
      }
    }
  }
  std::vector<std::size_t> size(usable.size(), 0);
  for (std::size_t a = 0; a < usable.size(); ++a) ++size[root(a)];
  // The largest group; on a tie, the one holding the earliest frame.
  const std::size_t keep = root(static_cast<std::size_t>(
      std::max_element(usable.begin(), usable.end(),
                       [&](const Usable& x, const Usable& y) {
                         return size[root(static_cast<std::size_t>(&x - usable.data()))] <
                                size[root(static_cast<std::size_t>(&y - usable.data()))];
                       }) -
      usable.begin()));
  std::vector<bool> same(usable.size());
  for (std::size_t a = 0; a < usable.size(); ++a) same[a] = root(a) == keep;
  std::vector<Usable> kept;
  for (std::size_t a = 0; a < usable.size(); ++a) {
    if (same[a]) {
      kept.push_back(std::move(usable[a]));
    } else {
      auto& info = infos[usable[a].frame];
      info.usable = false;
      info.problem = "different_face";
    }
  }
  usable = std::move(kept);
}

}  // namespace

Result<CaptureAnalysis> analyze_capture(Engine& engine, const std::vector<cv::Mat>& frames,
                                        CaptureKind kind, const QualityPolicy& policy) {
  Stopwatch watch;
  CaptureAnalysis out;
  out.kind = kind;
  std::vector<Usable> usable;
  for (std::size_t i = 0; i < frames.size(); ++i) {
    CaptureFrameInfo info;
    info.index = static_cast<int>(i);
    auto face = engine.analyze_portrait(frames[i], policy);
    if (face) {
      info.usable = true;
      info.face = face->detection;
      info.sharpness = face->quality.sharpness;
      info.yaw_deg = face->quality.yaw_deg;
      const float weight = template_weight(face->quality);
      usable.push_back(Usable{i, std::move(face).value(), weight});
    } else if (face.error().code == "detect_failed" || face.error().code == "embed_failed") {
      return face.error();  // the engine, not the frame, is at fault
    } else {
      info.problem = face.error().code;
    }
    out.frames.push_back(std::move(info));
  }
  if (usable.empty()) return no_usable_frame(engine, frames, out.frames, policy);
  keep_one_person(usable, out.frames);
  // Several people in most frames is not one person's capture, even if
  // some frames show one face.
  const auto crowded = std::count_if(out.frames.begin(), out.frames.end(),
                                     [](const auto& f) { return f.problem == "several_faces"; });
  if (crowded > static_cast<std::ptrdiff_t>(usable.size())) {
    return make_error("several_faces", std::to_string(crowded) + " of " +
                                           std::to_string(frames.size()) +
                                           " frames show several faces; only the person "
                                           "checking in may be seen");
  }

  // Motion over every usable frame, in time order (the order handed in).
  std::vector<Landmarks> landmarks;
  for (const auto& u : usable) landmarks.push_back(u.face.detection.landmarks);
  out.motion = landmark_motion(landmarks);

  std::stable_sort(usable.begin(), usable.end(),
                   [](const Usable& a, const Usable& b) { return a.weight > b.weight; });
  const std::size_t used = std::min(kMaxFramesUsed, usable.size());
  out.frames_used = static_cast<int>(used);
  out.best_quality = usable.front().face.quality;
  out.embedding.model_id = usable.front().face.embedding.model_id;
  out.embedding.values.assign(usable.front().face.embedding.values.size(), 0.0f);
  float raw_norm = 0;
  for (std::size_t k = 0; k < used; ++k) {
    const auto& e = usable[k].face.embedding;
    for (std::size_t d = 0; d < e.values.size(); ++d) out.embedding.values[d] += e.values[d];
    raw_norm += e.raw_norm / static_cast<float>(used);
  }
  l2_normalise(out.embedding.values);
  out.embedding.raw_norm = raw_norm;

  if (engine.has_liveness()) {
    float sum = 0;
    for (std::size_t k = 0; k < used; ++k) {
      auto p = engine.passive_live(frames[usable[k].frame], usable[k].face.detection);
      if (!p) return p.error();
      sum += *p;
    }
    out.passive_live = sum / static_cast<float>(used);
  }
  out.analyze_ms = watch.elapsed_ms();
  return out;
}

}  // namespace rollcall::face
