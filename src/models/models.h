// src/models/models.h
//
// The models module: which model files Rollcall runs on, pinned by SHA-256
// and size, and getting them into the model directory intact.
// Owns: the catalogue (model_catalog.cc), hashing, fetching from a local
// directory, an npm package or a URL, and checking what is on disk.
// Leaves to others: loading the files into networks (face).
// Invariants: a file is never placed in the model directory unless its
// size and SHA-256 match the catalogue; downloads land in a temporary file
// first and are renamed into place only once verified.
// Thread safety: free functions; do not fetch into one directory from two
// processes at once.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"

namespace rollcall::models {

enum class Role { detector, recogniser, liveness };
std::string to_string(Role role);

// Where a file can be fetched from, tried in order.
struct NpmSource {
  std::string package;          // "name@version"
  std::string tarball_sha256;   // of the .tgz that `npm pack` produces
  std::string path_in_tarball;  // e.g. "package/model/fr_feature.onnx"
};
struct UrlSource {
  std::string url;
};

struct ModelSpec {
  std::string file;  // file name inside the model directory
  Role role;
  std::string sha256;  // lower-case hex
  std::uint64_t bytes;
  std::string licence;
  std::vector<NpmSource> npm;
  std::vector<UrlSource> urls;

  // Tags embeddings and logs: the file stem and the first 8 hex digits of
  // its hash, e.g. "fr_feature@87aacdfe". Changes iff the bytes change.
  std::string id() const;
};

// The default models (models README: YuNet 2022mar, fr_feature, fr_liveness).
const std::vector<ModelSpec>& catalogue();
// Errors: model_unknown.
Result<ModelSpec> find_model(Role role);

// SHA-256 of a file as lower-case hex. Errors: file_unreadable.
Result<std::string> sha256_file(const std::filesystem::path& path);

enum class FileState { ok, missing, wrong_size, wrong_hash };

struct ModelStatus {
  ModelSpec spec;
  std::filesystem::path path;
  FileState state = FileState::missing;
  std::string message;  // says what is wrong and what to do
};

// Checks every catalogued file in `dir` (size first, then hash).
std::vector<ModelStatus> check_models(const std::filesystem::path& dir);
ModelStatus check_model(const ModelSpec& spec, const std::filesystem::path& dir);

struct FetchOptions {
  // Looked in first (e.g. ../shared/models); files there are verified
  // like any download.
  std::optional<std::filesystem::path> local_source;
  // Offline: only local_source is tried.
  bool is_offline = false;
  std::function<void(const std::string&)> progress;  // one line per step
};

// Makes every catalogued file present and verified in `dir`, skipping the
// ones already there. Errors: model_fetch_failed (no source gave the
// right bytes; the message names every attempt), model_dir_unwritable.
Result<std::vector<ModelStatus>> fetch_models(const std::filesystem::path& dir,
                                              const FetchOptions& options);

}  // namespace rollcall::models
