// tests/store/store_health_test.cc
//
// What the store learns of its database (StoreHealth) and tells once per
// change (StoreOptions::on_health): a full disk, simulated by
// sqlite_max_bytes (PRAGMA max_page_count: SQLite answers SQLITE_FULL
// exactly as on a full disk), is storage_full until a write succeeds; a
// lost PostgreSQL session is database_unavailable until work succeeds.
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "store_fixture.h"

namespace rollcall::store::testing {
namespace {

struct Told {
  std::mutex mutex;
  std::vector<std::pair<std::string, std::string>> events;
  std::vector<std::string> names() {
    std::lock_guard lock(mutex);
    std::vector<std::string> out;
    for (const auto& [event, cause] : events) out.push_back(event);
    return out;
  }
};

Result<void> add_filler(Store& store) {
  return store.write([](Tx& tx) -> Result<void> {
    auto done = tx.connection().query("INSERT INTO filler (bytes) VALUES ($1)",
                                      {Blob(3000, std::uint8_t{7})});
    if (!done) return done.error();
    return {};
  });
}

TEST(StoreHealth, Defect12ASqliteFullDiskIsStorageFullToldOnceUntilAWriteSucceeds) {
  auto database = must(TestDatabase::create(Backend::sqlite));
  auto options = database->options();
  {  // the table to fill, made before the cap
    auto store = must(Store::open(options));
    must(store->write([](Tx& tx) {
      return tx.connection().execute("CREATE TABLE filler (bytes BLOB NOT NULL)");
    }));
  }
  Told told;
  options.sqlite_max_bytes = fs::file_size(database->dir() / "rollcall.db") + 8 * 4096;
  options.on_health = [&told](const std::string& event, const std::string& cause) {
    std::lock_guard lock(told.mutex);
    told.events.emplace_back(event, cause);
  };
  auto store = must(Store::open(options));
  ASSERT_TRUE(store);
  Result<void> added;
  int rows = 0;
  for (; rows < 1000 && (added = add_filler(*store)); ++rows) {
  }
  ASSERT_FALSE(added.ok()) << "1000 rows of 3 KB fit under an 8-page cap";
  EXPECT_GT(rows, 0);
  EXPECT_EQ(added.error().code, "storage_full") << added.error().message;
  EXPECT_NE(added.error().message.find("SQLITE_FULL"), std::string::npos);
  EXPECT_EQ(add_filler(*store).error().code, "storage_full");  // still full
  EXPECT_TRUE(store->health().is_storage_full);
  EXPECT_NE(store->health().cause.find("SQLITE_FULL"), std::string::npos);
  // Reads neither fail nor clear it.
  must(store->ping());
  EXPECT_TRUE(store->health().is_storage_full);
  EXPECT_EQ(told.names(), std::vector<std::string>{"storage_full"});

  // Freed pages are reused without growing the file: writes succeed again.
  must(store->write([](Tx& tx) { return tx.connection().execute("DELETE FROM filler"); }));
  EXPECT_FALSE(store->health().is_storage_full);
  must(add_filler(*store));
  EXPECT_EQ(told.names(), (std::vector<std::string>{"storage_full", "storage_writable"}));
}

TEST(StoreHealth, Defect12ALostPostgresSessionIsDatabaseUnavailableUntilWorkSucceeds) {
  ROLLCALL_NEED_BACKEND(Backend::postgres);
  auto database = must(TestDatabase::create(Backend::postgres));
  auto options = database->options();
  options.pool_size = 1;
  Told told;
  options.on_health = [&told](const std::string& event, const std::string& cause) {
    std::lock_guard lock(told.mutex);
    told.events.emplace_back(event, cause);
  };
  auto store = must(Store::open(options));
  ASSERT_TRUE(store);
  must(store->ping());
  auto admin = must(open_postgres(*postgres_server_url()));
  ASSERT_TRUE(admin);
  must(admin->query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1",
                    {database->name()}));
  const auto lost = store->ping();
  ASSERT_FALSE(lost.ok());
  EXPECT_EQ(lost.error().code, "database_unavailable") << lost.error().message;
  EXPECT_FALSE(store->health().is_reachable);
  // The pool dropped the dead connection; the next one connects.
  must(store->ping());
  EXPECT_TRUE(store->health().is_reachable);
  EXPECT_EQ(told.names(), (std::vector<std::string>{"database_unavailable", "database_available"}));
}

}  // namespace
}  // namespace rollcall::store::testing
