// tests/test_support.h
//
// Where tests find the real photos and models, and one shared engine per
// test binary (loading models once keeps the suite fast).
#pragma once

#include <gtest/gtest.h>

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
