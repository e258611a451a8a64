// tests/store/store_fixture.h
//
// Every store test runs on both back ends: a fresh SQLite file in its own
// temporary directory, and a fresh PostgreSQL database
// (CREATE DATABASE rollcall_test_<random>, dropped afterwards) on the
// server named by ROLLCALL_TEST_POSTGRES, e.g.
// postgres://postgres@127.0.0.1:5433/postgres (`./dev test` starts one).
// Without that variable the PostgreSQL cases are skipped, unless
// ROLLCALL_REQUIRE_POSTGRES=1, when they fail instead.
// A database per test keeps the cases independent under ctest --parallel.
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <ostream>
#include <random>
#include <string>
#include <type_traits>

#include "store/detail/connection.h"
#include "store/store.h"

namespace rollcall::store {
// For gtest's messages: "postgres" rather than a byte dump.
inline void PrintTo(Backend backend, std::ostream* out) { *out << to_string(backend); }
}  // namespace rollcall::store

namespace rollcall::store::testing {

namespace fs = std::filesystem;

inline std::optional<std::string> postgres_server_url() {
  const char* url = std::getenv("ROLLCALL_TEST_POSTGRES");
  if (url == nullptr || *url == '\0') return std::nullopt;
  return std::string(url);
}

inline bool is_postgres_required() {
  const char* required = std::getenv("ROLLCALL_REQUIRE_POSTGRES");
  return required != nullptr && std::string(required) == "1";
}

inline std::string random_suffix() {
  static thread_local std::mt19937_64 random{std::random_device{}()};
  char text[17];
  std::snprintf(text, sizeof text, "%016llx", static_cast<unsigned long long>(random()));
  return text;
}

// A fresh, empty database for one test, removed when it ends.
class TestDatabase {
 public:
  static Result<std::unique_ptr<TestDatabase>> create(Backend backend) {
    auto database = std::unique_ptr<TestDatabase>(new TestDatabase(backend));
    if (backend == Backend::sqlite) {
      database->dir_ = fs::temp_directory_path() / ("rollcall-store-test-" + random_suffix());
      fs::create_directories(database->dir_);
      database->url_ = "sqlite://" + (database->dir_ / "rollcall.db").string();
      return database;
    }
    const auto server = postgres_server_url();
    if (!server) return make_error("no_postgres", "ROLLCALL_TEST_POSTGRES is not set");
    auto admin = open_postgres(*server);
    if (!admin) return admin.error();
    database->name_ = "rollcall_test_" + random_suffix();
    if (auto made = (*admin)->execute("CREATE DATABASE " + database->name_); !made) {
      return made.error();
    }
    database->url_ = postgres_url_with_database(*server, database->name_);
    return database;
  }

  TestDatabase(const TestDatabase&) = delete;
  TestDatabase& operator=(const TestDatabase&) = delete;
  ~TestDatabase() {
    if (backend_ == Backend::sqlite) {
      std::error_code ignored;
      fs::remove_all(dir_, ignored);
      return;
    }
    if (auto admin = open_postgres(*postgres_server_url())) {
      // FORCE ends sessions a failed test may have left behind.
      (void)(*admin)->execute("DROP DATABASE IF EXISTS " + name_ + " WITH (FORCE)");
    }
  }

  Backend backend() const { return backend_; }
  const std::string& url() const { return url_; }
  const std::string& name() const { return name_; }
  const fs::path& dir() const { return dir_; }  // SQLite only

  StoreOptions options() const {
    StoreOptions options;
    options.url = url_;
    options.data_dir = dir_;
    return options;
  }

 private:
  explicit TestDatabase(Backend backend) : backend_(backend) {}

