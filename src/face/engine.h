// src/face/engine.h
//
// Engine: the whole pipeline (decode -> detect -> align -> quality ->
// embed) behind one thread-safe object.
// Owns: a pool of per-thread model contexts, and the OpenCV thread count
// (set once, deliberately, at load). Leaves to others: where the bytes
// and model files come from (app), what a face means (domain).
// Thread safety: every method may be called from many threads at once;
// each call borrows a context from the pool and waits if none is free.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <vector>

#include "base/result.h"
#include "face/anti_spoof.h"
#include "face/decode.h"
#include "face/detector.h"
#include "face/embedder.h"
#include "face/human_check.h"
#include "face/quality.h"

namespace rollcall::face {

struct EngineOptions {
  std::string detector_path;
  std::string recogniser_path;
  std::string recogniser_id;  // tags every embedding, e.g. "fr_feature@87aacdfe"
  // The passive anti-spoof model (fr_liveness.onnx); empty = not loaded,
  // and passive_live() refuses.
  std::string liveness_path;
  // Contexts (detector + recogniser pairs) kept loaded; 0 = hardware cores.
  int contexts = 0;
  // Threads OpenCV may use inside one network call; 0 = hardware cores.
  // OpenCV falls back to the calling thread when its pool is busy, so
  // concurrent calls do not oversubscribe the cores.
  int opencv_threads = 0;
  // Faces of one photo are embedded on up to this many contexts at once.
  int embed_parallelism = 0;  // 0 = hardware cores
  // OpenCV's cascade files for HumanCheck (opencv-data); "" = no human
  // check, and portraits asking for one are refused.
  std::string cascade_dir = HumanCheck::kDefaultCascadeDir;
};

enum class Purpose {
  class_photo,  // many faces, any size; lenient quality, keep them all
  portrait,     // enrollment photo or selfie: exactly one confident face
};

struct AnalyzedFace {
  Detection detection;
  QualityMeasures quality;
  std::vector<QualityIssue> issues;  // empty iff usable
  Embedding embedding;               // empty values iff not usable

  bool is_usable() const { return issues.empty(); }
};

struct StageTimings {
  double decode_ms = 0;
  double detect_ms = 0;
  double embed_ms = 0;  // align, quality and embed, all faces
};

struct Analysis {
  int width = 0;
  int height = 0;
  std::vector<AnalyzedFace> faces;  // by descending detector score
  StageTimings timings;
};

class Engine {
 public:
  // Loads one context per EngineOptions::contexts. Errors: model_load_failed.
  static Result<std::unique_ptr<Engine>> load(const EngineOptions& options);
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  // Class photo: every face, each with its quality; the usable ones embedded.
  Result<Analysis> analyze(const cv::Mat& bgr, const QualityPolicy& policy);
  Result<Analysis> analyze(std::span<const std::uint8_t> bytes, const QualityPolicy& policy,
                           const DecodeLimits& limits);

  // Portrait: exactly one face at or above kConfidentScore (the most
  // confident, never the largest: the models README measured the largest
  // to be a poster or a shirt on 5 of 93 photos), and it must pass
  // `policy`. With policy.require_human, confident faces HumanCheck calls
  // not human are set aside first. Errors: no_face, no_human_face (only
  // such faces), several_faces, or the first quality issue's code with
  // every issue in the message.
  Result<AnalyzedFace> analyze_portrait(const cv::Mat& bgr, const QualityPolicy& policy);
  Result<AnalyzedFace> analyze_portrait(std::span<const std::uint8_t> bytes,
                                        const QualityPolicy& policy, const DecodeLimits& limits);

  // p(live) of the passive anti-spoof model for `face` (found in `bgr` by
  // this engine). Errors: liveness_unavailable (no model loaded),
  // liveness_failed.
  Result<float> passive_live(const cv::Mat& bgr, const Detection& face);
  // Which second-opinion detectors find `face` (found in `bgr`) human;
  // all false without cascades. For measuring (rollcall eval).
  HumanVotes human_votes(const cv::Mat& bgr, const Detection& face);

  // True iff the anti-spoof model was loaded (EngineOptions::liveness_path).
  bool has_liveness() const { return !options_.liveness_path.empty(); }

  const std::string& model_id() const { return options_.recogniser_id; }

  // A face this confident is a face (models README: 0.9 for enrollment).
  static constexpr float kConfidentScore = 0.9f;

 private:
  struct Context;
  class Lease;
  explicit Engine(EngineOptions options);

  Lease acquire();
  std::unique_ptr<Context> try_acquire();
  void release(std::unique_ptr<Context> context);
  Result<std::vector<Detection>> detect(const cv::Mat& bgr, const DetectOptions& options);
  Result<std::vector<Detection>> confident_faces(const cv::Mat& bgr, int pad,
                                                 std::size_t& uncertain);
  Result<void> describe(const cv::Mat& bgr, std::vector<AnalyzedFace>& faces,
                        const QualityPolicy& policy);

  EngineOptions options_;
  std::mutex mutex_;
  std::condition_variable available_;
  std::vector<std::unique_ptr<Context>> idle_;  // guarded by mutex_
};

}  // namespace rollcall::face
