// tests/app/cli_test.cc
//
// The `rollcall` binary as a user runs it: exit status, JSON, messages.
#include <array>
#include <cstdio>
#include <fstream>

#include <nlohmann/json.hpp>

#include "test_support.h"

namespace rollcall::app {
namespace {

using Run = rollcall::testing::CommandRun;

Run rollcall(const std::string& args, const std::string& env = "") {
  return rollcall::testing::run_rollcall(args, env);
}

std::string photo(const std::string& relative) {
  return "'" + rollcall::testing::photo(relative).string() + "'";
}

TEST(Cli, DetectPrintsEveryFaceAsJson) {
  const auto run = rollcall("detect --json " + photo("groups/bbt4.jpg"));
  ASSERT_EQ(run.status, 0) << run.output;
  const auto json = nlohmann::json::parse(run.output);
  EXPECT_EQ(json.at(0).at("faces").size(), 6u);
}

TEST(Cli, DetectWritesAnAnnotatedPhoto) {
  const std::string out = ::testing::TempDir() + "/annotated.jpg";
  const auto run = rollcall("detect " + photo("groups/bbt4.jpg") + " --annotate " + out);
  ASSERT_EQ(run.status, 0) << run.output;
  EXPECT_GT(std::filesystem::file_size(out), 10000u);
}

TEST(Cli, DetectExplainsACutFile) {
  const auto bytes = rollcall::testing::bytes_of("groups/bbt4.jpg");
  const std::string cut = ::testing::TempDir() + "/cut.jpg";
  std::ofstream(cut, std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()), 5000);
  const auto run = rollcall("detect " + cut);
  EXPECT_EQ(run.status, 1);
  EXPECT_NE(run.output.find("error: image_truncated"), std::string::npos) << run.output;
}

TEST(Cli, VerifyTellsSamePersonFromDifferentPeople) {
  auto same = rollcall("verify --json " + photo("identities/barack_obama/01.jpg") + " " +
                       photo("identities/barack_obama/02.jpg"));
  ASSERT_EQ(same.status, 0) << same.output;
  EXPECT_TRUE(nlohmann::json::parse(same.output).at("same_person").get<bool>());
  auto different = rollcall("verify --json " + photo("identities/barack_obama/01.jpg") + " " +
                            photo("identities/joe_biden/01.jpg"));
  ASSERT_EQ(different.status, 0) << different.output;
  EXPECT_FALSE(nlohmann::json::parse(different.output).at("same_person").get<bool>());
}

TEST(Cli, IdentifyNamesThePeopleOfAGroupPhoto) {
  const auto run =
      rollcall("identify --json --gallery " + photo("identities") + " " + photo("groups/bbt4.jpg"));
  ASSERT_EQ(run.status, 0) << run.output;
  const auto json = nlohmann::json::parse(run.output);
  std::multiset<std::string> names;
  for (const auto& f : json.at("faces")) {
    if (f.at("status") == "matched") names.insert(f.at("person").get<std::string>());
  }
  EXPECT_EQ(names, (std::multiset<std::string>{"amy", "bernadette", "leonard", "penny", "raj",
                                               "sheldon"}));
}

TEST(Cli, MissingModelsExitWithStatusTwoAndSayHowToFix) {
  const std::string command = "ROLLCALL_MODELS=/nonexistent " + std::string(ROLLCALL_BINARY) +
                              " detect " + photo("groups/bbt4.jpg") + " 2>&1";
  FILE* pipe = popen(command.c_str(), "r");
  std::string out;
  std::array<char, 4096> buffer;
  while (std::size_t n = fread(buffer.data(), 1, buffer.size(), pipe)) out.append(buffer.data(), n);
  EXPECT_EQ(WEXITSTATUS(pclose(pipe)), 2);
  EXPECT_NE(out.find("rollcall models fetch"), std::string::npos) << out;
}

TEST(Cli, ModelsCheckPassesOnTheRealModels) {
  const auto run =
      rollcall("models --dir '" + rollcall::testing::models_dir().string() + "' check");
  EXPECT_EQ(run.status, 0) << run.output;
}

}  // namespace
}  // namespace rollcall::app
