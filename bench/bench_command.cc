// bench/bench_command.cc
//
// `rollcall bench`: runs the stages, prints figures and whether each target
// of the face engine is met. Targets (issue #3, 2 cores, no GPU) live here
// next to the figures they judge.
#include <iostream>

#include <CLI/CLI.hpp>

#include "abuse_bench.h"
#include "app/config.h"
#include "app/output.h"
#include "checkin_bench.h"
#include "server_bench.h"
#include "stages.h"

namespace rollcall::app {
namespace {

using nlohmann::json;

struct BenchCommand {
  std::string models_dir = default_models_dir().string();
  std::string data_dir = default_data_dir().string();
  int repeat = 10;
  bool is_quick = false;
  bool with_python = false;
  bool is_json = false;
};

struct Target {
  std::string what;
  double limit_ms;
  double measured_ms;
};

std::vector<Target> targets(const json& r) {
  const auto& cls = r["class_photo"]["default (2 contexts, 2 OpenCV threads, split batch)"];
  return {
      {"class photo, 54 faces (class_54), decode -> assign", 1000,
       cls["groups/class_54.jpg"]["median_ms"]},
      {"class photo, 26 faces (class_26), decode -> assign", 1000,
       cls["groups/class_26.jpg"]["median_ms"]},
      {"selfie verification (decode, detect, embed, compare)", 60,
       r["selfie"]["identities/jeff_bezos/01.jpg"]["median_ms"]},
      {"embedding per face, one thread (batch of 16)", 10,
       r["embed"]["batch of 16"]["per_face_ms"]},
      {"identify among 100 000 embeddings", 5, r["gallery"]["100000"]["per_query_ms"]},
  };
}

void print_section(const std::string& title, const json& section) {
  std::cout << title << "\n";
  for (const auto& [name, value] : section.items()) {
    if (value.contains("median_ms")) {
      std::cout << "  " << name << ": median " << fixed(value["median_ms"].get<double>(), 1)
                << " ms, p90 " << fixed(value["p90_ms"].get<double>(), 1) << " ms";
      for (const auto& [k, v] : value.items()) {
        if (k != "median_ms" && k != "p90_ms" && k != "runs")
          std::cout << ", " << k << " " << v.dump();
      }
      std::cout << "\n";
    } else {
      std::cout << "  " << name << ": " << value.dump() << "\n";
    }
  }
}

void run(const BenchCommand& c) {
  bench::BenchContext ctx{c.data_dir, c.models_dir, c.is_quick ? 3 : c.repeat, c.is_quick,
                          [](const std::string& line) { std::cerr << "bench: " << line << "\n"; }};
  json r;
  try {
    const auto stage = [&](const char* name, json (*fn)(const bench::BenchContext&)) {
      ctx.progress(name);
      r[name] = fn(ctx);
    };
    stage("decode", bench::bench_decode);
    stage("detect", bench::bench_detect);
    stage("embed", bench::bench_embed);
    stage("match", bench::bench_match);
    stage("class_photo", bench::bench_class_photo);
    stage("selfie", bench::bench_selfie);
    stage("gallery", bench::bench_gallery);
    if (c.with_python) stage("python_side_by_side", bench::bench_python);
  } catch (const std::exception& e) {
    throw CLI::RuntimeError(report_error(make_error("bench_failed", e.what())));
  }
  json verdicts = json::array();
  for (const auto& t : targets(r)) {
    verdicts.push_back({{"target", t.what},
                        {"limit_ms", t.limit_ms},
                        {"measured_ms", t.measured_ms},
                        {"pass", t.measured_ms <= t.limit_ms}});
  }
  r["targets"] = verdicts;
  if (c.is_json) {
    print_json(r);
    return;
  }
  for (const auto& [name, section] : r.items()) {
    if (name != "targets") print_section(name, section);
  }
  std::cout << "\ntargets\n";
  for (const auto& v : verdicts) {
    std::cout << "  " << (v["pass"].get<bool>() ? "PASS " : "MISS ")
              << v["target"].get<std::string>() << ": " << fixed(v["measured_ms"].get<double>(), 2)
              << " ms (target <= " << v["limit_ms"].get<double>() << " ms)\n";
  }
}

}  // namespace

void add_bench_commands(CLI::App& cli) {
  static BenchCommand command;
  auto* b = cli.add_subcommand("bench", "time every stage of the face pipeline against its target");
  b->add_option("--models", command.models_dir, "model directory (ROLLCALL_MODELS)");
  b->add_option("--data", command.data_dir, "photos laid out like ../shared/data (ROLLCALL_DATA)")
      ->check(CLI::ExistingDirectory);
  b->add_option("--repeat", command.repeat, "timed runs per figure (after one warm-up)")
      ->check(CLI::Range(1, 1000));
  b->add_flag("--quick", command.is_quick,
              "3 runs per figure, default settings only (CI smoke run)");
  b->add_flag("--python", command.with_python,
              "also time bench/python_reference.py side by side (needs python3-opencv)");
  b->add_flag("--json", command.is_json, "print JSON");
  b->callback([b] {
    if (b->get_subcommands().empty()) run(command);  // else `bench server|checkin` ran
  });
  bench::add_server_bench_command(*b);
  bench::add_checkin_bench_command(*b);
  bench::add_abuse_bench_command(*b);
}

}  // namespace rollcall::app
