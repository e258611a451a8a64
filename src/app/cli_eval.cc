// src/app/cli_eval.cc
//
// `rollcall eval`: accuracy on a labelled data set (docs/ACCURACY.md).
#include <iostream>

#include "app/app.h"
#include "app/config.h"
#include "app/output.h"
#include "eval/evaluation.h"
#include "eval/liveness_eval.h"

namespace rollcall::app {
namespace {

struct EvalCommand {
  std::string models_dir = default_models_dir().string();
  std::string data_dir = default_data_dir().string();
  bool with_peers = false;
  bool is_json = false;
  bool is_liveness = false;
  int spoofs_per_photo = eval::LivenessEvalOptions{}.spoofs_per_photo;
};

std::string percent(const nlohmann::json& v) { return fixed(v.get<double>() * 100, 2) + " %"; }

void print_text(const nlohmann::json& r) {
  const auto& v = r["verification"];
  std::cout << "model " << r["model"].get<std::string>() << "\n\n"
            << "Verification (" << v["photos"] << " photos, " << v["same_person_pairs"]
            << " same / " << v["different_person_pairs"] << " different pairs, "
            << v["photos_without_face"] << " photos without a face)\n"
            << "  10-fold accuracy          " << percent(v["accuracy_10fold_mean"]) << " (std "
            << percent(v["accuracy_10fold_std"]) << ")\n"
            << "  ROC AUC                   " << fixed(v["roc_auc"].get<double>(), 4) << "\n"
            << "  TAR at FAR 1e-2           " << percent(v["tar_at_far_1e-2"]) << " (threshold "
            << fixed(v["threshold_at_far_1e-2"].get<double>()) << ")\n"
            << "  TAR at FAR 1e-3           " << percent(v["tar_at_far_1e-3"]) << " (threshold "
            << fixed(v["threshold_at_far_1e-3"].get<double>()) << ")\n"
            << "  lowest same / highest different  " << fixed(v["lowest_same_person"].get<double>())
            << " / " << fixed(v["highest_different_person"].get<double>()) << "\n"
            << "  rank-1                    " << percent(v["rank1"]) << " (" << v["rank1_probes"]
            << " probes)\n\n";
  const auto& rec = r["recommended"];
  std::cout << "Threshold method: different-person scores ~ N("
            << fixed(rec["impostor_mean"].get<double>()) << ", "
            << fixed(rec["impostor_std"].get<double>()) << "); FAR "
            << rec["target_far_per_comparison"].get<double>()
            << " per comparison at z = " << fixed(rec["z"].get<double>(), 2) << "\n"
            << "  recommended threshold " << fixed(rec["threshold"].get<double>()) << ", margin "
            << fixed(rec["margin"].get<double>()) << ", borderline band "
            << fixed(rec["borderline_band"].get<double>()) << "\n";
  const auto& p = r["policy"];
  const auto& at = r["at_policy_threshold"];
  std::cout << "  policy in use: threshold " << fixed(p["threshold"].get<double>()) << ", margin "
            << fixed(p["margin"].get<double>()) << ": accuracy " << percent(at["accuracy"])
            << ", TAR " << percent(at["tar"]) << ", FAR " << percent(at["far"]) << "\n\n";
  const auto& o = r["open_set"];
  std::cout << "Open set (each person left out, their photos probed): " << o["false_accepts"]
            << " of " << o["probes"] << " accepted = " << percent(o["false_accept_rate"]) << "; "
            << o["flagged_borderline"] << " flagged borderline\n\n";
  const auto& g = r["groups"];
  std::cout << "Group photos (everyone enrolled, " << r["enrollment"]["people"] << " people):\n";
  for (const auto& ph : g["photos"]) {
    std::cout << "  " << ph["photo"].get<std::string>() << ": " << ph["faces"] << " faces, present "
              << ph["present"] << ", correct " << ph["correct"] << ", missed " << ph["missed"]
              << ", wrong " << ph["wrong"] << ", borderline " << ph["borderline"] << "\n";
  }
  std::cout << "  total: correct " << g["correct"] << ", missed " << g["missed"] << ", wrong "
            << g["wrong"] << ", assigned twice " << g["assigned_twice"] << "; stranger faces "
            << g["stranger_faces"] << ", false accept rate "
            << percent(g["stranger_false_accept_rate"]) << "\n\n";
  const auto& d = r["detection"];
  std::cout << "Detection on hand-annotated photos (" << d["match_rule"].get<std::string>()
            << ")\n";
  for (const char* name : {"yunet", "dlib_hog", "opencv_haar"}) {
    if (!d.contains(name)) continue;
    const auto& s = d[name];
    std::cout << "  " << name << ": recall " << percent(s["recall"]) << " (" << s["true_positives"]
              << " of " << s["annotated"] << "), precision " << percent(s["precision"]) << " ("
              << s["detected"] << " detections)\n";
  }
  for (const auto& rej : r["enrollment"]["rejected_photos"]) {
    std::cout << "enrollment refused " << rej["photo"].get<std::string>() << ": "
              << rej["message"].get<std::string>() << "\n";
  }
}

std::string distribution(const nlohmann::json& s) {
  if (s["count"].get<int>() == 0) return "none";
  std::string out =
      std::to_string(s["count"].get<int>()) + " values: min " + fixed(s["min"].get<double>(), 4);
  for (const char* p : {"p01", "p02", "p05", "p10", "p50", "p90", "p99", "p999"}) {
    out += std::string(", ") + p + " " + fixed(s[p].get<double>(), 4);
  }
  return out + ", max " + fixed(s["max"].get<double>(), 4);
}

void print_liveness_text(const nlohmann::json& r) {
  const auto& s = r["spoofs"];
  const auto& v = r["live_video"];
  const auto& p = r["passive"];
  const auto& policy = r["policy"];
  std::cout << "Landmark motion (eye distances), policy min_motion "
            << fixed(policy["min_motion"].get<double>(), 4) << "\n"
            << "  synthetic held-up photos (" << s["photos"] << " photos, "
            << s["sequences_per_photo"] << " sequences each of " << s["frames_per_sequence"]
            << " frames; " << s["photos_without_face"] << " photos without a face, "
            << s["sequences_with_fewer_than_2_faces"] << " sequences with < 2 faces):\n    "
            << distribution(s["motion"]) << "\n    passing the policy: " << s["passing_policy"]
            << "\n"
            << "  real clip, 4 s windows every 0.5 s:\n    " << distribution(v["motion"])
            << "\n    failing the policy: " << v["failing_policy"] << "\n";
  for (const auto& w : v["windows"]) {
    std::cout << "    " << fixed(w["start_s"].get<double>(), 1) << " s: ";
    if (w.contains("error")) {
      std::cout << w["error"].get<std::string>() << "\n";
      continue;
    }
    std::cout << w["usable_frames"] << " usable";
    if (w.contains("motion")) std::cout << ", motion " << fixed(w["motion"].get<double>(), 4);
    if (w.contains("passive_live"))
      std::cout << ", p(live) " << fixed(w["passive_live"].get<double>(), 3);
    std::cout << ", " << fixed(w["analyze_ms"].get<double>(), 0) << " ms\n";
  }
  std::cout << "\nPassive p(live), policy min_passive_live "
            << fixed(policy["min_passive_live"].get<double>(), 3);
  if (!p["loaded"].get<bool>()) {
    std::cout << ": model not loaded\n";
    return;
  }
  std::cout << "\n  identity photos: " << distribution(p["identity_photos"])
            << "\n  clip frames:     " << distribution(p["video_frames"])
            << "\n  synthetic held-up photos (first frame of each, NOT real spoofs): "
            << distribution(p["synthetic_held_up_photos"])
            << "\n  all genuine:     " << distribution(p["all_genuine"])
            << "\n  genuine faces failing the policy: " << p["genuine_failing_policy"] << "\n";
}

void run(const EvalCommand& c) {
  auto engine = load_engine(c.models_dir);
  if (!engine) throw CLI::RuntimeError(report_error(engine.error()));
  if (c.is_liveness) {
    eval::LivenessEvalOptions options;
    options.data_dir = c.data_dir;
    options.spoofs_per_photo = c.spoofs_per_photo;
    auto report = eval::evaluate_liveness(**engine, options);
    if (!report) throw CLI::RuntimeError(report_error(report.error()));
    if (c.is_json) {
      print_json(*report);
    } else {
      print_liveness_text(*report);
    }
    return;
  }
  eval::EvalOptions options{c.data_dir, c.with_peers, face::MatchPolicy{}};
  auto report = eval::evaluate(**engine, options);
  if (!report) throw CLI::RuntimeError(report_error(report.error()));
  if (c.is_json) {
    print_json(*report);
  } else {
    print_text(*report);
  }
}

}  // namespace

void add_eval_commands(CLI::App& cli) {
  static EvalCommand command;
  auto* e = cli.add_subcommand("eval", "measure accuracy on a labelled data set");
  e->add_option("--models", command.models_dir, "model directory (ROLLCALL_MODELS)");
  e->add_option("--data", command.data_dir, "data set laid out like ../shared/data (ROLLCALL_DATA)")
      ->check(CLI::ExistingDirectory);
  e->add_flag("--peers", command.with_peers, "also measure dlib HOG and OpenCV Haar detection");
  e->add_flag("--json", command.is_json, "print JSON");
  e->add_flag("--liveness", command.is_liveness,
              "measure the liveness signals instead (docs/ACCURACY.md \"Liveness (issue 6)\")");
  e->add_option("--spoofs", command.spoofs_per_photo,
                "with --liveness: synthetic held-up-photo clips per identity photo")
      ->check(CLI::Range(1, 1000));
  e->callback([] { run(command); });
}

}  // namespace rollcall::app
