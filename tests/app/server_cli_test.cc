// tests/app/server_cli_test.cc
//
// The server-side commands as an operator runs them beside a database:
// config show, import, reembed, backup. SQLite in a fresh temp dir.
#include <sqlite3.h>

#include <array>
#include <cstdio>
#include <fstream>
#include <random>

#include "domain/accounts.h"
#include "store/store.h"
#include "test_support.h"

namespace rollcall::app {
namespace {

namespace fs = std::filesystem;

using Run = rollcall::testing::CommandRun;

Run rollcall(const std::string& args, const std::string& env = "") {
  return rollcall::testing::run_rollcall(args, env);
}

class ServerCli : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("rollcall_cli_" + std::to_string(std::random_device{}()));
    fs::create_directories(dir_ / "photos");
    auto store = store::Store::open({"", dir_ / "data", 2, 5000});
    ASSERT_TRUE(store.ok()) << store.error().message;
    ASSERT_TRUE(domain::ensure_admin(**store, "a-long-admin-password").ok());
    auto id = (*store)->write_value<ClassId>([](store::Tx& tx) {
      return tx.insert_class(store::ClassGroup{{}, "BTech IT", "A", 1});
    });
    ASSERT_TRUE(id.ok()) << id.error().message;
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string data_flag() const { return "--data-dir '" + (dir_ / "data").string() + "'"; }

  void write_roster(const std::string& text) { std::ofstream(dir_ / "roster.csv") << text; }
  void add_photo(const std::string& relative, const std::string& name) {
    fs::copy_file(rollcall::testing::photo(relative), dir_ / "photos" / name);
  }

  fs::path dir_;
};

TEST_F(ServerCli, ConfigShowMasksSecrets) {
  const auto run = rollcall("config show " + data_flag(),
                            "ROLLCALL_JWT_SECRET=0123456789abcdef0123456789abcdef-secret");
  ASSERT_EQ(run.status, 0) << run.output;
  EXPECT_EQ(run.output.find("0123456789abcdef"), std::string::npos) << run.output;
  EXPECT_NE(run.output.find("********"), std::string::npos) << run.output;
}

TEST_F(ServerCli, ConfigShowNamesABadSetting) {
  const auto run = rollcall("config show --http-port seventy " + data_flag());
  EXPECT_NE(run.status, 0);
  EXPECT_NE(run.output.find("http_port"), std::string::npos) << run.output;
}

TEST_F(ServerCli, ImportAddsStudentsAndEnrollsTheirPhotosAndReportsBadRows) {
  write_roster(
      "name,roll_number,registration_number,class,section\n"
      "Amy,R1,P1,BTech IT,A\n"
      "Penny,R2,P2,BTech IT,A\n"
      "Nobody,R3,P3,BTech CS,B\n"
      "Twin,R1,P4,BTech IT,A\n");
  add_photo("identities/amy/01.png", "R1.png");
  add_photo("identities/penny/01.png", "R2.png");
  const auto run = rollcall("import --csv '" + (dir_ / "roster.csv").string() + "' --photos '" +
                            (dir_ / "photos").string() + "' " + data_flag());
  ASSERT_EQ(run.status, 0) << run.output;
  EXPECT_NE(run.output.find("students created: 2"), std::string::npos) << run.output;
  EXPECT_NE(run.output.find("photos accepted: 2"), std::string::npos) << run.output;
  EXPECT_NE(run.output.find("line 4 (R3): class_not_found"), std::string::npos) << run.output;
  EXPECT_NE(run.output.find("line 5 (R1): roll_number_taken"), std::string::npos) << run.output;

  const auto again = rollcall("reembed " + data_flag());
  ASSERT_EQ(again.status, 0) << again.output;
  EXPECT_NE(again.output.find("students: 2"), std::string::npos) << again.output;
  EXPECT_NE(again.output.find("photos embedded: 2"), std::string::npos) << again.output;
}

TEST_F(ServerCli, BackupWritesACopyThatOpens) {
  write_roster("name,roll_number,registration_number,class,section\nAmy,R1,P1,BTech IT,A\n");
  ASSERT_EQ(rollcall("import --csv '" + (dir_ / "roster.csv").string() + "' " + data_flag()).status,
            0);
  const auto out = dir_ / "backup.db";
  const auto run = rollcall("backup '" + out.string() + "' " + data_flag());
  ASSERT_EQ(run.status, 0) << run.output;
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open_v2(out.c_str(), &db, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
  sqlite3_stmt* statement = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db, "SELECT roll_number FROM students", -1, &statement, nullptr),
            SQLITE_OK);
  ASSERT_EQ(sqlite3_step(statement), SQLITE_ROW);
  EXPECT_STREQ(reinterpret_cast<const char*>(sqlite3_column_text(statement, 0)), "R1");
  sqlite3_finalize(statement);
  sqlite3_close(db);

  const auto twice = rollcall("backup '" + out.string() + "' " + data_flag());
  EXPECT_NE(twice.status, 0) << "a backup must not overwrite a file";
}

}  // namespace
}  // namespace rollcall::app
