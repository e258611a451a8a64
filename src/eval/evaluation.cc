// src/eval/evaluation.cc
#include "eval/evaluation.h"

#include <algorithm>
#include <map>
#include <set>
#include <sstream>

#include "eval/dataset.h"
#include "eval/metrics.h"

namespace rollcall::eval {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

// The FAR one comparison may have; with a class of 60 candidates a
// stranger then has a 60 x 1e-4 = 0.6 % chance to beat the threshold
// against someone, before the margin rule removes most of those.
constexpr double kTargetFarPerComparison = 1e-4;

struct Photo {
  std::string identity;
  fs::path path;
  std::optional<face::Embedding> embedding;  // most confident face
};

std::set<std::string> split_names(const std::string& list) {
  std::set<std::string> out;
  std::istringstream in(list);
  std::string name;
  while (std::getline(in, name, ';')) {
    if (!name.empty()) out.insert(name);
  }
  return out;
}

double iou(const cv::Rect2f& a, const cv::Rect2f& b) {
  const float inter = (a & b).area();
  const float uni = a.area() + b.area() - inter;
  return uni > 0 ? inter / uni : 0;
}

// Hand boxes (dlib's square boxes) and detector boxes differ in shape, so
// a hand box counts as found when a detection overlaps it with IoU >= 0.3
// (each detection used once); docs/ACCURACY.md explains the choice.
constexpr double kMinIou = 0.3;
json detection_score(const std::vector<cv::Rect2f>& truth, const std::vector<cv::Rect2f>& found) {
  std::vector<bool> used(found.size(), false);
  int hits = 0;
  for (const auto& t : truth) {
    for (std::size_t i = 0; i < found.size(); ++i) {
      if (!used[i] && iou(t, found[i]) >= kMinIou) {
        used[i] = true;
        ++hits;
        break;
      }
    }
  }
  return {{"annotated", truth.size()},
          {"detected", found.size()},
          {"true_positives", hits},
          {"recall", truth.empty() ? 0.0 : double(hits) / double(truth.size())},
          {"precision", found.empty() ? 0.0 : double(hits) / double(found.size())}};
}

Result<std::vector<Photo>> embed_identities(face::Engine& engine, const fs::path& data) {
  auto rows = read_csv(data / "identities.csv");
  if (!rows) return rows.error();
  std::vector<Photo> photos;
  for (auto& row : *rows) {
    Photo p{row["identity"], data / row["path"], std::nullopt};
    auto bytes = read_file(p.path);
    if (!bytes) return bytes.error();
    // The most confident face, as the models README measured; quality is
    // not gated here so that every photo is compared.
    face::QualityPolicy any = face::QualityPolicy::recognition();
    any.min_eye_distance_px = 0;
    any.min_brightness = 0;
    any.max_brightness = 255;
    any.min_contrast = 0;
    any.max_abs_yaw_deg = 90;
    any.max_abs_roll_deg = 180;
    auto analysis = engine.analyze(*bytes, any, {});
    if (analysis && !analysis->faces.empty() && analysis->faces.front().is_usable()) {
      p.embedding = analysis->faces.front().embedding;
    }
    photos.push_back(std::move(p));
  }
  return photos;
}

json verification(const std::vector<Photo>& photos, std::vector<ScoredPair>& pairs) {
  int missing = 0;
  for (const auto& p : photos) missing += p.embedding ? 0 : 1;
  for (std::size_t i = 0; i < photos.size(); ++i) {
    for (std::size_t j = i + 1; j < photos.size(); ++j) {
      if (!photos[i].embedding || !photos[j].embedding) continue;
      pairs.push_back({face::cosine(photos[i].embedding->values, photos[j].embedding->values),
                       photos[i].identity == photos[j].identity});
    }
  }
  float lowest_same = 1, highest_different = -1;
  for (const auto& p : pairs) {
    if (p.is_same) lowest_same = std::min(lowest_same, p.score);
    if (!p.is_same) highest_different = std::max(highest_different, p.score);
  }
  // Rank-1: each photo against every other photo; right iff the closest is
  // the same person (photos of people with a single photo are skipped).
  int rank1_right = 0, rank1_total = 0;
  for (std::size_t i = 0; i < photos.size(); ++i) {
    if (!photos[i].embedding) continue;
    float best = -2;
    std::size_t best_j = i;
    bool has_mate = false;
    for (std::size_t j = 0; j < photos.size(); ++j) {
      if (j == i || !photos[j].embedding) continue;
      has_mate = has_mate || photos[j].identity == photos[i].identity;
      const float s = face::cosine(photos[i].embedding->values, photos[j].embedding->values);
      if (s > best) best = s, best_j = j;
    }
    if (!has_mate) continue;
    ++rank1_total;
    rank1_right += photos[best_j].identity == photos[i].identity ? 1 : 0;
  }
  const auto kfold = kfold_accuracy(pairs, 10);
  const auto at2 = tar_at_far(pairs, 1e-2), at3 = tar_at_far(pairs, 1e-3);
  int same = 0;
  for (const auto& p : pairs) same += p.is_same ? 1 : 0;
  return {{"photos", photos.size()},
          {"photos_without_face", missing},
          {"same_person_pairs", same},
          {"different_person_pairs", pairs.size() - static_cast<std::size_t>(same)},
          {"accuracy_10fold_mean", kfold.mean_accuracy},
          {"accuracy_10fold_std", kfold.std_accuracy},
          {"roc_auc", roc_auc(pairs)},
          {"tar_at_far_1e-2", at2.tar},
          {"threshold_at_far_1e-2", at2.threshold},
          {"tar_at_far_1e-3", at3.tar},
          {"threshold_at_far_1e-3", at3.threshold},
          {"lowest_same_person", lowest_same},
          {"highest_different_person", highest_different},
          {"rank1", rank1_total ? double(rank1_right) / rank1_total : 0.0},
          {"rank1_probes", rank1_total}};
}

// The method in docs/ACCURACY.md: threshold where a normal fit of the
// different-person scores predicts kTargetFarPerComparison; margin and
// borderline band one standard deviation of those scores.
json recommend(const std::vector<ScoredPair>& pairs) {
  std::vector<double> impostor;
  for (const auto& p : pairs) {
    if (!p.is_same) impostor.push_back(p.score);
  }
  const NormalFit fit = fit_normal(impostor);
  const double z = normal_upper_quantile(kTargetFarPerComparison);
  return {{"impostor_mean", fit.mean},
          {"impostor_std", fit.std},
          {"target_far_per_comparison", kTargetFarPerComparison},
          {"z", z},
          {"threshold", fit.mean + z * fit.std},
          {"margin", fit.std},
          {"borderline_band", fit.std}};
}

// Templates for everyone, from cached enrollment-quality portraits.
struct Enrolled {
  std::map<std::string, face::Embedding> templates;
  std::vector<std::pair<std::string, Error>> rejected;
};

Result<Enrolled> enroll_everyone(face::Engine& engine, const fs::path& data) {
  auto people = read_people(data / "identities");
  if (!people) return people.error();
  auto built = build_gallery(engine, *people);
  if (!built) return built.error();
  Enrolled out;
  for (const auto& [name, photos] : (*built)->photos) {
    std::vector<face::WeightedEmbedding> sources;
    for (const auto& p : photos)
      sources.push_back({p.face.embedding, face::template_weight(p.face.quality)});
    auto made = face::make_template(std::move(sources));
    if (!made) return made.error();
    out.templates[name] = made->combined;
  }
  for (const auto& r : (*built)->rejected) out.rejected.push_back({r.path.string(), r.why});
  return out;
}

struct Candidates {
  face::Gallery gallery;
  std::map<StudentId, std::string> names;
};

std::unique_ptr<Candidates> gallery_of(const Enrolled& enrolled, const std::string& leave_out) {
  auto c = std::make_unique<Candidates>();
  std::int64_t id = 0;
  for (const auto& [name, t] : enrolled.templates) {
    ++id;
    if (name == leave_out) continue;
    (void)c->gallery.put(StudentId{id}, t.values);
    c->names[StudentId{id}] = name;
  }
  return c;
}

// Each person left out in turn; their portraits must match nobody.
json open_set(const std::vector<Photo>& photos, const Enrolled& enrolled,
              const face::MatchPolicy& policy) {
  int probes = 0, accepted = 0, borderline = 0;
  json examples = json::array();
  for (const auto& [name, t] : enrolled.templates) {
    const auto candidates = gallery_of(enrolled, name);
    for (const auto& p : photos) {
      if (p.identity != name || !p.embedding) continue;
      const auto m = face::assign_faces({candidates->gallery.scores(p.embedding->values)},
                                        candidates->gallery.students(), {true}, policy);
      ++probes;
      if (m[0].status == face::MatchStatus::matched) {
        ++accepted;
        examples.push_back({{"probe", p.path.string()},
                            {"matched", candidates->names[*m[0].student]},
                            {"similarity", m[0].similarity}});
      }
      if (m[0].status == face::MatchStatus::borderline) ++borderline;
    }
  }
  return {{"probes", probes},
          {"false_accepts", accepted},
          {"false_accept_rate", probes ? double(accepted) / probes : 0.0},
          {"flagged_borderline", borderline},
          {"false_accept_examples", examples}};
}

// Group photos: everyone enrolled; present people must be found once,
// everybody else must stay unknown.
Result<json> groups(face::Engine& engine, const fs::path& data, const Enrolled& enrolled,
                    const face::MatchPolicy& policy) {
  auto rows = read_csv(data / "groups.csv");
  if (!rows) return rows.error();
  const auto candidates = gallery_of(enrolled, "");
  json per_photo = json::array();
  int correct = 0, wrong = 0, missed = 0, strangers = 0, stranger_accepts = 0, twice = 0;
  std::vector<fs::path> paths;
  for (auto& row : *rows) paths.push_back(data / row["path"]);
  paths.push_back(data / "negatives/dogs.jpg");
  for (std::size_t r = 0; r < paths.size(); ++r) {
    const std::set<std::string> present =
        r < rows->size() ? split_names((*rows)[r]["people_present"]) : std::set<std::string>{};
    auto bytes = read_file(paths[r]);
    if (!bytes) return bytes.error();
    auto analysis = engine.analyze(*bytes, face::QualityPolicy::recognition(), {});
    if (!analysis) return analysis.error();
    const auto matches = face::recognise(*analysis, candidates->gallery, policy);
    std::multiset<std::string> found;
    int photo_wrong = 0, photo_borderline = 0;
    for (const auto& m : matches) {
      if (m.status == face::MatchStatus::borderline) ++photo_borderline;
      if (m.status != face::MatchStatus::matched) continue;
      const std::string& name = candidates->names[*m.student];
      found.insert(name);
      if (!present.count(name)) ++photo_wrong;
    }
    int photo_correct = 0, photo_missed = 0;
    for (const auto& name : present) {
      photo_correct += found.count(name) ? 1 : 0;
      photo_missed += found.count(name) ? 0 : 1;
      twice += found.count(name) > 1 ? 1 : 0;
    }
    const int photo_strangers = static_cast<int>(matches.size()) - photo_correct;
    correct += photo_correct;
    missed += photo_missed;
    wrong += photo_wrong;
    strangers += photo_strangers;
    stranger_accepts += photo_wrong;
    per_photo.push_back({{"photo", paths[r].filename().string()},
                         {"faces", matches.size()},
                         {"present", present.size()},
                         {"correct", photo_correct},
                         {"missed", photo_missed},
                         {"wrong", photo_wrong},
                         {"borderline", photo_borderline}});
  }
  return json{
      {"photos", per_photo},
      {"correct", correct},
      {"missed", missed},
      {"wrong", wrong},
      {"assigned_twice", twice},
      {"stranger_faces", strangers},
      {"stranger_false_accept_rate", strangers ? double(stranger_accepts) / strangers : 0.0}};
}

Result<json> detection(face::Engine& engine, const fs::path& data, bool with_peers) {
  auto boxes = read_csv(data / "boxes.csv");
  if (!boxes) return boxes.error();
  std::map<std::string, std::vector<cv::Rect2f>> truth;
  for (auto& b : *boxes) {
    truth[b["path"]].emplace_back(std::stof(b["x"]), std::stof(b["y"]), std::stof(b["w"]),
                                  std::stof(b["h"]));
  }
  std::map<std::string, std::vector<cv::Rect2f>> all_truth, yunet, hog, haar;
  for (const auto& [path, hand] : truth) {
    auto bytes = read_file(data / path);
    if (!bytes) return bytes.error();
    auto image = face::decode_image(*bytes);
    if (!image) return image.error();
    auto analysis = engine.analyze(*image, face::QualityPolicy::recognition());
    if (!analysis) return analysis.error();
    for (const auto& f : analysis->faces) yunet[path].push_back(f.detection.box);
    if (with_peers) {
      hog[path] = detect_with_dlib_hog(*image);
      auto h = detect_with_haar(*image);
      if (!h) return h.error();
      haar[path] = *h;
    }
  }
  const auto total = [&](std::map<std::string, std::vector<cv::Rect2f>>& found) {
    std::vector<cv::Rect2f> t, f;
    json per_photo = json::object();
    int hits = 0;
    std::size_t annotated = 0, detected = 0;
    for (const auto& [path, hand] : truth) {
      const json s = detection_score(hand, found[path]);
      per_photo[path] = s;
      hits += s["true_positives"].get<int>();
      annotated += hand.size();
      detected += found[path].size();
    }
    return json{{"annotated", annotated},
                {"detected", detected},
                {"true_positives", hits},
                {"recall", annotated ? double(hits) / double(annotated) : 0.0},
                {"precision", detected ? double(hits) / double(detected) : 0.0},
                {"per_photo", per_photo}};
  };
  json out = {{"match_rule", "IoU >= 0.3"}, {"yunet", total(yunet)}};
  if (with_peers) {
    out["dlib_hog"] = total(hog);
    out["opencv_haar"] = total(haar);
  }
  return out;
}

}  // namespace

