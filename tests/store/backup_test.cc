// tests/store/backup_test.cc
//
// Backups while the database is in use. SQLite: `Store::backup` (the
// online backup API). PostgreSQL: `Store::backup` declines and names
// pg_dump, and a pg_dump / pg_restore round trip (the procedure in
// docs/OPERATIONS.md) gives a database a Store opens and reads.
#include <atomic>
#include <cstdlib>
#include <thread>

#include "store_fixture.h"

namespace rollcall::store::testing {
namespace {

class SqliteBackupTest : public StoreTest {};
INSTANTIATE_TEST_SUITE_P(Store, SqliteBackupTest, ::testing::Values(Backend::sqlite), backend_name);

class PostgresBackupTest : public StoreTest {};
INSTANTIATE_TEST_SUITE_P(Store, PostgresBackupTest, ::testing::Values(Backend::postgres),
                         backend_name);

std::int64_t count_students(Store& store) {
  return must(store.read_value<std::int64_t>([](Tx& tx) { return tx.count_students(); }));
}

TEST_P(SqliteBackupTest, ACopyMadeWhileAnotherThreadWritesOpensWithItsRows) {
  const ClassId group = add_class("BTech IT");
  for (int i = 0; i < 50; ++i) add_student("BASE-" + std::to_string(i), group);

  std::atomic<bool> is_done = false;
  std::atomic<int> written = 0;
  std::thread writer([&] {
    for (int i = 0; !is_done; ++i) {
      const auto added = write(
          [&](Tx& tx) { return tx.insert_student(student("LIVE-" + std::to_string(i), group)); });
      if (added) ++written;
    }
  });
  while (written < 5) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  const fs::path copy = database().dir() / "backup.db";
  const auto made = store().backup(copy);
  const int written_after = ++written;  // an upper bound of what the copy can hold
  is_done = true;
  writer.join();
  ASSERT_TRUE(made.ok()) << made.error().code << ": " << made.error().message;

  // One self-contained file: no -wal beside it.
  EXPECT_FALSE(fs::exists(copy.string() + "-wal"));
  StoreOptions options;
  options.url = "sqlite://" + copy.string();
  auto restored = Store::open(options);
  ASSERT_TRUE(restored.ok()) << restored.error().message;
  EXPECT_EQ(must((*restored)->schema_version()), latest_schema_version());
  const std::int64_t copied = count_students(**restored);
  EXPECT_GE(copied, 50 + 5);
  EXPECT_LE(copied, 50 + written_after);
  EXPECT_EQ(must((*restored)->read_value<std::vector<Student>>([](Tx& tx) {
              return tx.list_students_by_roll("BASE-49", 2);
            })).size(),
            1u);
}

TEST_P(SqliteBackupTest, RefusesToOverwriteAnExistingFile) {
  const fs::path copy = database().dir() / "taken.db";
  must(store().backup(copy));
  const auto again = store().backup(copy);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, "backup_target_exists");
  EXPECT_NE(again.error().message.find("taken.db"), std::string::npos);
}

TEST_P(SqliteBackupTest, RefusesAMissingDirectory) {
  const auto made = store().backup(database().dir() / "no" / "such" / "dir.db");
  ASSERT_FALSE(made.ok());
  EXPECT_EQ(made.error().code, "database_error");
  EXPECT_NE(made.error().message.find("does not exist"), std::string::npos);
}

TEST_P(PostgresBackupTest, BackupIsUnsupportedAndNamesPgDump) {
  const auto made = store().backup(fs::temp_directory_path() / "never-written.db");
  ASSERT_FALSE(made.ok());
  EXPECT_EQ(made.error().code, "backup_unsupported");
  EXPECT_NE(made.error().message.find("pg_dump"), std::string::npos);
  EXPECT_FALSE(fs::exists(fs::temp_directory_path() / "never-written.db"));
}

bool has_program(const std::string& name) {
  return std::system(("command -v " + name + " >/dev/null 2>&1").c_str()) == 0;
}

TEST_P(PostgresBackupTest, APgDumpRestoresIntoADatabaseAStoreCanOpen) {
  if (!has_program("pg_dump") || !has_program("pg_restore")) {
    GTEST_SKIP() << "pg_dump and pg_restore are not on PATH";
  }
  const ClassId group = add_class("BTech IT");
  const StudentId kept = add_student("IT-01", group, "Priya Sharma");
  must(write([&](Tx& tx) -> Result<void> {
    StoredEmbedding embedding;
    embedding.student = kept;
    embedding.model_id = "fr_feature@87aacdfe";
    embedding.values = {0.25f, -0.5f, 1e-30f};
    embedding.weight = 0.9f;
    auto added = tx.insert_embedding(embedding);
    if (!added) return added.error();
    return {};
  }));

  const fs::path dump = fs::temp_directory_path() / ("rollcall-" + database().name() + ".dump");
  // The commands of docs/OPERATIONS.md.
  ASSERT_EQ(std::system(("pg_dump --format=custom --file='" + dump.string() + "' '" +
                         database().url() + "'")
                            .c_str()),
            0);
  auto target = TestDatabase::create(Backend::postgres);
  ASSERT_TRUE(target.ok()) << target.error().message;
  const int restored_status = std::system(("pg_restore --no-owner --exit-on-error --dbname='" +
                                           (*target)->url() + "' '" + dump.string() + "'")
                                              .c_str());
  fs::remove(dump);
  ASSERT_EQ(restored_status, 0);

  auto restored = Store::open((*target)->options());
  ASSERT_TRUE(restored.ok()) << restored.error().message;
  EXPECT_EQ(must((*restored)->schema_version()), latest_schema_version());
  const auto priya = must((*restored)->read_value<std::vector<Student>>(
      [](Tx& tx) { return tx.list_students_by_roll("IT-01", 2); }));
  ASSERT_EQ(priya.size(), 1u);
  EXPECT_EQ(priya.front().id, kept);
  EXPECT_EQ(priya.front().name, "Priya Sharma");
  const auto embeddings = must((*restored)->read_value<std::vector<StoredEmbedding>>(
      [&](Tx& tx) { return tx.list_embeddings(kept); }));
  ASSERT_EQ(embeddings.size(), 1u);
  EXPECT_EQ(embeddings[0].values, (std::vector<float>{0.25f, -0.5f, 1e-30f}));
  // The id sequences came along: new rows do not collide with old ones.
  const auto next = must((*restored)->write_value<StudentId>(
      [&](Tx& tx) { return tx.insert_student(student("IT-02", group)); }));
  EXPECT_GT(next.value, kept.value);
}

}  // namespace
}  // namespace rollcall::store::testing
