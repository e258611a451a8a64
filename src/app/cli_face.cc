// src/app/cli_face.cc
//
// `rollcall detect`, `verify` and `identify`: the face engine on files.
#include <fstream>
#include <iostream>

#include "app/app.h"
#include "app/config.h"
#include "app/output.h"
#include "eval/dataset.h"

namespace rollcall::app {
namespace {

using nlohmann::json;

struct CommonOptions {
  std::string models_dir = default_models_dir().string();
  bool is_json = false;
};

void add_common(CLI::App* command, CommonOptions& options) {
  command->add_option("--models", options.models_dir, "model directory (ROLLCALL_MODELS)");
  command->add_flag("--json", options.is_json, "print JSON");
}

// Turns a failed Result into the command's exit status.
template <typename T>
T take(Result<T> result) {
  if (!result) throw CLI::RuntimeError(report_error(result.error()));
  return std::move(result).value();
}

void save_annotated(const fs::path& input, const fs::path& out,
                    const std::vector<face::FaceLabel>& labels) {
  const auto bytes = take(eval::read_file(input));
  const cv::Mat image = take(face::decode_image(bytes));
  const auto jpeg = take(face::encode_jpeg(face::annotate(image, labels)));
  std::ofstream file(out, std::ios::binary);
  file.write(reinterpret_cast<const char*>(jpeg.data()), static_cast<std::streamsize>(jpeg.size()));
  if (!file)
    throw CLI::RuntimeError(
        report_error(make_error("file_unwritable", "cannot write " + out.string())));
}

// --- detect ------------------------------------------------------------

struct DetectOptions : CommonOptions {
  std::vector<std::string> images;
  std::string annotate;
};

void run_detect(const DetectOptions& o) {
  auto engine = take(load_engine(o.models_dir));
  json all = json::array();
  for (const auto& path : o.images) {
    const auto bytes = take(eval::read_file(path));
    const auto analysis = take(engine->analyze(bytes, face::QualityPolicy::recognition(), {}));
    json faces = json::array();
    std::vector<face::FaceLabel> labels;
    for (const auto& f : analysis.faces) {
      faces.push_back({{"detection", to_json(f.detection)},
                       {"quality", to_json(f.quality)},
                       {"usable", f.is_usable()},
                       {"embedding_norm", f.embedding.raw_norm},
                       {"issues", to_json(f.issues)}});
      labels.push_back(
          {f.detection.box, f.is_usable() ? fixed(f.detection.score, 2) : f.issues.front().code,
           f.is_usable() ? face::MatchStatus::matched : face::MatchStatus::low_quality});
    }
    if (!o.annotate.empty()) {
      fs::path out = o.annotate;
      if (o.images.size() > 1) out = out / (fs::path(path).stem().string() + "_faces.jpg");
      save_annotated(path, out, labels);
    }
    all.push_back({{"image", path},
                   {"width", analysis.width},
                   {"height", analysis.height},
                   {"faces", faces},
                   {"timings_ms",
                    {{"decode", analysis.timings.decode_ms},
                     {"detect", analysis.timings.detect_ms},
                     {"embed", analysis.timings.embed_ms}}}});
    if (!o.is_json) {
      std::cout << path << ": " << analysis.width << "x" << analysis.height << ", "
                << analysis.faces.size() << " faces\n";
      for (std::size_t i = 0; i < analysis.faces.size(); ++i) {
        const auto& f = analysis.faces[i];
        const auto& b = f.detection.box;
        std::cout << "  #" << i << " box " << fixed(b.x, 0) << "," << fixed(b.y, 0) << " "
                  << fixed(b.width, 0) << "x" << fixed(b.height, 0) << " score "
                  << fixed(f.detection.score, 2) << " eyes " << fixed(f.quality.eye_distance_px, 0)
                  << "px sharp " << fixed(f.quality.sharpness, 0) << " yaw "
                  << fixed(f.quality.yaw_deg, 0)
                  << (f.is_usable() ? "  ok" : "  " + f.issues.front().message) << "\n";
      }
    }
  }
  if (o.is_json) print_json(all);
}

// --- verify ------------------------------------------------------------

struct VerifyOptions : CommonOptions {
  std::string a, b;
};

void run_verify(const VerifyOptions& o) {
  auto engine = take(load_engine(o.models_dir));
  const auto portrait = [&](const std::string& path) {
    const auto bytes = take(eval::read_file(path));
    return take(engine->analyze_portrait(bytes, face::QualityPolicy::recognition(), {}));
  };
  const auto fa = portrait(o.a), fb = portrait(o.b);
  const auto v = take(face::verify(fa.embedding, fb.embedding, face::MatchPolicy{}));
  if (o.is_json) {
    print_json({{"same_person", v.is_same_person},
                {"similarity", v.similarity},
                {"threshold", v.threshold},
                {"model", engine->model_id()}});
  } else {
    std::cout << (v.is_same_person ? "same person" : "different people") << ": similarity "
              << fixed(v.similarity) << ", threshold " << fixed(v.threshold) << "\n";
  }
}

// --- identify ----------------------------------------------------------

struct IdentifyOptions : CommonOptions {
  std::string gallery;
  std::string image;
  std::string annotate;
};

void run_identify(const IdentifyOptions& o) {
  auto engine = take(load_engine(o.models_dir));
  const auto people = take(eval::read_people(o.gallery));
  const auto gallery = take(eval::build_gallery(*engine, people));
  const auto bytes = take(eval::read_file(o.image));
  const auto analysis = take(engine->analyze(bytes, face::QualityPolicy::recognition(), {}));
  const face::MatchPolicy policy;
  const auto matches = face::recognise(analysis, gallery->gallery, policy);

  const auto name = [&](const std::optional<StudentId>& id) -> std::string {
    return id ? gallery->names.at(*id) : "";
  };
  json faces = json::array();
  std::vector<face::FaceLabel> labels;
  for (std::size_t i = 0; i < matches.size(); ++i) {
    const auto& m = matches[i];
    const auto& f = analysis.faces[i];
    const std::string who = m.status == face::MatchStatus::matched      ? name(m.student)
                            : m.status == face::MatchStatus::borderline ? name(m.student) + "?"
                            : m.status == face::MatchStatus::unknown    ? "unknown"
                                                                        : f.issues.front().code;
    labels.push_back({f.detection.box, who, m.status});
    json entry = {{"detection", to_json(f.detection)},
                  {"status", to_string(m.status)},
                  {"person", m.student ? json(name(m.student)) : json(nullptr)},
                  {"similarity", m.similarity},
                  {"runner_up", m.runner_up ? json(name(m.runner_up)) : json(nullptr)},
                  {"runner_up_similarity", m.runner_up_similarity},
                  {"margin", m.margin},
                  {"issues", to_json(f.issues)}};
    faces.push_back(entry);
    if (!o.is_json) {
      std::cout << "  #" << i << " " << to_string(m.status) << " " << who;
      if (m.status != face::MatchStatus::low_quality) {
        std::cout << "  similarity " << fixed(m.similarity) << " margin " << fixed(m.margin);
      } else {
        std::cout << "  " << f.issues.front().message;
      }
      std::cout << "\n";
    }
  }
  if (!o.annotate.empty()) save_annotated(o.image, o.annotate, labels);
  json rejected = json::array();
  for (const auto& r : gallery->rejected) {
    rejected.push_back(
        {{"photo", r.path.string()}, {"code", r.why.code}, {"message", r.why.message}});
    if (!o.is_json)
      std::cerr << "gallery photo skipped: " << r.path.string() << ": " << r.why.message << "\n";
  }
  if (o.is_json) {
    print_json({{"image", o.image},
                {"gallery_people", gallery->names.size()},
                {"gallery_rejected", rejected},
                {"threshold", policy.threshold},
                {"margin", policy.margin},
                {"faces", faces}});
  }
}

}  // namespace

void add_face_commands(CLI::App& cli) {
  static DetectOptions detect;
  auto* d = cli.add_subcommand("detect", "find faces and rate their quality");
  add_common(d, detect);
  d->add_option("images", detect.images, "JPEG, PNG or WebP files")
      ->required()
      ->check(CLI::ExistingFile);
  d->add_option("--annotate", detect.annotate,
                "write the photo with boxes (a file; a directory when several images)");
  d->callback([] { run_detect(detect); });

  static VerifyOptions verify;
  auto* v = cli.add_subcommand("verify", "are the people in two portraits the same person?");
  add_common(v, verify);
  v->add_option("a", verify.a)->required()->check(CLI::ExistingFile);
  v->add_option("b", verify.b)->required()->check(CLI::ExistingFile);
  v->callback([] { run_verify(verify); });

  static IdentifyOptions identify;
  auto* i = cli.add_subcommand("identify", "name every face in a photo from a gallery");
  add_common(i, identify);
  i->add_option("--gallery", identify.gallery, "folder with one sub-folder of photos per person")
      ->required()
      ->check(CLI::ExistingDirectory);
  i->add_option("image", identify.image)->required()->check(CLI::ExistingFile);
  i->add_option("--annotate", identify.annotate, "write the photo with names drawn");
  i->callback([] { run_identify(identify); });
}

}  // namespace rollcall::app
