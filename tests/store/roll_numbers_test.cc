// tests/store/roll_numbers_test.cc
//
// Roll numbers are unique within a class, not the school, and compare
// ignoring case; users carry must_change_password. Migration 12 brings a
// database with students in it there without losing a row, a reference or
// the id counter.
#include <gtest/gtest.h>

#include "store/detail/migrations.h"
#include "store_fixture.h"

namespace rollcall::store::testing {
namespace {

class RollNumbers : public StoreTest {
 protected:
  ClassId add_class(const std::string& name) {
    ClassGroup group;
    group.name = name;
    group.section = "A";
    return must(write([&](Tx& tx) { return tx.insert_class(group); }));
  }
  static Student student(const std::string& roll, ClassId group) {
    Student s;
    s.name = "Student " + roll;
    s.roll_number = roll;
    s.registration_number = "PRN-" + std::to_string(group.value) + "-" + roll;
    s.class_id = group;
    s.created_ms = 1000;
    return s;
  }
};

TEST_P(RollNumbers, TwoClassesMayEachHaveRoll101) {
  const ClassId a = add_class("BTech IT");
  const ClassId b = add_class("BTech CS");
  const auto first = must(write([&](Tx& tx) { return tx.insert_student(student("101", a)); }));
  const auto second = must(write([&](Tx& tx) { return tx.insert_student(student("101", b)); }));
  EXPECT_NE(first, second);
  EXPECT_EQ(must(read([&](Tx& tx) { return tx.find_student_by_roll(a, "101"); }))->id, first);
  EXPECT_EQ(must(read([&](Tx& tx) { return tx.find_student_by_roll(b, "101"); }))->id, second);
  EXPECT_EQ(must(read([](Tx& tx) { return tx.list_students_by_roll("101", 5); })).size(), 2u);
}

TEST_P(RollNumbers, ARollNumberRepeatedInOneClassInAnyCaseIsADuplicateOfClassAndRollKey) {
  const ClassId a = add_class("BTech IT");
  must(write([&](Tx& tx) { return tx.insert_student(student("it-7a", a)); }));
  auto again = write([&](Tx& tx) {
    Student twin = student("IT-7A", a);
    twin.registration_number = "PRN-other";
    return tx.insert_student(twin);
  });
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, "duplicate");
  EXPECT_EQ(again.error().message, "students.class_id, students.roll_key");
}

TEST_P(RollNumbers, RollNumbersAreFoundInAnyCaseAndKeepTheirSpelling) {
  const ClassId a = add_class("BTech IT");
  const auto id = must(write([&](Tx& tx) { return tx.insert_student(student("IT-7a", a)); }));
  const auto found = must(read([&](Tx& tx) { return tx.find_student_by_roll(a, "it-7A"); }));
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->id, id);
  EXPECT_EQ(found->roll_number, "IT-7a");
}

TEST_P(RollNumbers, ARenamedRollNumberIsFoundByItsNewSpellingOnly) {
  const ClassId a = add_class("BTech IT");
  const auto id = must(write([&](Tx& tx) { return tx.insert_student(student("OLD-1", a)); }));
  must(write([&](Tx& tx) -> Result<void> {
    auto s = tx.find_student(id);
    if (!s) return s.error();
    (*s)->roll_number = "New-1";
    return tx.update_student(**s);
  }));
  EXPECT_FALSE(must(read([&](Tx& tx) { return tx.find_student_by_roll(a, "old-1"); })));
  EXPECT_EQ(must(read([&](Tx& tx) { return tx.find_student_by_roll(a, "NEW-1"); }))->id, id);
}

TEST_P(RollNumbers, ARegistrationNumberIsFoundInAnyCase) {
  const ClassId a = add_class("BTech IT");
  Student s = student("1", a);
  s.registration_number = "PRN2024IT001";
  const auto id = must(write([&](Tx& tx) { return tx.insert_student(s); }));
  EXPECT_EQ(must(read([](Tx& tx) { return tx.find_student_by_registration("prn2024it001"); }))->id,
            id);
  EXPECT_FALSE(must(read([](Tx& tx) { return tx.find_student_by_registration("PRN2024IT00"); })));
}

