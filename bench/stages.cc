// bench/stages.cc
#include "stages.h"

#include <algorithm>
#include <array>
#include <cstdio>
#include <opencv2/core/utility.hpp>
#include <opencv2/imgproc.hpp>

#include "app/config.h"
#include "base/clock.h"
#include "eval/dataset.h"
#include "models/models.h"

namespace rollcall::bench {
namespace {

using nlohmann::json;

template <typename T>
T must(Result<T> r) {
  if (!r) throw std::runtime_error(r.error().code + ": " + r.error().message);
  return std::move(r).value();
}

std::vector<std::uint8_t> bytes_of(const BenchContext& ctx, const std::string& relative) {
  return must(eval::read_file(ctx.data / relative));
}

std::string model_path(const BenchContext& ctx, models::Role role) {
  return (ctx.models / must(models::find_model(role)).file).string();
}

std::unique_ptr<face::Engine> engine_with(const BenchContext& ctx, int contexts, int opencv_threads,
                                          int parallelism) {
  face::EngineOptions o;
  o.contexts = contexts;
  o.opencv_threads = opencv_threads;
  o.embed_parallelism = parallelism;
  return must(app::load_engine(ctx.models, o));
}

std::vector<float> random_unit(cv::RNG& rng) {
  std::vector<float> v(face::kEmbeddingSize);
  for (auto& x : v) x = static_cast<float>(rng.gaussian(1.0));
  face::l2_normalise(v);
  return v;
}

}  // namespace

json time_it(const BenchContext& ctx, const std::function<void()>& body) {
  body();  // warm-up: first calls allocate and initialise
  std::vector<double> ms;
  for (int i = 0; i < ctx.repeat; ++i) {
    Stopwatch watch;
    body();
    ms.push_back(watch.elapsed_ms());
  }
  std::sort(ms.begin(), ms.end());
  const auto at = [&](double q) {
    return ms[static_cast<std::size_t>(q * static_cast<double>(ms.size() - 1))];
  };
  return {{"median_ms", at(0.5)}, {"p90_ms", at(0.9)}, {"runs", ms.size()}};
}

json bench_decode(const BenchContext& ctx) {
  json out = json::object();
  for (const std::string photo : {"groups/class_54.jpg", "groups/couple.jpg"}) {
    const auto bytes = bytes_of(ctx, photo);
    out[photo] = time_it(ctx, [&] { (void)must(face::decode_image(bytes)); });
  }
  return out;
}

json bench_detect(const BenchContext& ctx) {
  cv::setNumThreads(-1);  // OpenCV default: all cores (0 would mean one)
  auto detector = must(face::Detector::load(model_path(ctx, models::Role::detector)));
  const cv::Mat photo = must(face::decode_image(bytes_of(ctx, "groups/couple.jpg")));
  json out = json::object();
  for (const int side : {640, 800, 1280, 1920}) {
    face::DetectOptions o = face::DetectOptions::class_photo();
    o.max_input_side = side;
    std::size_t faces = 0;
    json t = time_it(ctx, [&] { faces = must(detector.detect(photo, o)).size(); });
    t["faces"] = faces;
    out["couple.jpg (2280x1588) at " + std::to_string(side) + " px"] = t;
  }
  const cv::Mat class54 = must(face::decode_image(bytes_of(ctx, "groups/class_54.jpg")));
  json t = time_it(
      ctx, [&] { (void)must(detector.detect(class54, face::DetectOptions::class_photo())); });
  out["class_54.jpg (720x478) native"] = t;
  return out;
}

json bench_embed(const BenchContext& ctx) {
  // One core: the figure the "<= 10 ms per face" target is about.
  cv::setNumThreads(1);
  auto detector = must(face::Detector::load(model_path(ctx, models::Role::detector)));
  auto embedder = must(face::Embedder::load(model_path(ctx, models::Role::recogniser), "bench"));
  const cv::Mat photo = must(face::decode_image(bytes_of(ctx, "groups/class_54.jpg")));
  std::vector<cv::Mat> crops;
  for (const auto& d : must(detector.detect(photo, face::DetectOptions::class_photo()))) {
    crops.push_back(face::align_face(photo, d.landmarks));
  }
  json out = json::object();
  for (const std::size_t batch :
       {std::size_t{1}, std::size_t{4}, std::size_t{8}, std::size_t{16}, crops.size()}) {
    const std::span<const cv::Mat> part(crops.data(), batch);
    json t = time_it(ctx, [&] { (void)must(embedder.embed(part)); });
    t["per_face_ms"] = t["median_ms"].get<double>() / static_cast<double>(batch);
    out["batch of " + std::to_string(batch)] = t;
  }
  cv::setNumThreads(-1);  // back to OpenCV's default: all cores
  return out;
}

json bench_match(const BenchContext& ctx) {
  cv::RNG rng(5);
  std::vector<std::vector<float>> scores(54, std::vector<float>(60));
  for (auto& row : scores) {
    for (auto& s : row) s = static_cast<float>(rng.uniform(-0.2, 0.5));
  }
  std::vector<StudentId> students;
  for (int i = 1; i <= 60; ++i) students.push_back(StudentId{i});
  const std::vector<bool> usable(54, true);
  return {{"assign 54 faces x 60 students", time_it(ctx, [&] {
             (void)face::assign_faces(scores, students, usable, face::MatchPolicy{});
           })}};
}

json bench_class_photo(const BenchContext& ctx) {
  json out = json::object();
  struct Setting {
    const char* name;
    int contexts, threads, parallelism;
  };
  const std::array<Setting, 3> settings = {
      {{"default (2 contexts, 2 OpenCV threads, split batch)", 0, 0, 0},
       {"one context, 2 OpenCV threads", 1, 0, 1},
       {"one core", 1, 1, 1}}};
  for (const auto& s : settings) {
    if (ctx.is_quick && s.contexts != 0) continue;
    if (ctx.progress) ctx.progress(std::string("class photo: ") + s.name);
    auto engine = engine_with(ctx, s.contexts, s.threads, s.parallelism);
    const auto people = must(eval::read_people(ctx.data / "identities"));
    const auto gallery = must(eval::build_gallery(*engine, people));
    for (const std::string photo :
         {"groups/class_54.jpg", "groups/class_26.jpg", "groups/bbt4.jpg"}) {
      const auto bytes = bytes_of(ctx, photo);
      std::size_t faces = 0;
      face::StageTimings stages;
      json t = time_it(ctx, [&] {
        const auto analysis = must(engine->analyze(bytes, face::QualityPolicy::recognition(), {}));
        (void)face::recognise(analysis, gallery->gallery, face::MatchPolicy{});
        faces = analysis.faces.size();
        stages = analysis.timings;
      });
      t["faces"] = faces;
      t["last_run_stages_ms"] = {
          {"decode", stages.decode_ms}, {"detect", stages.detect_ms}, {"embed", stages.embed_ms}};
      out[s.name][photo] = t;
    }
  }
  return out;
}

json bench_selfie(const BenchContext& ctx) {
  auto engine = engine_with(ctx, 0, 0, 0);
  const auto enrolled = must(engine->analyze_portrait(bytes_of(ctx, "identities/jeff_bezos/02.jpg"),
                                                      face::QualityPolicy::enrollment(), {}));
  json out = json::object();
  for (const std::string selfie :
       {"identities/jeff_bezos/01.jpg", "identities/sundar_pichai/02.jpg"}) {
    const auto bytes = bytes_of(ctx, selfie);
    bool same = false;
    json t = time_it(ctx, [&] {
      const auto probe =
          must(engine->analyze_portrait(bytes, face::QualityPolicy::recognition(), {}));
      same = must(face::verify(probe.embedding, enrolled.embedding, face::MatchPolicy{}))
                 .is_same_person;
    });
    t["same_person_as_jeff_bezos_02"] = same;
    out[selfie] = t;
  }
  return out;
}

json bench_gallery(const BenchContext& ctx) {
  json out = json::object();
  cv::RNG rng(6);
  std::vector<std::size_t> sizes = {1000, 10000, 100000};
  for (const std::size_t n : sizes) {
    if (ctx.progress) ctx.progress("gallery of " + std::to_string(n));
    face::Gallery gallery;
    std::vector<std::vector<float>> kept;
    for (std::size_t i = 0; i < n; ++i) {
      auto v = random_unit(rng);
      (void)gallery.put(StudentId{static_cast<std::int64_t>(i + 1)}, v);
      if (i % (n / 200) == 0) kept.push_back(std::move(v));
    }
    // Probes near stored templates (a real face is close to its template),
    // so top-1 agreement with an exact scan is meaningful.
    std::vector<std::vector<float>> probes;
    for (const auto& k : kept) {
      auto p = k;
      for (auto& x : p) x += static_cast<float>(rng.gaussian(0.04));
      face::l2_normalise(p);
      probes.push_back(std::move(p));
    }
    json t = time_it(ctx, [&] {
      for (const auto& p : probes) (void)gallery.nearest(p, 2);
    });
    const double per_query = t["median_ms"].get<double>() / static_cast<double>(probes.size());
    std::size_t agree = 0;
    for (const auto& p : probes) {
      const auto scores = gallery.scores(p);
      const auto best = std::max_element(scores.begin(), scores.end()) - scores.begin();
      agree += gallery.nearest(p, 1).front().student ==
                       gallery.students()[static_cast<std::size_t>(best)]
                   ? 1
                   : 0;
    }
    out[std::to_string(n)] = {{"per_query_ms", per_query},
                              {"queries", probes.size()},
                              {"top1_agrees_with_exact_scan", agree}};
  }
  return out;
}

json bench_python(const BenchContext& ctx) {
  auto engine = engine_with(ctx, 0, 0, 0);
  json out = json::object();
  for (const std::string photo :
       {"groups/class_54.jpg", "groups/class_26.jpg", "groups/bbt4.jpg"}) {
    const auto bytes = bytes_of(ctx, photo);
    json cpp = time_it(
        ctx, [&] { (void)must(engine->analyze(bytes, face::QualityPolicy::recognition(), {})); });
    const std::string command = "/usr/bin/python3 " + std::string(ROLLCALL_PYTHON_REFERENCE) +
                                " --detector '" + model_path(ctx, models::Role::detector) +
                                "' --recogniser '" + model_path(ctx, models::Role::recogniser) +
                                "' --repeat " + std::to_string(ctx.repeat) + " '" +
                                (ctx.data / photo).string() + "'";
    FILE* pipe = popen(command.c_str(), "r");
    std::string text;
    std::array<char, 4096> buffer;
    while (std::size_t n = fread(buffer.data(), 1, buffer.size(), pipe))
      text.append(buffer.data(), n);
    if (pclose(pipe) != 0) {
      out[photo] = {{"error", "python3 reference failed (needs Debian python3-opencv): " + text}};
      continue;
    }
    const json py = json::parse(text);
    out[photo] = {
        {"cpp_median_ms", cpp["median_ms"]},
        {"python_median_ms", py["median_ms"]},
        {"faces_cpp",
         must(engine->analyze(bytes, face::QualityPolicy::recognition(), {})).faces.size()},
        {"faces_python", py["faces"]},
        {"ratio_cpp_over_python", cpp["median_ms"].get<double>() / py["median_ms"].get<double>()}};
  }
  return out;
}

}  // namespace rollcall::bench
