// src/app/config.h
//
// Where things are: the model directory, the test data, and the face
// engine settings that follow from them.
#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include "base/result.h"
#include "face/engine.h"

namespace rollcall::app {

namespace fs = std::filesystem;

// ROLLCALL_MODELS, else $XDG_CACHE_HOME/rollcall/models, else
// ~/.cache/rollcall/models.
fs::path default_models_dir();

// ROLLCALL_DATA, else ../shared/data (the layout CI and tests use).
fs::path default_data_dir();

// Checks every model file (size and SHA-256) and loads the engine.
// Errors: models_not_ready (with what is wrong and the command that fixes
// it), model_load_failed.
Result<std::unique_ptr<face::Engine>> load_engine(const fs::path& models_dir,
                                                  face::EngineOptions options = {});

}  // namespace rollcall::app
