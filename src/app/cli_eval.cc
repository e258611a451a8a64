// src/app/cli_eval.cc
//
// `rollcall eval`: accuracy on a labelled data set (docs/ACCURACY.md).
#include <iostream>

#include "app/app.h"
#include "app/config.h"
#include "app/output.h"
#include "eval/evaluation.h"

namespace rollcall::app {
namespace {

struct EvalCommand {
  std::string models_dir = default_models_dir().string();
  std::string data_dir = default_data_dir().string();
  bool with_peers = false;
  bool is_json = false;
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

void run(const EvalCommand& c) {
  auto engine = load_engine(c.models_dir);
  if (!engine) throw CLI::RuntimeError(report_error(engine.error()));
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
  e->callback([] { run(command); });
}

}  // namespace rollcall::app