  Backend backend_;
  std::string url_;
  std::string name_;  // PostgreSQL only
  fs::path dir_;      // SQLite only
};

// The value of an ok Result; otherwise records a failure and returns T{}.
template <typename T>
T must(Result<T> result) {
  if (!result.ok()) {
    ADD_FAILURE() << result.error().code << ": " << result.error().message;
    return T{};
  }
  return std::move(result).value();
}

inline void must(const Result<void>& result) {
  if (!result.ok()) ADD_FAILURE() << result.error().code << ": " << result.error().message;
}

template <typename R>
struct ResultValue;
template <typename T>
struct ResultValue<Result<T>> {
  using type = T;
};

inline std::string backend_name(const ::testing::TestParamInfo<Backend>& info) {
  return to_string(info.param);
}

// Skips (or fails, when required) a PostgreSQL case with no server.
#define ROLLCALL_NEED_BACKEND(backend)                                                      \
  do {                                                                                      \
    if ((backend) == ::rollcall::store::Backend::postgres &&                                \
        !::rollcall::store::testing::postgres_server_url()) {                               \
      if (::rollcall::store::testing::is_postgres_required()) {                             \
        FAIL() << "ROLLCALL_REQUIRE_POSTGRES=1 but ROLLCALL_TEST_POSTGRES is not set";      \
      }                                                                                     \
      GTEST_SKIP() << "PostgreSQL case skipped: set ROLLCALL_TEST_POSTGRES=postgres://... " \
                      "(./dev test starts a throw-away server)";                            \
    }                                                                                       \
  } while (false)

class StoreTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    ROLLCALL_NEED_BACKEND(GetParam());
    auto database = TestDatabase::create(GetParam());
    ASSERT_TRUE(database.ok()) << database.error().code << ": " << database.error().message;
    database_ = std::move(database).value();
    auto opened = Store::open(database_->options());
    ASSERT_TRUE(opened.ok()) << opened.error().code << ": " << opened.error().message;
    store_ = std::move(opened).value();
  }

  void TearDown() override {
    store_.reset();  // before the database is dropped
    database_.reset();
  }

  Store& store() { return *store_; }
  TestDatabase& database() { return *database_; }

  // Runs `work` in a write transaction and returns its Result.
  template <typename F>
  auto write(F work) -> decltype(work(std::declval<Tx&>())) {
    using T = typename ResultValue<decltype(work(std::declval<Tx&>()))>::type;
    if constexpr (std::is_void_v<T>) {
      return store_->write(work);
    } else {
      return store_->write_value<T>(work);
    }
  }
  template <typename F>
  auto read(F work) -> decltype(work(std::declval<Tx&>())) {
    using T = typename ResultValue<decltype(work(std::declval<Tx&>()))>::type;
    if constexpr (std::is_void_v<T>) {
      return store_->read(work);
    } else {
      return store_->read_value<T>(work);
    }
  }

  // Rows for tests to build on.
  static User user(const std::string& username, Role role = Role::student) {
    User user;
    user.username = username;
    user.password_hash = "$argon2id$fake";
    user.role = role;
    user.display_name = "Name of " + username;
    user.created_ms = 1000;
    return user;
  }
  UserId add_user(const std::string& username, Role role = Role::student) {
    return must(write([&](Tx& tx) { return tx.insert_user(user(username, role)); }));
  }
  static ClassGroup class_group(const std::string& name, const std::string& section = "A") {
    ClassGroup group;
    group.name = name;
    group.section = section;
    group.created_ms = 1000;
    return group;
  }
  ClassId add_class(const std::string& name, const std::string& section = "A") {
    return must(write([&](Tx& tx) { return tx.insert_class(class_group(name, section)); }));
  }
  static Subject subject(const std::string& code) {
    Subject subject;
    subject.code = code;
    subject.name = "Subject " + code;
    subject.created_ms = 1000;
    return subject;
  }
  SubjectId add_subject(const std::string& code) {
    return must(write([&](Tx& tx) { return tx.insert_subject(subject(code)); }));
  }
  static Teacher teacher(UserId user, const std::string& name) {
    Teacher teacher;
    teacher.user = user;
    teacher.name = name;
    teacher.email = name + "@school.example";
    teacher.phone = "+9198000" + std::to_string(10000 + name.size());
    teacher.created_ms = 1000;
    return teacher;
  }
  TeacherId add_teacher(const std::string& name) {
    const UserId account = add_user("teacher." + name, Role::teacher);
    return must(write([&](Tx& tx) { return tx.insert_teacher(teacher(account, name)); }));
  }
  static Student student(const std::string& roll, ClassId class_id, const std::string& name = "") {
    Student student;
    student.name = name.empty() ? "Student " + roll : name;
    student.roll_number = roll;
    student.registration_number = "PRN-" + roll;
    student.class_id = class_id;
    student.created_ms = 1000;
    return student;
  }
  StudentId add_student(const std::string& roll, ClassId class_id, const std::string& name = "") {
    return must(write([&](Tx& tx) { return tx.insert_student(student(roll, class_id, name)); }));
  }

  // The number of rows of `table` (for checking cascades).
  std::int64_t count_rows(const std::string& table) {
    return must(read([&](Tx& tx) -> Result<std::int64_t> {
      auto rows = tx.connection().query("SELECT COUNT(*) FROM " + table);
      if (!rows) return rows.error();
      return std::get<std::int64_t>(rows->rows.at(0).at(0));
    }));
  }

 private:
  std::unique_ptr<TestDatabase> database_;
  std::unique_ptr<Store> store_;
};

}  // namespace rollcall::store::testing

// Instantiates a StoreTest suite once per back end.
#define ROLLCALL_ON_BOTH_BACKENDS(Suite)                                                           \
  INSTANTIATE_TEST_SUITE_P(                                                                        \
      Store, Suite,                                                                                \
      ::testing::Values(::rollcall::store::Backend::sqlite, ::rollcall::store::Backend::postgres), \
      ::rollcall::store::testing::backend_name)
