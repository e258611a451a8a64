// tests/http/outage_api_test.cc
//
// Issue 16, defects 7 and 12 on a real `rollcall serve` each: the data
// directory and backups kept private (0700/0600, fixed at start with a log
// line), a PostgreSQL outage answered 503 database_unavailable with
// Retry-After and nothing of the database's address, and a full disk
// (SQLite past sqlite_max_bytes) answered 507 storage_full, logged once
// with its cause, with /readyz degraded meanwhile.
#include <sys/stat.h>

#include <fstream>
#include <string>

#include "server_harness.h"
#include "store/detail/connection.h"

namespace rollcall::http_testing {
namespace {

std::size_t count_of(const std::string& haystack, const std::string& needle) {
  std::size_t count = 0;
  for (auto at = haystack.find(needle); at != std::string::npos;
       at = haystack.find(needle, at + needle.size())) {
    ++count;
  }
  return count;
}

unsigned mode_of(const fs::path& path) {
  struct stat info {};
  if (::lstat(path.c_str(), &info) != 0) return 0;
  return info.st_mode & 0777;
}

// The log line of the first `event`, "" when there is none.
std::string line_of(const std::string& log, const std::string& event) {
  const auto at = log.find("\"event\":\"" + event + "\"");
  if (at == std::string::npos) return "";
  const auto begin = log.rfind('\n', at);
  const auto end = log.find('\n', at);
  return log.substr(begin == std::string::npos ? 0 : begin + 1,
                    end == std::string::npos ? std::string::npos : end - begin - 1);
}

std::unique_ptr<ServerProcess> start_or_fail(const ServerProcess::Options& options) {
  std::string error;
  auto server = ServerProcess::start(options, error);
  EXPECT_NE(server, nullptr) << error;
  return server;
}

// ---- Defect 7: the database and backups are world-readable ----

TEST(DataDirPermissions, Defect7ServeMakesTheDataDirectoryAndEveryFileInItPrivate) {
  auto server = start_or_fail({});
  ASSERT_NE(server, nullptr);
  const fs::path data = server->data_dir();
  ASSERT_EQ(server->stop(), 0) << server->log();
  // What a default umask (022) left before this fix.
  fs::create_directories(data / "backups");
  std::ofstream(data / "backups" / "rollcall-20260101-000000.db") << "old backup";
  std::ofstream(data / "jwt.key") << "a key file";
  for (const auto& entry : fs::recursive_directory_iterator(data)) {
    ::chmod(entry.path().c_str(), entry.is_directory() ? 0755 : 0644);
  }
  ::chmod(data.c_str(), 0755);
  ASSERT_EQ(mode_of(data / "rollcall.db"), 0644u);

  std::string error;
  server = ServerProcess::restart(std::move(server), {}, error);
  ASSERT_NE(server, nullptr) << error;
  EXPECT_EQ(mode_of(data), 0700u);
  EXPECT_EQ(mode_of(data / "backups"), 0700u);
  for (const auto& entry : fs::recursive_directory_iterator(data)) {
    if (entry.is_directory()) continue;
    EXPECT_EQ(mode_of(entry.path()), 0600u) << entry.path();  // db, -wal, -shm, backups, key
  }
  const auto log = server->log();
  // Once per start that found something to fix (this one, and the first
  // if the harness's umask left the directory 0755).
  EXPECT_GE(count_of(log, "\"event\":\"permissions_fixed\""), 1u) << log;
  EXPECT_NE(log.find("rollcall.db 0644 -> 0600"), std::string::npos) << log;
  EXPECT_NE(log.find("jwt.key 0644 -> 0600"), std::string::npos) << log;

  // A backup made now is private too, in a private folder.
  const auto token = server->api().login("admin", kAdminPassword);
  const auto made = server->api().post("/api/v1/backups", nlohmann::json::object(), token);
  ASSERT_EQ(made.status, 201) << made;
  const std::string name = made.json()["name"];
  EXPECT_EQ(mode_of(data / "backups" / name), 0600u);
  EXPECT_EQ(mode_of(data / "backups"), 0700u);
  EXPECT_EQ(server->stop(), 0);
}

// ---- Defect 12: a database outage shows the database's address ----

// The outage is this test's own database refusing connections
// (ALLOW_CONNECTIONS false, its sessions ended), so the shared server and
// other tests' databases are untouched.
TEST(DatabaseOutage, Defect12AnOutageAnswers503WithRetryAfterAndNamesNoHostUserOrDatabase) {
  const auto admin_url = postgres_server_url();
  if (!admin_url) {
    if (is_postgres_required()) FAIL() << "ROLLCALL_TEST_POSTGRES is not set";
    GTEST_SKIP() << "ROLLCALL_TEST_POSTGRES is not set";
  }
  auto server = start_or_fail({Backend::postgres, {}});
  ASSERT_NE(server, nullptr);
  const auto& url = server->database_url();
  const std::string name = url.substr(url.rfind('/') + 1);
  auto admin = store::open_postgres(*admin_url);
  ASSERT_TRUE(admin.ok()) << admin.error().message;
  const auto set_connections = [&](bool allowed) {
    auto done = (*admin)->execute("ALTER DATABASE " + name + " ALLOW_CONNECTIONS " +
                                  (allowed ? "true" : "false"));
    ASSERT_TRUE(done.ok()) << done.error().message;
    if (!allowed) {
      auto ended = (*admin)->query(
          "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1",
          {std::string(name)});
      ASSERT_TRUE(ended.ok()) << ended.error().message;
    }
  };
  ASSERT_EQ(server->api().login_reply("admin", "wrong password").status, 401);

  ASSERT_NO_FATAL_FAILURE(set_connections(false));
  for (int i = 0; i < 4; ++i) {  // the pooled connections die one by one, then none opens
    const auto reply = server->api().login_reply("admin", "wrong password");
    EXPECT_EQ(reply.status, 503) << reply;
    EXPECT_EQ(reply.error_code(), "database_unavailable") << reply;
    EXPECT_EQ(reply.json()["error"]["message"],
              "the database is not reachable; try again in a minute");
    EXPECT_FALSE(reply.header("Retry-After").empty()) << reply;
    for (const std::string& secret : {name, std::string("127.0.0.1"), std::string("55432"),
                                      std::string("postgres"), std::string("5432")}) {
      EXPECT_EQ(reply.body.find(secret), std::string::npos) << secret << " in " << reply;
    }
  }
  const auto ready = server->api().get("/readyz");
  EXPECT_EQ(ready.status, 503) << ready;
  EXPECT_EQ(ready.json()["database"], "database_unavailable") << ready;
  EXPECT_EQ(ready.body.find(name), std::string::npos) << ready;
  const auto during = server->log();
  // The detail is the log's, once for the whole outage.
  EXPECT_EQ(count_of(during, "\"event\":\"database_unavailable\""), 1u) << during;
  EXPECT_NE(line_of(during, "database_unavailable").find("\"cause\":\"PostgreSQL"),
            std::string::npos)
      << during;

  ASSERT_NO_FATAL_FAILURE(set_connections(true));
  EXPECT_EQ(server->api().login_reply("admin", "wrong password").status, 401);
  EXPECT_EQ(server->api().get("/readyz").status, 200);
  EXPECT_EQ(count_of(server->log(), "\"event\":\"database_available\""), 1u) << server->log();
  EXPECT_EQ(server->stop(), 0);
}

// ---- Defect 12: /readyz stays "ready" when the disk is full ----

TEST(StorageFull, Defect12AFullDiskIsStorageFullLoggedOnceWithItsCauseAndReadyzDegraded) {
  auto server = start_or_fail({});
  ASSERT_NE(server, nullptr);
  const fs::path db = server->data_dir() / "rollcall.db";
  ASSERT_EQ(server->stop(), 0) << server->log();
  // Room for a few dozen more rows, then the database is "full".
  const auto cap = fs::file_size(db) + 16 * 4096;
  std::string error;
  server = ServerProcess::restart(
      std::move(server), {Backend::sqlite, {{"--sqlite-max-bytes", std::to_string(cap)}}}, error);
  ASSERT_NE(server, nullptr) << error;
  const auto token = server->api().login("admin", kAdminPassword);
  ASSERT_FALSE(token.empty());
  Response full;
  nlohmann::json refused;
  int made = 0;
  for (int i = 0; i < 5000 && full.status == 0; ++i) {
    const nlohmann::json body = {{"name", "Full " + std::to_string(i) + std::string(80, 'x')},
                                 {"section", "A"}};
    const auto reply = server->api().post("/api/v1/classes", body, token);
    if (reply.status == 201) {
      ++made;
    } else {
      full = reply;
      refused = body;
    }
  }
  ASSERT_GT(made, 0);
  EXPECT_EQ(full.status, 507) << full;
  EXPECT_EQ(full.error_code(), "storage_full") << full;
  EXPECT_EQ(full.body.find(db.string()), std::string::npos) << full;
  // The same write again needs the same page: the same answer, and still
  // one log line for it. (A smaller write might fit and end the state.)
  const auto again = server->api().post("/api/v1/classes", refused, token);
  EXPECT_EQ(again.error_code(), "storage_full") << again;
  const auto ready = server->api().get("/readyz");
  EXPECT_EQ(ready.status, 503) << ready;
  EXPECT_EQ(ready.json()["status"], "degraded") << ready;
  EXPECT_EQ(ready.json()["database"], "storage_full") << ready;
  const auto log = server->log();
  EXPECT_EQ(count_of(log, "\"event\":\"storage_full\""), 1u) << log;
  EXPECT_NE(line_of(log, "storage_full").find("SQLITE_FULL"), std::string::npos) << log;
  // Reads still work.
  EXPECT_EQ(server->api().get("/api/v1/classes", token).status, 200);
  EXPECT_EQ(server->stop(), 0);
}

}  // namespace
}  // namespace rollcall::http_testing
