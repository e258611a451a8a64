// tests/test_support.h
//
// Where tests find the real photos and models, and one shared engine per
// test binary (loading models once keeps the suite fast).
#pragma once

#include <gtest/gtest.h>

#include <sys/wait.h>
#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "app/config.h"
#include "eval/dataset.h"
#include "face/face.h"

namespace rollcall::testing {

namespace fs = std::filesystem;

inline fs::path data_dir() {
  const char* env = std::getenv("ROLLCALL_DATA");
  return env ? fs::path(env) : fs::path(ROLLCALL_TEST_DATA);
}

inline fs::path models_dir() {
  const char* env = std::getenv("ROLLCALL_MODELS");
  return env ? fs::path(env) : fs::path(ROLLCALL_TEST_MODELS);
}

inline fs::path photo(const std::string& relative) { return data_dir() / relative; }

inline std::vector<std::uint8_t> bytes_of(const std::string& relative) {
  auto bytes = eval::read_file(photo(relative));
  EXPECT_TRUE(bytes.ok()) << relative;
  return bytes.ok() ? std::move(bytes).value() : std::vector<std::uint8_t>{};
}

inline cv::Mat image_of(const std::string& relative) {
  auto image = face::decode_image(bytes_of(relative));
  EXPECT_TRUE(image.ok()) << relative;
  return image.ok() ? *image : cv::Mat();
}

// The `rollcall` binary run as a user runs it: exit status and stdout +
// stderr together. `env` is prepended to the command (VAR=value ...).
struct CommandRun {
  int status;
  std::string output;
};
inline CommandRun run_rollcall(const std::string& args, const std::string& env = "") {
  const std::string command = "ROLLCALL_MODELS='" + models_dir().string() + "' " + env + " " +
                              ROLLCALL_BINARY + " " + args + " 2>&1";
  FILE* pipe = popen(command.c_str(), "r");
  std::string out;
  std::array<char, 4096> buffer;
  while (std::size_t n = fread(buffer.data(), 1, buffer.size(), pipe)) out.append(buffer.data(), n);
  const int status = pclose(pipe);
  return {WEXITSTATUS(status), out};
}

// The engine every face test shares; fails the test if models are missing.
inline face::Engine& engine() {
  static std::unique_ptr<face::Engine> shared = [] {
    auto loaded = app::load_engine(models_dir());
    if (!loaded) {
      ADD_FAILURE() << loaded.error().code << ": " << loaded.error().message;
      std::abort();
    }
    return std::move(loaded).value();
  }();
  return *shared;
}

}  // namespace rollcall::testing