TEST_P(RollNumbers, ASessionsRollLookupPrefersItsClassThenNamesAnotherClasssStudent) {
  const ClassId a = add_class("BTech IT");
  const ClassId b = add_class("BTech CS");
  const auto in_b = must(write([&](Tx& tx) { return tx.insert_student(student("101", b)); }));
  const auto in_a = must(write([&](Tx& tx) { return tx.insert_student(student("101", a)); }));
  Teacher teacher;
  teacher.user = must(write([](Tx& tx) { return tx.insert_user(user("t1", Role::teacher)); }));
  teacher.name = "T";
  const auto teacher_id = must(write([&](Tx& tx) { return tx.insert_teacher(teacher); }));
  Subject subject;
  subject.code = "CS1";
  subject.name = "CS";
  const auto subject_id = must(write([&](Tx& tx) { return tx.insert_subject(subject); }));
  Session session;
  session.class_id = a;
  session.subject = subject_id;
  session.teacher = teacher_id;
  session.starts_ms = 1;
  session.ends_ms = 2;
  const auto session_id = must(write([&](Tx& tx) { return tx.insert_session(session); }));
  EXPECT_EQ(
      must(read([&](Tx& tx) { return tx.find_student_by_roll_in_session(session_id, "101"); }))->id,
      in_a);
  EXPECT_TRUE(must(write([&](Tx& tx) { return tx.delete_student(in_a); })));
  EXPECT_EQ(
      must(read([&](Tx& tx) { return tx.find_student_by_roll_in_session(session_id, "101"); }))->id,
      in_b);
}

TEST_P(RollNumbers, AResetPasswordIsFlaggedForChangeAndAChangeClearsIt) {
  const auto id = must(write([](Tx& tx) { return tx.insert_user(user("flagged")); }));
  EXPECT_FALSE(must(read([&](Tx& tx) { return tx.find_user(id); }))->must_change_password);
  must(write([&](Tx& tx) { return tx.update_password(id, "$argon2id$reset", true); }));
  EXPECT_TRUE(must(read([&](Tx& tx) { return tx.find_user(id); }))->must_change_password);
  must(write([&](Tx& tx) { return tx.update_password(id, "$argon2id$own", false); }));
  EXPECT_FALSE(must(read([&](Tx& tx) { return tx.find_user(id); }))->must_change_password);
}

INSTANTIATE_TEST_SUITE_P(Backends, RollNumbers,
                         ::testing::Values(Backend::sqlite, Backend::postgres), backend_name);

// A database as the release before migration 12 left it, with data.
class Migration12 : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    ROLLCALL_NEED_BACKEND(GetParam());
    auto database = TestDatabase::create(GetParam());
    ASSERT_TRUE(database.ok()) << database.error().message;
    database_ = std::move(database).value();
  }
  void TearDown() override {
    store_.reset();
    database_.reset();
  }

  Result<std::unique_ptr<Connection>> connect() {
    if (GetParam() == Backend::sqlite) return open_sqlite(database_->dir() / "rollcall.db", 5000);
    return open_postgres(database_->url());
  }

  static void run(Connection& c, const std::string& sql, const Params& params) {
    auto done = c.query(sql, params);
    ASSERT_TRUE(done.ok()) << sql << ": " << done.error().message;
  }

  std::unique_ptr<TestDatabase> database_;
  std::unique_ptr<Store> store_;
};

