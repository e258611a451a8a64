// tests/store/transaction_test.cc
//
// What read() and write() promise: commit iff the work succeeds, one
// behaviour on both back ends after a failed statement, read-only reads,
// and many threads sharing the pool.
#include <atomic>
#include <thread>

#include "store_fixture.h"

namespace rollcall::store::testing {
namespace {

class TransactionTest : public StoreTest {};
ROLLCALL_ON_BOTH_BACKENDS(TransactionTest);

TEST_P(TransactionTest, WorkThatFailsIsRolledBack) {
  const auto done = write([](Tx& tx) -> Result<void> {
    if (auto added = tx.insert_class(class_group("BTech IT")); !added) return added.error();
    return make_error("domain_says_no", "changed my mind");
  });
  ASSERT_FALSE(done.ok());
  EXPECT_EQ(done.error().code, "domain_says_no");
  EXPECT_EQ(count_rows("classes"), 0);
}

TEST_P(TransactionTest, WorkThatSucceedsIsCommitted) {
  const auto id = write([](Tx& tx) { return tx.insert_class(class_group("BTech IT")); });
  ASSERT_TRUE(id.ok());
  EXPECT_EQ(count_rows("classes"), 1);
}

TEST_P(TransactionTest, AfterAFailedStatementTheTransactionRefusesMore) {
  const ClassId group = add_class("BTech IT");
  add_student("IT-01", group);
  Result<StudentId> after_failure = make_error("unset", "");
  const auto done = write([&](Tx& tx) -> Result<void> {
    const auto clash = tx.insert_student(student("IT-01", group));
    EXPECT_EQ(clash.ok() ? "" : clash.error().code, "duplicate");
    after_failure = tx.insert_student(student("IT-02", group));
    return {};  // ignoring the failure: COMMIT must not keep half the work
  });
  ASSERT_FALSE(after_failure.ok());
  EXPECT_EQ(after_failure.error().code, "database_error");
  EXPECT_EQ(count_rows("students"), 1);
  (void)done;
}

TEST_P(TransactionTest, AReadTransactionCannotWrite) {
  const auto done = read([](Tx& tx) { return tx.insert_class(class_group("BTech IT")); });
  ASSERT_FALSE(done.ok());
  EXPECT_EQ(done.error().code, "database_error");
  EXPECT_EQ(count_rows("classes"), 0);
  // The connection is fine for writing afterwards.
  add_class("BTech CS");
  EXPECT_EQ(count_rows("classes"), 1);
}

TEST_P(TransactionTest, ManyThreadsWriteAndReadThroughThePool) {
  const ClassId group = add_class("BTech IT");
  constexpr int kThreads = 8;
  constexpr int kEach = 15;
  std::atomic<int> failures = 0;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        const std::string roll = "T" + std::to_string(t) + "-" + std::to_string(i);
        if (!write([&](Tx& tx) { return tx.insert_student(student(roll, group)); })) ++failures;
        if (!read([&](Tx& tx) { return tx.find_student_by_roll(group, roll); })) ++failures;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(failures, 0);
  EXPECT_EQ(must(read([](Tx& tx) { return tx.count_students(); })), kThreads * kEach);
}

TEST_P(TransactionTest, AnExhaustedPoolAnswersBusy) {
  StoreOptions options = database().options();
  options.pool_size = 1;
  options.busy_timeout_ms = 100;
  auto small = Store::open(options);
  ASSERT_TRUE(small.ok()) << small.error().message;
  Result<void> inner;
  must((*small)->read([&](Tx&) -> Result<void> {
    inner = (*small)->read([](Tx&) -> Result<void> { return {}; });
    return {};
  }));
  ASSERT_FALSE(inner.ok());
  EXPECT_EQ(inner.error().code, "database_busy");
}

TEST_P(TransactionTest, AWriterHeldPastTheBusyTimeoutMakesOthersBusy) {
  StoreOptions options = database().options();
  options.busy_timeout_ms = 200;
  auto impatient = Store::open(options);
  ASSERT_TRUE(impatient.ok()) << impatient.error().message;
  const ClassId group = add_class("BTech IT");
  const StudentId id = add_student("IT-01", group);
  std::atomic<bool> is_holding = false;
  std::atomic<bool> may_release = false;
  // The holder keeps the student's row locked (PostgreSQL) or the write
  // lock (SQLite) while another store tries to change the same row.
  std::thread holder([&] {
    must(write([&](Tx& tx) -> Result<void> {
      Student renamed = student("IT-01", group, "Holder");
      renamed.id = id;
      if (auto updated = tx.update_student(renamed); !updated) return updated;
      is_holding = true;
      while (!may_release) std::this_thread::sleep_for(std::chrono::milliseconds(5));
      return {};
    }));
  });
  while (!is_holding) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  const Result<void> blocked = (*impatient)->write([&](Tx& tx) -> Result<void> {
    Student renamed = student("IT-01", group, "Waiter");
    renamed.id = id;
    return tx.update_student(renamed);
  });
  may_release = true;
  holder.join();
  ASSERT_FALSE(blocked.ok());
  EXPECT_EQ(blocked.error().code, "database_busy") << blocked.error().message;
}

TEST_P(TransactionTest, WriteValueHandsBackTheValue) {
  const auto id =
      store().write_value<ClassId>([](Tx& tx) { return tx.insert_class(class_group("BTech IT")); });
  ASSERT_TRUE(id.ok());
  EXPECT_TRUE(id->is_set());
}

// The driver contract, which every query relies on.

TEST_P(TransactionTest, PlaceholdersMayRepeatAndComeInAnyOrder) {
  const auto rows = must(read([](Tx& tx) {
    return tx.connection().query(
        "SELECT CAST($2 AS BIGINT) + CAST($1 AS BIGINT), CAST($2 AS BIGINT) * CAST($2 AS BIGINT)",
        {std::int64_t{1}, std::int64_t{7}});
  }));
  ASSERT_EQ(rows.rows.size(), 1u);
  EXPECT_EQ(rows.rows[0][0], Value(std::int64_t{8}));
  EXPECT_EQ(rows.rows[0][1], Value(std::int64_t{49}));
}

TEST_P(TransactionTest, ValuesKeepTheirTypesAndExtremes) {
  const std::string text = "Grüße, नमस्ते, 'quoted' \\ %_";
  const auto rows = must(read([&](Tx& tx) {
    return tx.connection().query(
        "SELECT CAST($1 AS BIGINT), CAST($2 AS BIGINT), CAST($3 AS DOUBLE PRECISION), "
        "CAST($4 AS TEXT), CAST($5 AS TEXT)",
        {std::numeric_limits<std::int64_t>::min(), std::numeric_limits<std::int64_t>::max(),
         0.1 + 0.2, text, Value{}});
  }));
  ASSERT_EQ(rows.rows.size(), 1u);
  EXPECT_EQ(rows.rows[0][0], Value(std::numeric_limits<std::int64_t>::min()));
  EXPECT_EQ(rows.rows[0][1], Value(std::numeric_limits<std::int64_t>::max()));
  EXPECT_EQ(rows.rows[0][2], Value(0.1 + 0.2));
  EXPECT_EQ(rows.rows[0][3], Value(text));
  EXPECT_EQ(rows.rows[0][4], Value{});
}

TEST_P(TransactionTest, AParameterWithoutAPlaceholderIsAnError) {
  const auto rows = read([](Tx& tx) {
    return tx.connection().query("SELECT CAST($1 AS BIGINT)", {std::int64_t{1}, std::int64_t{2}});
  });
  ASSERT_FALSE(rows.ok());
  EXPECT_EQ(rows.error().code, "database_error");
}

TEST_P(TransactionTest, APlaceholderWithoutAParameterIsAnError) {
  const auto rows = read(
      [](Tx& tx) { return tx.connection().query("SELECT CAST($2 AS BIGINT)", {std::int64_t{1}}); });
  ASSERT_FALSE(rows.ok());
  EXPECT_EQ(rows.error().code, "database_error");
}

TEST_P(TransactionTest, TextWithANulByteIsRefused) {
  const auto added =
      write([](Tx& tx) { return tx.insert_class(class_group(std::string("BTech\0IT", 8))); });
  ASSERT_FALSE(added.ok());
  EXPECT_EQ(added.error().code, "database_error");
  EXPECT_NE(added.error().message.find("NUL"), std::string::npos);
}

}  // namespace
}  // namespace rollcall::store::testing
