// tests/models/models_test.cc
//
// The model check and fetch on the real model files: a tampered or cut
// file is refused, a good one installed once.
#include "models/models.h"

#include <fstream>

#include "test_support.h"

namespace rollcall::models {
namespace {

namespace fs = std::filesystem;

class ModelsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() /
            ("rollcall-models-" + std::to_string(::getpid()) + "-" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(root_);
    fs::create_directories(root_ / "source");
  }
  void TearDown() override { fs::remove_all(root_); }

  // A copy of the real model directory that a test may damage.
  fs::path copy_of_models() {
    for (const auto& spec : catalogue()) {
      fs::copy_file(rollcall::testing::models_dir() / spec.file, root_ / "source" / spec.file);
    }
    return root_ / "source";
  }

  fs::path root_;
};

void flip_a_byte(const fs::path& file) {
  std::fstream f(file, std::ios::in | std::ios::out | std::ios::binary);
  f.seekg(1000);
  char c = 0;
  f.read(&c, 1);
  f.seekp(1000);
  c = static_cast<char>(c ^ 0x01);
  f.write(&c, 1);
}

TEST_F(ModelsTest, TheRealModelsPassTheCheck) {
  for (const auto& status : check_models(rollcall::testing::models_dir())) {
    EXPECT_EQ(status.state, FileState::ok) << status.spec.file << ": " << status.message;
  }
}

TEST_F(ModelsTest, CheckRefusesATamperedFile) {
  const fs::path dir = copy_of_models();
  flip_a_byte(dir / "fr_feature.onnx");
  const auto status = check_model(*find_model(Role::recogniser), dir);
  EXPECT_EQ(status.state, FileState::wrong_hash);
  EXPECT_NE(status.message.find("expected 87aacdfe"), std::string::npos) << status.message;
}

TEST_F(ModelsTest, CheckRefusesATruncatedFile) {
  const fs::path dir = copy_of_models();
  fs::resize_file(dir / "face_detection_yunet_2022mar.onnx", 1000);
  const auto status = check_model(*find_model(Role::detector), dir);
  EXPECT_EQ(status.state, FileState::wrong_size);
  EXPECT_NE(status.message.find("size is 1000 bytes, expected 345478"), std::string::npos);
}

TEST_F(ModelsTest, CheckReportsAMissingFile) {
  const auto status = check_model(*find_model(Role::detector), root_);
  EXPECT_EQ(status.state, FileState::missing);
}

TEST_F(ModelsTest, FetchInstallsVerifiedCopiesFromALocalDirectory) {
  const fs::path source = copy_of_models();
  const fs::path target = root_ / "cache";
  const auto fetched =
      fetch_models(target, {.local_source = source, .is_offline = true, .progress = {}});
  ASSERT_TRUE(fetched.ok()) << fetched.error().message;
  for (const auto& status : *fetched) EXPECT_EQ(status.state, FileState::ok);
}

TEST_F(ModelsTest, FetchSkipsFilesAlreadyVerified) {
  const fs::path source = copy_of_models();
  const fs::path target = root_ / "cache";
  ASSERT_TRUE(
      fetch_models(target, {.local_source = source, .is_offline = true, .progress = {}}).ok());
  std::vector<std::string> lines;
  const auto again = fetch_models(
      target, {.local_source = source, .is_offline = true, .progress = [&](const std::string& l) {
                 lines.push_back(l);
               }});
  ASSERT_TRUE(again.ok());
  ASSERT_EQ(lines.size(), catalogue().size());
  for (const auto& line : lines)
    EXPECT_NE(line.find("already verified"), std::string::npos) << line;
}

TEST_F(ModelsTest, FetchRefusesATamperedSourceAndInstallsNothing) {
  const fs::path source = copy_of_models();
  flip_a_byte(source / "fr_feature.onnx");
  const fs::path target = root_ / "cache";
  const auto fetched =
      fetch_models(target, {.local_source = source, .is_offline = true, .progress = {}});
  ASSERT_FALSE(fetched.ok());
  EXPECT_EQ(fetched.error().code, "model_fetch_failed");
  EXPECT_NE(fetched.error().message.find("refused"), std::string::npos) << fetched.error().message;
  EXPECT_FALSE(fs::exists(target / "fr_feature.onnx"));
}

TEST_F(ModelsTest, FetchReplacesATamperedInstalledFile) {
  const fs::path source = copy_of_models();
  const fs::path target = root_ / "cache";
  ASSERT_TRUE(
      fetch_models(target, {.local_source = source, .is_offline = true, .progress = {}}).ok());
  flip_a_byte(target / "fr_feature.onnx");
  const auto fetched =
      fetch_models(target, {.local_source = source, .is_offline = true, .progress = {}});
  ASSERT_TRUE(fetched.ok());
  EXPECT_EQ(check_model(*find_model(Role::recogniser), target).state, FileState::ok);
}

TEST(ModelCatalogue, IdsNameTheFileAndItsHash) {
  EXPECT_EQ(find_model(Role::recogniser)->id(), "fr_feature@87aacdfe");
  EXPECT_EQ(find_model(Role::detector)->id(), "face_detection_yunet_2022mar@50ef07f7");
}

}  // namespace
}  // namespace rollcall::models