TEST_P(Migration12, KeepsEveryStudentTheirPhotosAndLoginsAndLetsClassesShareARoll) {
  {
    auto c = connect();
    ASSERT_TRUE(c.ok()) << c.error().message;
    Connection& db = **c;
    ASSERT_TRUE(apply_migrations_up_to(db, 11).ok());
    ASSERT_EQ(applied_version(db).value(), 11);
    run(db,
        "INSERT INTO users (id, username, password_hash, role, display_name, is_active, "
        "created_ms) VALUES (1, 'it-01', '$argon2id$x', 'student', 'Priya', TRUE, 5)",
        {});
    for (std::int64_t id : {1, 2}) {
      run(db, "INSERT INTO classes (id, name, section, created_ms) VALUES ($1, $2, 'A', 5)",
          {id, std::string(id == 1 ? "BTech IT" : "BTech CS")});
    }
    // 1 logs in; 2 and 4 differ only in case (allowed before 12); 5, the
    // newest, is deleted so that its id must never come back.
    const std::vector<std::tuple<std::int64_t, std::string, Value>> rows = {
        {1, "IT-01", std::int64_t{1}},
        {2, "a1", Value{}},
        {4, "A1", Value{}},
        {5, "GONE", Value{}}};
    for (const auto& [id, roll, login] : rows) {
      run(db,
          "INSERT INTO students (id, user_id, name, roll_number, registration_number, class_id, "
          "phone, telegram_id, created_ms) VALUES ($1, $2, $3, $4, $5, 1, '', NULL, 7)",
          {id, login, "Student " + roll, roll, "PRN-" + std::to_string(id)});
    }
    run(db,
        "INSERT INTO enrollment_photos (student_id, content_type, bytes, is_kept, quality_json, "
        "created_ms) VALUES (1, 'image/jpeg', NULL, FALSE, '{}', 9)",
        {});
    run(db, "DELETE FROM students WHERE id = 5", {});
    if (GetParam() == Backend::postgres) {
      // Explicit ids leave an identity column behind; a release would not.
      run(db, "SELECT setval(pg_get_serial_sequence('students', 'id'), 5)", {});
    }
  }
  auto opened = Store::open(database_->options());
  ASSERT_TRUE(opened.ok()) << opened.error().code << ": " << opened.error().message;
  store_ = std::move(opened).value();
  Store& store = *store_;
  EXPECT_EQ(store.schema_version().value(), latest_schema_version());

  auto read = [&](auto work) {
    using T = typename ResultValue<decltype(work(std::declval<Tx&>()))>::type;
    return must(store.read_value<T>(work));
  };
  const auto priya = read([](Tx& tx) { return tx.find_student_by_roll(ClassId{1}, "it-01"); });
  ASSERT_TRUE(priya.has_value());
  EXPECT_EQ(priya->id, StudentId{1});
  EXPECT_EQ(priya->roll_number, "IT-01");
  EXPECT_EQ(priya->registration_number, "PRN-1");
  EXPECT_EQ(priya->user, UserId{1});
  EXPECT_EQ(read([](Tx& tx) { return tx.count_photos(StudentId{1}); }), 1);
  const auto login = read([](Tx& tx) { return tx.find_user_by_username("it-01"); });
  ASSERT_TRUE(login.has_value());
  EXPECT_FALSE(login->must_change_password);
  // Both case twins are kept; the roll number finds the older one.
  EXPECT_TRUE(read([](Tx& tx) { return tx.find_student(StudentId{4}); }).has_value());
  EXPECT_EQ(read([](Tx& tx) { return tx.find_student_by_roll(ClassId{1}, "A1"); })->id,
            StudentId{2});

  // Another class may now have IT-01; the same class still may not.
  Student other;
  other.name = "Other";
  other.roll_number = "IT-01";
  other.registration_number = "PRN-9";
  other.class_id = ClassId{2};
  const auto added =
      must(store.write_value<StudentId>([&](Tx& tx) { return tx.insert_student(other); }));
  EXPECT_GT(added.value, 5) << "a deleted student's id was handed out again";
  other.class_id = ClassId{1};
  other.registration_number = "PRN-10";
  auto clash = store.write_value<StudentId>([&](Tx& tx) { return tx.insert_student(other); });
  ASSERT_FALSE(clash.ok());
  EXPECT_EQ(clash.error().message, "students.class_id, students.roll_key");
  // References are enforced again after the rebuild.
  auto in_use = store.write_value<bool>([](Tx& tx) { return tx.delete_class(ClassId{1}); });
  ASSERT_FALSE(in_use.ok());
  EXPECT_EQ(in_use.error().code, "foreign_key");
}

INSTANTIATE_TEST_SUITE_P(Backends, Migration12,
                         ::testing::Values(Backend::sqlite, Backend::postgres), backend_name);

}  // namespace
}  // namespace rollcall::store::testing
