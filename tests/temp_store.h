// tests/temp_store.h
//
// TempStoreTest: a fixture with a fresh SQLite store in its own temporary
// directory, removed afterwards; for tests of what sits on the store
// (domain rules, bots) that need a real database but not both back ends.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <random>
#include <string>

#include "store/store.h"

namespace rollcall::testing {

class TempStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("rollcall-test-" + std::to_string(std::random_device{}()));
    store::StoreOptions options;
    options.data_dir = dir_;
    options.pool_size = 2;
    auto opened = store::Store::open(options);
    ASSERT_TRUE(opened.ok()) << opened.error().message;
    store_ = std::move(opened).value();
  }
  void TearDown() override {
    store_.reset();
    std::filesystem::remove_all(dir_);
  }

  std::filesystem::path dir_;
  std::unique_ptr<store::Store> store_;
};

}  // namespace rollcall::testing
