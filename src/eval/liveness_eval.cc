// src/eval/liveness_eval.cc
#include "eval/liveness_eval.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <opencv2/calib3d.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <opencv2/videoio.hpp>

#include "base/result.h"
#include "eval/dataset.h"
#include "face/capture.h"
#include "face/face.h"
#include "face/landmark_motion.h"

namespace rollcall::eval {

namespace {

// The value below which a fraction `q` of `values` lies (linear
// interpolation between order statistics). Requires: values not empty.
double percentile(std::vector<double> values, double q) {
  std::sort(values.begin(), values.end());
  const double pos = q * static_cast<double>(values.size() - 1);
  const auto lo = static_cast<std::size_t>(std::floor(pos));
  const auto hi = std::min(lo + 1, values.size() - 1);
  return values[lo] + (pos - static_cast<double>(lo)) * (values[hi] - values[lo]);
}

nlohmann::json summary(const std::vector<double>& values) {
  nlohmann::json out{{"count", values.size()}};
  if (values.empty()) return out;
  out["min"] = *std::min_element(values.begin(), values.end());
  for (const auto& [name, q] : std::vector<std::pair<std::string, double>>{{"p01", 0.01},
                                                                           {"p02", 0.02},
                                                                           {"p05", 0.05},
                                                                           {"p10", 0.10},
                                                                           {"p50", 0.50},
                                                                           {"p90", 0.90},
                                                                           {"p99", 0.99},
                                                                           {"p999", 0.999}}) {
    out[name] = percentile(values, q);
  }
  out["max"] = *std::max_element(values.begin(), values.end());
  return out;
}

// One frame of a held-up photo: `photo` as a flat plane seen by a camera
// with a ~60 degree field of view, rotated by (tilt_x, tilt_y, roll)
// degrees, scaled and shifted, on a plain background; then JPEG at
// `quality`.
cv::Mat held_up_frame(const cv::Mat& photo, cv::Size canvas, double tilt_x_deg, double tilt_y_deg,
                      double roll_deg, double scale, cv::Point2d shift, int background,
                      int quality) {
  const double f = canvas.width / (2 * std::tan(30.0 * CV_PI / 180));  // 60 degree FOV
  const double deg = CV_PI / 180;
  const double ax = tilt_x_deg * deg, ay = tilt_y_deg * deg, az = roll_deg * deg;
  const cv::Matx33d rx(1, 0, 0, 0, std::cos(ax), -std::sin(ax), 0, std::sin(ax), std::cos(ax));
  const cv::Matx33d ry(std::cos(ay), 0, std::sin(ay), 0, 1, 0, -std::sin(ay), 0, std::cos(ay));
  const cv::Matx33d rz(std::cos(az), -std::sin(az), 0, std::sin(az), std::cos(az), 0, 0, 0, 1);
  const cv::Matx33d r = rz * ry * rx;
  // The photo, centred at the origin, fills `scale` of the canvas height
  // when square to the camera at distance f.
  const double side = scale * canvas.height / std::max(photo.cols, photo.rows);
  std::vector<cv::Point2f> from, to;
  for (const auto& [u, v] : std::vector<std::pair<double, double>>{
           {0, 0}, {photo.cols, 0}, {photo.cols, photo.rows}, {0, photo.rows}}) {
    const cv::Vec3d p =
        r * cv::Vec3d((u - photo.cols / 2.0) * side, (v - photo.rows / 2.0) * side, 0);
    const double z = f + p[2];
    from.emplace_back(static_cast<float>(u), static_cast<float>(v));
    to.emplace_back(static_cast<float>(canvas.width / 2.0 + shift.x + f * p[0] / z),
                    static_cast<float>(canvas.height / 2.0 + shift.y + f * p[1] / z));
  }
  cv::Mat frame;
  cv::warpPerspective(photo, frame, cv::getPerspectiveTransform(from, to), canvas, cv::INTER_LINEAR,
                      cv::BORDER_CONSTANT, cv::Scalar::all(background));
  std::vector<std::uint8_t> jpeg;
  cv::imencode(".jpg", frame, jpeg, {cv::IMWRITE_JPEG_QUALITY, quality});
  return cv::imdecode(jpeg, cv::IMREAD_COLOR);
}

struct SpoofClip {
  std::vector<face::Landmarks> landmarks;  // of the usable frames
  std::optional<float> first_live;         // p(live) of the first usable frame
};

// One synthetic held-up-photo clip, measured as a check-in measures it.
SpoofClip spoof_clip(face::Engine& engine, const cv::Mat& photo, int frames, std::mt19937& rng) {
  using U = std::uniform_real_distribution<double>;
  const cv::Size canvas(640, 480);
  // The pose the photo is held at for the clip, then the hand's wobble.
  const double base_tilt_x = U(-20, 20)(rng), base_tilt_y = U(-20, 20)(rng);
  const double base_roll = U(-10, 10)(rng), base_scale = U(0.45, 0.9)(rng);
  const int background = std::uniform_int_distribution<int>(20, 230)(rng);
  SpoofClip out;
  for (int i = 0; i < frames; ++i) {
    const cv::Mat frame =
        held_up_frame(photo, canvas, base_tilt_x + U(-10, 10)(rng), base_tilt_y + U(-10, 10)(rng),
                      base_roll + U(-5, 5)(rng), base_scale * U(0.9, 1.1)(rng),
                      {U(-0.08, 0.08)(rng) * canvas.width, U(-0.08, 0.08)(rng) * canvas.height},
                      background, std::uniform_int_distribution<int>(60, 95)(rng));
    auto face = engine.analyze_portrait(frame, face::QualityPolicy::recognition());
    if (!face) continue;
    out.landmarks.push_back(face->detection.landmarks);
    if (!out.first_live && engine.has_liveness()) {
      if (auto p = engine.passive_live(frame, face->detection)) out.first_live = *p;
    }
  }
  return out;
}

// Frames of a video at the given indices (sequential read).
std::vector<cv::Mat> frames_at(const std::filesystem::path& video, const std::set<long>& wanted) {
  std::vector<cv::Mat> out;
  cv::VideoCapture capture(video.string(), cv::CAP_FFMPEG);
  long index = 0;
  for (const long target : wanted) {
    bool grabbed = false;
    while (index <= target && (grabbed = capture.grab())) ++index;
    if (!grabbed) break;
    cv::Mat frame;
    capture.retrieve(frame);
    out.push_back(frame.clone());
  }
  return out;
}

}  // namespace

Result<nlohmann::json> evaluate_liveness(face::Engine& engine, const LivenessEvalOptions& options) {
  auto people = read_people(options.data_dir / "identities");
  if (!people) return people.error();
  std::mt19937 rng(options.seed);
  std::vector<double> spoof_motion, photo_live, spoof_live;
  int photos = 0, photos_without_face = 0, spoofs_too_few_frames = 0;
  for (const auto& person : *people) {
    for (const auto& path : person.photos) {
      auto bytes = read_file(path);
      if (!bytes) return bytes.error();
      auto image = face::decode_image(*bytes);
      if (!image) return image.error();
      ++photos;
      auto face = engine.analyze_portrait(*image, face::QualityPolicy::recognition());
      if (!face) {
        ++photos_without_face;
        continue;
      }
      if (engine.has_liveness()) {
        if (auto p = engine.passive_live(*image, face->detection)) photo_live.push_back(*p);
      }
      for (int s = 0; s < options.spoofs_per_photo; ++s) {
        const auto clip = spoof_clip(engine, *image, options.frames_per_clip, rng);
        if (clip.first_live) spoof_live.push_back(*clip.first_live);
        if (auto m = face::landmark_motion(clip.landmarks)) {
          spoof_motion.push_back(*m);
        } else {
          ++spoofs_too_few_frames;
        }
      }
    }
  }

  // Genuine: windows of 4 s (the length a check-in records), every 0.5 s
  // of the clip, each sampled like sample_video and analysed like a
  // check-in. Windows without a usable face or with several are skipped.
  const auto video = options.data_dir / "video/hamilton_short.mp4";
  nlohmann::json windows = nlohmann::json::array();
  std::vector<double> live_motion, video_live;
  {
    cv::VideoCapture probe(video.string(), cv::CAP_FFMPEG);
    const long count = static_cast<long>(probe.get(cv::CAP_PROP_FRAME_COUNT));
    const double fps = probe.get(cv::CAP_PROP_FPS);
    probe.release();
    const long window = static_cast<long>(std::lround(4 * fps));
    const long step = static_cast<long>(std::lround(0.5 * fps));
    std::vector<std::vector<long>> plans;
    std::set<long> wanted;
    for (long start = 0; fps > 0 && start + window <= count; start += step) {
      std::vector<long> plan;
      for (int i = 0; i < options.frames_per_clip; ++i) {
        plan.push_back(start + static_cast<long>((i + 0.5) * window / options.frames_per_clip));
      }
      wanted.insert(plan.begin(), plan.end());
      plans.push_back(plan);
    }
    const std::vector<cv::Mat> frames = frames_at(video, wanted);
    const std::vector<long> order(wanted.begin(), wanted.end());
    for (const auto& plan : plans) {
      std::vector<cv::Mat> clip;
      for (long index : plan) {
        const auto at = std::lower_bound(order.begin(), order.end(), index) - order.begin();
        if (static_cast<std::size_t>(at) < frames.size()) clip.push_back(frames[at]);
      }
      auto analysis = face::analyze_capture(engine, clip, face::CaptureKind::video,
                                            face::QualityPolicy::recognition());
      nlohmann::json w{{"start_s", plan.front() / fps}, {"frames", clip.size()}};
      if (!analysis) {
        w["error"] = analysis.error().code;
      } else {
        w["frames_used"] = analysis->frames_used;
        int usable = 0;
        for (const auto& f : analysis->frames) usable += f.usable ? 1 : 0;
        w["usable_frames"] = usable;
        if (analysis->motion) {
          w["motion"] = *analysis->motion;
          live_motion.push_back(*analysis->motion);
        }
        if (analysis->passive_live) w["passive_live"] = *analysis->passive_live;
        w["analyze_ms"] = analysis->analyze_ms;
      }
      windows.push_back(w);
    }
    if (engine.has_liveness()) {
      for (const auto& frame : frames) {
        auto face = engine.analyze_portrait(frame, face::QualityPolicy::recognition());
        if (!face) continue;
        if (auto p = engine.passive_live(frame, face->detection)) video_live.push_back(*p);
      }
    }
  }

  const auto policy = face::LivenessPolicy::defaults();
  const auto below = [](const std::vector<double>& v, double t) {
    return std::count_if(v.begin(), v.end(), [t](double x) { return x < t; });
  };
  std::vector<double> all_live = photo_live;
  all_live.insert(all_live.end(), video_live.begin(), video_live.end());
  return nlohmann::json{
      {"spoofs",
       {{"photos", photos},
        {"photos_without_face", photos_without_face},
        {"sequences_per_photo", options.spoofs_per_photo},
        {"frames_per_sequence", options.frames_per_clip},
        {"sequences_with_fewer_than_2_faces", spoofs_too_few_frames},
        {"motion", summary(spoof_motion)},
        {"passing_policy", spoof_motion.size() - below(spoof_motion, policy.min_motion)}}},
      {"live_video",
       {{"file", video.string()},
        {"windows", windows},
        {"motion", summary(live_motion)},
        {"failing_policy", below(live_motion, policy.min_motion)}}},
      {"passive",
       {{"loaded", engine.has_liveness()},
        {"identity_photos", summary(photo_live)},
        {"synthetic_held_up_photos", summary(spoof_live)},
        {"video_frames", summary(video_live)},
        {"all_genuine", summary(all_live)},
        {"genuine_failing_policy", below(all_live, policy.min_passive_live)}}},
      {"policy",
       {{"min_motion", policy.min_motion}, {"min_passive_live", policy.min_passive_live}}},
  };
}

}  // namespace rollcall::eval
