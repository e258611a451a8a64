// src/app/cli_models.cc
//
// `rollcall models fetch | check | list`.
#include <iostream>

#include "app/app.h"
#include "app/config.h"
#include "app/output.h"
#include "models/models.h"

namespace rollcall::app {
namespace {

struct ModelOptions {
  std::string dir = default_models_dir().string();
  std::string from;
  bool is_offline = false;
  bool is_json = false;
};

nlohmann::json to_json(const models::ModelStatus& s) {
  static const char* kStates[] = {"ok", "missing", "wrong_size", "wrong_hash"};
  return {{"file", s.spec.file},
          {"role", models::to_string(s.spec.role)},
          {"id", s.spec.id()},
          {"sha256", s.spec.sha256},
          {"bytes", s.spec.bytes},
          {"path", s.path.string()},
          {"state", kStates[static_cast<int>(s.state)]},
          {"message", s.message}};
}

// Prints the statuses; true iff every file is verified.
bool print(const std::vector<models::ModelStatus>& statuses, bool is_json) {
  bool all_ok = true;
  nlohmann::json out = nlohmann::json::array();
  for (const auto& s : statuses) {
    all_ok = all_ok && s.state == models::FileState::ok;
    out.push_back(to_json(s));
    if (!is_json) std::cout << s.spec.file << ": " << s.message << "\n";
  }
  if (is_json) print_json(out);
  return all_ok;
}

void run_check(const ModelOptions& o) {
  if (!print(models::check_models(o.dir), o.is_json)) throw CLI::RuntimeError(3);
}

void run_fetch(const ModelOptions& o) {
  models::FetchOptions options;
  if (!o.from.empty()) options.local_source = fs::path(o.from);
  options.is_offline = o.is_offline;
  if (!o.is_json) {
    options.progress = [](const std::string& line) { std::cout << line << "\n"; };
    std::cout << "models into " << o.dir << "\n";
  }
  auto fetched = models::fetch_models(o.dir, options);
  if (!fetched) throw CLI::RuntimeError(report_error(fetched.error()));
  if (o.is_json) print(*fetched, true);
}

void run_list() {
  for (const auto& spec : models::catalogue()) {
    std::cout << spec.id() << "  " << models::to_string(spec.role) << "  " << spec.file << "  "
              << spec.bytes << " bytes  sha256 " << spec.sha256 << "  " << spec.licence << "\n";
    for (const auto& npm : spec.npm)
      std::cout << "    npm " << npm.package << " : " << npm.path_in_tarball << "\n";
    for (const auto& url : spec.urls) std::cout << "    url " << url.url << "\n";
  }
}

}  // namespace

void add_model_commands(CLI::App& cli) {
  static ModelOptions options;
  auto* models = cli.add_subcommand("models", "fetch and verify the pinned model files");
  models->require_subcommand(1);
  models->add_option("--dir", options.dir, "model directory (ROLLCALL_MODELS)");

  auto* fetch = models->add_subcommand("fetch", "download what is missing, verify every file");
  fetch->add_option("--from", options.from, "a local directory to copy from first (verified)");
  fetch->add_flag("--offline", options.is_offline, "use only --from, never the network");
  fetch->add_flag("--json", options.is_json, "print JSON");
  fetch->callback([] { run_fetch(options); });

  auto* check = models->add_subcommand("check", "verify size and SHA-256 of every file");
  check->add_flag("--json", options.is_json, "print JSON");
  check->callback([] { run_check(options); });

  models->add_subcommand("list", "the pinned models and their sources")->callback(run_list);
}

}  // namespace rollcall::app
