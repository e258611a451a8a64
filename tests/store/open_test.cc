// tests/store/open_test.cc
//
// Opening a store: the URL picks the back end, migrations run once and
// are recorded, reopening changes nothing.
#include <thread>

#include "store/detail/connection.h"
#include "store_fixture.h"

namespace rollcall::store::testing {
namespace {

class OpenTest : public StoreTest {};
ROLLCALL_ON_BOTH_BACKENDS(OpenTest);

constexpr const char* kTables[] = {
    "settings",          "users",      "refresh_tokens", "teachers",
    "classes",           "subjects",   "assignments",    "students",
    "enrollment_photos", "embeddings", "sessions",       "attendance_records",
    "audit_log",         "jobs",       "logins",         "schema_migrations"};

TEST_P(OpenTest, AppliesEveryMigrationAtOpen) {
  EXPECT_EQ(must(store().schema_version()), latest_schema_version());
  EXPECT_EQ(count_rows("schema_migrations"), latest_schema_version());
  for (const char* table : kTables)
    EXPECT_EQ(count_rows(table),
              table == std::string("schema_migrations") ? latest_schema_version() : 0)
        << table;
}

TEST_P(OpenTest, ReportsItsBackend) { EXPECT_EQ(store().backend(), GetParam()); }

TEST_P(OpenTest, AnswersPing) { must(store().ping()); }

TEST_P(OpenTest, ReopeningAppliesNothingAndKeepsTheData) {
  const ClassId group = add_class("BTech IT");
  auto again = Store::open(database().options());
  ASSERT_TRUE(again.ok()) << again.error().message;
  EXPECT_EQ(must((*again)->schema_version()), latest_schema_version());
  EXPECT_EQ(count_rows("schema_migrations"), latest_schema_version());
  const auto found = must((*again)->read_value<std::optional<ClassGroup>>(
      [&](Tx& tx) { return tx.find_class(group); }));
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->name, "BTech IT");
}

TEST_P(OpenTest, ConcurrentFirstOpensMigrateOnce) {
  auto fresh = TestDatabase::create(GetParam());
  ASSERT_TRUE(fresh.ok()) << fresh.error().message;
  constexpr int kServers = 4;
  std::vector<std::thread> threads;
  std::vector<std::unique_ptr<Store>> opened(kServers);
  std::vector<std::string> errors(kServers);
  for (int i = 0; i < kServers; ++i) {
    threads.emplace_back([&, i] {
      auto store = Store::open((*fresh)->options());
      if (store) {
        opened[i] = std::move(store).value();
      } else {
        errors[i] = store.error().code + ": " + store.error().message;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  for (const auto& error : errors) EXPECT_EQ(error, "");
  ASSERT_TRUE(opened[0]);
  auto rows = opened[0]->read_value<std::int64_t>([](Tx& tx) -> Result<std::int64_t> {
    auto counted = tx.connection().query("SELECT COUNT(*) FROM schema_migrations");
    if (!counted) return counted.error();
    return std::get<std::int64_t>(counted->rows[0][0]);
  });
  EXPECT_EQ(must(std::move(rows)), latest_schema_version());
  opened.clear();
}

TEST_P(OpenTest, RefusesADatabaseNewerThanThisBuild) {
  must(write([&](Tx& tx) -> Result<void> {
    auto added =
        tx.connection().query("INSERT INTO schema_migrations (version, applied_ms) VALUES ($1, 0)",
                              {std::int64_t{latest_schema_version() + 1}});
    if (!added) return added.error();
    return {};
  }));
  auto again = Store::open(database().options());
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, "migration_failed");
  EXPECT_NE(again.error().message.find("newer"), std::string::npos) << again.error().message;
}

class TempDir : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("rollcall-open-test-" + random_suffix());
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
};

using StoreUrlTest = TempDir;

TEST_F(StoreUrlTest, EmptyUrlMeansAFileInTheDataDirectory) {
  StoreOptions options;
  options.data_dir = dir_ / "nested" / "data";
  auto store = Store::open(options);
  ASSERT_TRUE(store.ok()) << store.error().message;
  EXPECT_EQ((*store)->backend(), Backend::sqlite);
  EXPECT_TRUE(fs::exists(options.data_dir / "rollcall.db"));
}

TEST_F(StoreUrlTest, SqliteMeansTheSameFile) {
  StoreOptions options;
  options.url = "sqlite";
  options.data_dir = dir_;
  ASSERT_TRUE(Store::open(options).ok());
  EXPECT_TRUE(fs::exists(dir_ / "rollcall.db"));
}

TEST_F(StoreUrlTest, SqliteUrlNamesAnAbsolutePath) {
  fs::create_directories(dir_);
  StoreOptions options;
  options.url = "sqlite://" + (dir_ / "elsewhere.db").string();
  options.data_dir = dir_ / "unused";
  ASSERT_TRUE(Store::open(options).ok());
  EXPECT_TRUE(fs::exists(dir_ / "elsewhere.db"));
  EXPECT_FALSE(fs::exists(dir_ / "unused"));
}

TEST_F(StoreUrlTest, SqliteUrlInAMissingDirectoryIsRefused) {
  StoreOptions options;
  options.url = "sqlite://" + (dir_ / "missing" / "x.db").string();
  auto store = Store::open(options);
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.error().code, "database_error");
  EXPECT_NE(store.error().message.find("does not exist"), std::string::npos);
}

TEST_F(StoreUrlTest, UnknownSchemeIsInvalidAndThePasswordIsNotEchoed) {
  for (const std::string url : {"mysql://root:hunter2@db/rollcall", "sqlite://", "postgres:/x"}) {
    StoreOptions options;
    options.url = url;
    auto store = Store::open(options);
    ASSERT_FALSE(store.ok()) << url;
    EXPECT_EQ(store.error().code, "database_url_invalid") << url;
    EXPECT_EQ(store.error().message.find("hunter2"), std::string::npos) << store.error().message;
  }
}

TEST_F(StoreUrlTest, UnreachablePostgresIsDatabaseUnavailableWithoutThePassword) {
  StoreOptions options;
  // Port 1 on loopback: nothing listens, so the refusal is immediate.
  options.url = "postgres://rollcall:hunter2@127.0.0.1:1/rollcall";
  auto store = Store::open(options);
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.error().code, "database_unavailable");
  EXPECT_EQ(store.error().message.find("hunter2"), std::string::npos) << store.error().message;
  EXPECT_NE(store.error().message.find("postgres://rollcall:***@127.0.0.1:1/rollcall"),
            std::string::npos)
      << store.error().message;
}

TEST(StoreRedactUrl, HidesOnlyThePassword) {
  EXPECT_EQ(redact_url("postgres://u:secret@h:5432/db?x=1"), "postgres://u:***@h:5432/db?x=1");
  EXPECT_EQ(redact_url("postgres://u@h/db"), "postgres://u@h/db");
  EXPECT_EQ(redact_url("postgres://h:5432/db"), "postgres://h:5432/db");
  EXPECT_EQ(redact_url("sqlite:///tmp/x.db"), "sqlite:///tmp/x.db");
}

TEST(StoreNames, BackendsHaveStableNames) {
  EXPECT_EQ(to_string(Backend::sqlite), "sqlite");
  EXPECT_EQ(to_string(Backend::postgres), "postgres");
  EXPECT_GE(latest_schema_version(), 1);
}

}  // namespace
}  // namespace rollcall::store::testing