Result<json> evaluate(face::Engine& engine, const EvalOptions& options) {
  const fs::path& data = options.data_dir;
  auto photos = embed_identities(engine, data);
  if (!photos) return photos.error();
  std::vector<ScoredPair> pairs;
  json report;
  report["model"] = engine.model_id();
  report["verification"] = verification(*photos, pairs);
  report["recommended"] = recommend(pairs);
  report["policy"] = {{"threshold", options.policy.threshold},
                      {"margin", options.policy.margin},
                      {"borderline_band", options.policy.borderline_band}};
  const OperatingPoint at = rates_at(pairs, options.policy.threshold);
  report["at_policy_threshold"] = {
      {"accuracy", accuracy_at(pairs, options.policy.threshold)}, {"tar", at.tar}, {"far", at.far}};
  auto enrolled = enroll_everyone(engine, data);
  if (!enrolled) return enrolled.error();
  json rejected = json::array();
  for (const auto& [path, why] : enrolled->rejected) {
    rejected.push_back({{"photo", path}, {"code", why.code}, {"message", why.message}});
  }
  report["enrollment"] = {{"people", enrolled->templates.size()}, {"rejected_photos", rejected}};
  report["open_set"] = open_set(*photos, *enrolled, options.policy);
  auto g = groups(engine, data, *enrolled, options.policy);
  if (!g) return g.error();
  report["groups"] = *g;
  auto d = detection(engine, data, options.with_peers);
  if (!d) return d.error();
  report["detection"] = *d;
  return report;
}

}  // namespace rollcall::eval
