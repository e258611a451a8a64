// src/app/config.cc
#include "app/config.h"

#include <cstdlib>

#include "models/models.h"

namespace rollcall::app {
namespace {

std::string env(const char* name) {
  const char* value = std::getenv(name);
  return value ? value : "";
}

}  // namespace

fs::path default_models_dir() {
  if (auto dir = env("ROLLCALL_MODELS"); !dir.empty()) return dir;
  if (auto cache = env("XDG_CACHE_HOME"); !cache.empty())
    return fs::path(cache) / "rollcall/models";
  if (auto home = env("HOME"); !home.empty()) return fs::path(home) / ".cache/rollcall/models";
  return "models";
}

fs::path default_data_dir() {
  if (auto dir = env("ROLLCALL_DATA"); !dir.empty()) return dir;
  return "../shared/data";
}

Result<std::unique_ptr<face::Engine>> load_engine(const fs::path& models_dir,
                                                  face::EngineOptions options) {
  std::string problems;
  for (const auto& status : models::check_models(models_dir)) {
    if (status.state != models::FileState::ok) {
      problems += "\n  " + status.spec.file + ": " + status.message;
    }
    switch (status.spec.role) {
      case models::Role::detector:
        options.detector_path = status.path.string();
        break;
      case models::Role::recogniser:
        options.recogniser_path = status.path.string();
        options.recogniser_id = status.spec.id();
        break;
      case models::Role::liveness:
        options.liveness_path = status.path.string();
        break;
    }
  }
  if (!problems.empty()) {
    return make_error("models_not_ready",
                      "models in " + models_dir.string() + " are not ready:" + problems);
  }
  return face::Engine::load(options);
}

}  // namespace rollcall::app
