// src/face/engine.cc
#include "face/engine.h"

#include <algorithm>
#include <future>
#include <optional>
#include <thread>

#include <opencv2/core/utility.hpp>
#include <opencv2/imgproc.hpp>

#include "base/clock.h"
#include "face/align.h"

namespace rollcall::face {

struct Engine::Context {
  Detector detector;
  Embedder embedder;
  std::optional<AntiSpoof> anti_spoof;  // iff options_.liveness_path is set
  std::optional<HumanCheck> human;      // iff options_.cascade_dir is set
};

// Returns its context to the pool when it goes out of scope.
class Engine::Lease {
 public:
  Lease(Engine& engine, std::unique_ptr<Context> context)
      : engine_(engine), context_(std::move(context)) {}
  Lease(Lease&&) = default;
  ~Lease() {
    if (context_) engine_.release(std::move(context_));
  }
  Context* operator->() { return context_.get(); }

 private:
  Engine& engine_;
  std::unique_ptr<Context> context_;
};

namespace {

int cores() { return std::max(1, static_cast<int>(std::thread::hardware_concurrency())); }

std::string join_messages(const std::vector<QualityIssue>& issues) {
  std::string out;
  for (const auto& issue : issues) {
    if (!out.empty()) out += "; ";
    out += issue.message;
  }
  return out;
}

}  // namespace

Result<std::unique_ptr<Engine>> Engine::load(const EngineOptions& options) {
  std::unique_ptr<Engine> engine(new Engine(options));
  EngineOptions& o = engine->options_;
  if (o.contexts <= 0) o.contexts = cores();
  if (o.opencv_threads <= 0) o.opencv_threads = cores();
  if (o.embed_parallelism <= 0) o.embed_parallelism = cores();
  cv::setNumThreads(o.opencv_threads);
  for (int i = 0; i < o.contexts; ++i) {
    auto detector = Detector::load(o.detector_path);
    if (!detector) return detector.error();
    auto embedder = Embedder::load(o.recogniser_path, o.recogniser_id);
    if (!embedder) return embedder.error();
    std::optional<AntiSpoof> anti_spoof;
    if (!o.liveness_path.empty()) {
      auto loaded = AntiSpoof::load(o.liveness_path);
      if (!loaded) return loaded.error();
      anti_spoof.emplace(std::move(loaded).value());
    }
    std::optional<HumanCheck> human;
    if (!o.cascade_dir.empty()) {
      auto loaded = HumanCheck::load(o.cascade_dir);
      if (!loaded) return loaded.error();
      human.emplace(std::move(loaded).value());
    }
    engine->idle_.push_back(
        std::make_unique<Context>(Context{std::move(detector).value(), std::move(embedder).value(),
                                          std::move(anti_spoof), std::move(human)}));
  }
  return engine;
}

Engine::Engine(EngineOptions options) : options_(std::move(options)) {}
Engine::~Engine() = default;

Engine::Lease Engine::acquire() {
  std::unique_lock lock(mutex_);
  available_.wait(lock, [&] { return !idle_.empty(); });
  auto context = std::move(idle_.back());
  idle_.pop_back();
  return Lease(*this, std::move(context));
}

std::unique_ptr<Engine::Context> Engine::try_acquire() {
  std::lock_guard lock(mutex_);
  if (idle_.empty()) return nullptr;
  auto context = std::move(idle_.back());
  idle_.pop_back();
  return context;
}

void Engine::release(std::unique_ptr<Context> context) {
  {
    std::lock_guard lock(mutex_);
    idle_.push_back(std::move(context));
  }
  available_.notify_one();
}

Result<std::vector<Detection>> Engine::detect(const cv::Mat& bgr, const DetectOptions& options) {
  Lease lease = acquire();
  return lease->detector.detect(bgr, options);
}

// Aligns and measures every face, then embeds the usable ones; the batch
// is split over idle contexts so one class photo can use every core.
Result<void> Engine::describe(const cv::Mat& bgr, std::vector<AnalyzedFace>& faces,
                              const QualityPolicy& policy) {
  std::vector<cv::Mat> crops;
  std::vector<std::size_t> usable;
  for (std::size_t i = 0; i < faces.size(); ++i) {
    cv::Mat aligned = align_face(bgr, faces[i].detection.landmarks);
    faces[i].quality = measure_quality(faces[i].detection, aligned);
    faces[i].issues = check_quality(faces[i].quality, policy);
    if (faces[i].is_usable()) {
      crops.push_back(std::move(aligned));
      usable.push_back(i);
    }
  }
  if (crops.empty()) return {};

  Lease first = acquire();
  std::vector<std::unique_ptr<Context>> helpers;
  // A helper is worth its thread only with a few faces to give it.
  constexpr std::size_t kMinFacesPerHelper = 4;
  while (static_cast<int>(helpers.size()) + 1 < options_.embed_parallelism &&
         crops.size() >= (helpers.size() + 2) * kMinFacesPerHelper) {
    auto context = try_acquire();
    if (!context) break;
    helpers.push_back(std::move(context));
  }
  const std::size_t parts = helpers.size() + 1;
  const std::size_t per_part = (crops.size() + parts - 1) / parts;
  const std::span<const cv::Mat> all(crops);
  std::vector<std::future<Result<std::vector<Embedding>>>> pending;
  for (std::size_t p = 1; p < parts; ++p) {
    const std::size_t begin = std::min(crops.size(), p * per_part);
    const std::size_t end = std::min(crops.size(), begin + per_part);
    Context* helper = helpers[p - 1].get();
    pending.push_back(std::async(
        std::launch::async,
        [helper, part = all.subspan(begin, end - begin)] { return helper->embedder.embed(part); }));
  }
  auto own = first->embedder.embed(all.subspan(0, std::min(per_part, crops.size())));
  std::vector<Result<std::vector<Embedding>>> results;
  results.push_back(std::move(own));
  for (auto& f : pending) results.push_back(f.get());
  for (auto& helper : helpers) release(std::move(helper));

  std::size_t next = 0;
  for (auto& part : results) {
    if (!part) return part.error();
    for (auto& embedding : *part) faces[usable[next++]].embedding = std::move(embedding);
  }
  return {};
}

HumanVotes Engine::human_votes(const cv::Mat& bgr, const Detection& face) {
  Lease lease = acquire();
  return lease->human ? lease->human->votes(bgr, face) : HumanVotes{};
}

Result<float> Engine::passive_live(const cv::Mat& bgr, const Detection& face) {
  if (!has_liveness()) {
    return make_error("liveness_unavailable",
                      "the anti-spoof model (fr_liveness.onnx) is not loaded");
  }
  Lease lease = acquire();
  return lease->anti_spoof->p_live(bgr, face);
}

Result<Analysis> Engine::analyze(const cv::Mat& bgr, const QualityPolicy& policy) {
  Analysis analysis;
  analysis.width = bgr.cols;
  analysis.height = bgr.rows;
  Stopwatch watch;
  auto detections = detect(bgr, DetectOptions::class_photo());
  if (!detections) return detections.error();
  analysis.timings.detect_ms = watch.elapsed_ms();
  for (const auto& d : *detections) analysis.faces.push_back(AnalyzedFace{d, {}, {}, {}});
  watch.restart();
  if (auto described = describe(bgr, analysis.faces, policy); !described) {
    return described.error();
  }
  analysis.timings.embed_ms = watch.elapsed_ms();
  return analysis;
}

Result<Analysis> Engine::analyze(std::span<const std::uint8_t> bytes, const QualityPolicy& policy,
                                 const DecodeLimits& limits) {
  Stopwatch watch;
  auto image = decode_image(bytes, limits);
  if (!image) return image.error();
  const double decode_ms = watch.elapsed_ms();
  auto analysis = analyze(*image, policy);
  if (analysis) analysis->timings.decode_ms = decode_ms;
  return analysis;
}

// Faces at or above kConfidentScore, in `bgr`'s coordinates; `pad` is a
// constant border added around the image before detection.
Result<std::vector<Detection>> Engine::confident_faces(const cv::Mat& bgr, int pad,
                                                       std::size_t& uncertain) {
  cv::Mat input = bgr;
  if (pad > 0)
    cv::copyMakeBorder(bgr, input, pad, pad, pad, pad, cv::BORDER_CONSTANT, cv::Scalar());
  auto detections = detect(input, DetectOptions::portrait());
  if (!detections) return detections.error();
  std::vector<Detection> confident;
  const cv::Point2f shift(static_cast<float>(pad), static_cast<float>(pad));
  for (auto d : *detections) {
    if (d.score < kConfidentScore) {
      ++uncertain;
      continue;
    }
    d.box.x -= shift.x;
    d.box.y -= shift.y;
    for (auto& p : d.landmarks) p -= shift;
    confident.push_back(d);
  }
  return confident;
}

Result<AnalyzedFace> Engine::analyze_portrait(const cv::Mat& bgr, const QualityPolicy& policy) {
  std::size_t uncertain = 0;
  auto found = confident_faces(bgr, 0, uncertain);
  if (found && found->empty()) {
    // Models README: a face filling the frame (a tight chip) is found
    // reliably only with a border of ~30 % of the side around it.
    found = confident_faces(bgr, static_cast<int>(0.3 * std::max(bgr.cols, bgr.rows)), uncertain);
  }
  if (!found) return found.error();
  std::vector<Detection>& confident = *found;
  if (policy.require_human && !confident.empty()) {
    if (options_.cascade_dir.empty()) {
      return make_error("human_check_unavailable",
                        "this server cannot tell a human face from an animal's (no face cascades "
                        "loaded; install the Debian package opencv-data)");
    }
    const std::size_t before = confident.size();
    std::erase_if(confident, [&](const Detection& d) {
      return human_votes(bgr, d).count() < HumanCheck::kVotesForHuman;
    });
    if (confident.empty()) {
      return make_error("no_human_face",
                        before == 1 ? "the face in this photo does not look like a person's (an "
                                      "animal, a statue or a drawing?); use a photo of the student"
                                    : "none of the " + std::to_string(before) +
                                          " faces in this photo looks like a person's (animals, "
                                          "statues or drawings?); use a photo of the student");
    }
  }
  if (confident.empty()) {
    return make_error("no_face",
                      uncertain == 0
                          ? "no face found; the face must be clearly visible and facing the camera"
                          : "no clear face found (only uncertain detections); use a sharper, "
                            "frontal, well-lit photo");
  }
  if (confident.size() > 1) {
    return make_error("several_faces", std::to_string(confident.size()) +
                                           " faces found; the photo must show only one person");
  }
  std::vector<AnalyzedFace> faces{AnalyzedFace{confident.front(), {}, {}, {}}};
  if (auto described = describe(bgr, faces, policy); !described) return described.error();
  if (!faces.front().is_usable()) {
    return make_error(faces.front().issues.front().code, join_messages(faces.front().issues));
  }
  return std::move(faces.front());
}

Result<AnalyzedFace> Engine::analyze_portrait(std::span<const std::uint8_t> bytes,
                                              const QualityPolicy& policy,
                                              const DecodeLimits& limits) {
  auto image = decode_image(bytes, limits);
  if (!image) return image.error();
  return analyze_portrait(*image, policy);
}

}  // namespace rollcall::face
