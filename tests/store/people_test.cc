// tests/store/people_test.cc
//
// Teachers, classes, subjects, assignments and students: round trips,
// unique keys, references, search and paging.
#include <thread>

#include "store_fixture.h"

namespace rollcall::store::testing {
namespace {

class PeopleTest : public StoreTest {};
ROLLCALL_ON_BOTH_BACKENDS(PeopleTest);

// Teachers.

TEST_P(PeopleTest, TeacherRoundTrips) {
  const UserId account = add_user("t.nair", Role::teacher);
  Teacher nair = teacher(account, "Nair");
  nair.telegram_id = 7'000'000'001;
  const TeacherId id = must(write([&](Tx& tx) { return tx.insert_teacher(nair); }));
  const auto found = must(read([&](Tx& tx) { return tx.find_teacher(id); }));
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->id, id);
  EXPECT_EQ(found->user, account);
  EXPECT_EQ(found->name, "Nair");
  EXPECT_EQ(found->email, nair.email);
  EXPECT_EQ(found->phone, nair.phone);
  EXPECT_EQ(found->telegram_id, 7'000'000'001);
  const auto by_user = must(read([&](Tx& tx) { return tx.find_teacher_by_user(account); }));
  ASSERT_TRUE(by_user.has_value());
  EXPECT_EQ(by_user->id, id);
}

TEST_P(PeopleTest, UpdateTeacherClearsTheTelegramLink) {
  const UserId account = add_user("t.rao", Role::teacher);
  Teacher rao = teacher(account, "Rao");
  rao.telegram_id = 55;
  rao.id = must(write([&](Tx& tx) { return tx.insert_teacher(rao); }));
  rao.telegram_id.reset();
  rao.email = "rao@new.example";
  must(write([&](Tx& tx) { return tx.update_teacher(rao); }));
  const auto found = must(read([&](Tx& tx) { return tx.find_teacher(rao.id); }));
  EXPECT_FALSE(found->telegram_id.has_value());
  EXPECT_EQ(found->email, "rao@new.example");
}

TEST_P(PeopleTest, ListsTeachersMatchingEmail) {
  add_teacher("Iyer");
  add_teacher("Menon");
  ListQuery query;
  query.search = "menon@SCHOOL";
  const auto page = must(read([&](Tx& tx) { return tx.list_teachers(query); }));
  EXPECT_EQ(page.total, 1);
  ASSERT_EQ(page.items.size(), 1u);
  EXPECT_EQ(page.items[0].name, "Menon");
}

TEST_P(PeopleTest, AUserHasAtMostOneTeacher) {
  const UserId account = add_user("t.shared", Role::teacher);
  must(write([&](Tx& tx) { return tx.insert_teacher(teacher(account, "One")); }));
  const auto again = write([&](Tx& tx) { return tx.insert_teacher(teacher(account, "Two")); });
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, "duplicate");
  EXPECT_EQ(again.error().message, "teachers.user_id");
}

TEST_P(PeopleTest, DeletingATeacherDropsTheirAssignments) {
  const TeacherId kapoor = add_teacher("Kapoor");
  const ClassId group = add_class("BTech IT");
  const SubjectId maths = add_subject("MA101");
  Assignment assignment;
  assignment.teacher = kapoor;
  assignment.class_id = group;
  assignment.subject = maths;
  must(write([&](Tx& tx) { return tx.insert_assignment(assignment); }));
  EXPECT_TRUE(must(write([&](Tx& tx) { return tx.delete_teacher(kapoor); })));
  EXPECT_EQ(count_rows("assignments"), 0);
}

// Classes and subjects.

TEST_P(PeopleTest, ClassRoundTripsAndUpdates) {
  const ClassId id = add_class("BTech IT", "A");
  ClassGroup group = must(read([&](Tx& tx) { return tx.find_class(id); })).value();
  EXPECT_EQ(group.name, "BTech IT");
  EXPECT_EQ(group.section, "A");
  group.section = "B";
  must(write([&](Tx& tx) { return tx.update_class(group); }));
  EXPECT_EQ(must(read([&](Tx& tx) { return tx.find_class(id); }))->section, "B");
}

TEST_P(PeopleTest, NameAndSectionTogetherAreUnique) {
  add_class("BTech IT", "A");
  add_class("BTech IT", "B");  // another section is fine
  const auto again = write([](Tx& tx) { return tx.insert_class(class_group("BTech IT", "A")); });
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, "duplicate");
  EXPECT_EQ(again.error().message, "classes.name, classes.section");
}

TEST_P(PeopleTest, ListsClassesBySectionSearch) {
  add_class("BTech IT", "A");
  add_class("BTech CS", "B");
  add_class("MTech", "A");
  ListQuery query;
  query.search = "a";  // only in section "A": no class name has an 'a' in it
  const auto page = must(read([&](Tx& tx) { return tx.list_classes(query); }));
  EXPECT_EQ(page.total, 2);
  ASSERT_EQ(page.items.size(), 2u);
  EXPECT_EQ(page.items[0].name, "BTech IT");
  EXPECT_EQ(page.items[1].name, "MTech");
}

TEST_P(PeopleTest, SubjectRoundTripsAndItsCodeIsUnique) {
  const SubjectId id = add_subject("CS301");
  Subject found = must(read([&](Tx& tx) { return tx.find_subject(id); })).value();
  EXPECT_EQ(found.code, "CS301");
  EXPECT_EQ(found.name, "Subject CS301");
  found.name = "Operating Systems";
  must(write([&](Tx& tx) { return tx.update_subject(found); }));
  EXPECT_EQ(must(read([&](Tx& tx) { return tx.find_subject(id); }))->name, "Operating Systems");
  const auto again = write([](Tx& tx) { return tx.insert_subject(subject("CS301")); });
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, "duplicate");
  EXPECT_EQ(again.error().message, "subjects.code");
}

TEST_P(PeopleTest, ListsSubjectsByCodeOrName) {
  add_subject("CS301");
  add_subject("CS302");
  add_subject("MA101");
  ListQuery query;
  query.search = "cs3";
  const auto page = must(read([&](Tx& tx) { return tx.list_subjects(query); }));
  EXPECT_EQ(page.total, 2);
  ASSERT_EQ(page.items.size(), 2u);
  EXPECT_EQ(page.items[0].code, "CS301");
  EXPECT_EQ(page.items[1].code, "CS302");
}

TEST_P(PeopleTest, DeleteSubjectSaysWhetherThereWasOne) {
  const SubjectId id = add_subject("PH101");
  EXPECT_TRUE(must(write([&](Tx& tx) { return tx.delete_subject(id); })));
  EXPECT_FALSE(must(write([&](Tx& tx) { return tx.delete_subject(id); })));
}

// Assignments.

class AssignmentsTest : public StoreTest {
 protected:
  Assignment assign(TeacherId teacher, ClassId group, SubjectId subject) {
    Assignment assignment;
    assignment.teacher = teacher;
    assignment.class_id = group;
    assignment.subject = subject;
    assignment.id = must(write([&](Tx& tx) { return tx.insert_assignment(assignment); }));
    return assignment;
  }
};
ROLLCALL_ON_BOTH_BACKENDS(AssignmentsTest);

TEST_P(AssignmentsTest, RoundTripsAndListsByTeacherOrClass) {
  const TeacherId joshi = add_teacher("Joshi");
  const TeacherId pillai = add_teacher("Pillai");
  const ClassId it = add_class("BTech IT");
  const ClassId cs = add_class("BTech CS");
  const SubjectId os = add_subject("CS301");
  const Assignment a = assign(joshi, it, os);
  assign(joshi, cs, os);
  assign(pillai, it, os);

  const auto found = must(read([&](Tx& tx) { return tx.find_assignment(a.id); }));
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->teacher, joshi);
  EXPECT_EQ(found->class_id, it);
  EXPECT_EQ(found->subject, os);

  EXPECT_EQ(must(read([&](Tx& tx) { return tx.list_assignments(joshi, std::nullopt); })).size(),
            2u);
  EXPECT_EQ(must(read([&](Tx& tx) { return tx.list_assignments(std::nullopt, it); })).size(), 2u);
  EXPECT_EQ(must(read([&](Tx& tx) { return tx.list_assignments(pillai, cs); })).size(), 0u);
  EXPECT_EQ(
      must(read([&](Tx& tx) { return tx.list_assignments(std::nullopt, std::nullopt); })).size(),
      3u);
}

TEST_P(AssignmentsTest, TeachesClassIsTrueOnlyForAssignedClasses) {
  const TeacherId joshi = add_teacher("Joshi");
  const ClassId it = add_class("BTech IT");
  const ClassId cs = add_class("BTech CS");
  assign(joshi, it, add_subject("CS301"));
  EXPECT_TRUE(must(read([&](Tx& tx) { return tx.teaches_class(joshi, it); })));
  EXPECT_FALSE(must(read([&](Tx& tx) { return tx.teaches_class(joshi, cs); })));
}

TEST_P(AssignmentsTest, TheSameAssignmentTwiceIsADuplicate) {
  const TeacherId joshi = add_teacher("Joshi");
  const ClassId it = add_class("BTech IT");
  const SubjectId os = add_subject("CS301");
  assign(joshi, it, os);
  Assignment again;
  again.teacher = joshi;
  again.class_id = it;
  again.subject = os;
  const auto inserted = write([&](Tx& tx) { return tx.insert_assignment(again); });
  ASSERT_FALSE(inserted.ok());
  EXPECT_EQ(inserted.error().code, "duplicate");
  EXPECT_EQ(inserted.error().message,
            "assignments.teacher_id, assignments.class_id, assignments.subject_id");
}

TEST_P(AssignmentsTest, AssignmentToAMissingSubjectNamesTheReference) {
  Assignment dangling;
  dangling.teacher = add_teacher("Joshi");
  dangling.class_id = add_class("BTech IT");
  dangling.subject = SubjectId{404};
  const auto inserted = write([&](Tx& tx) { return tx.insert_assignment(dangling); });
  ASSERT_FALSE(inserted.ok());
  EXPECT_EQ(inserted.error().code, "foreign_key");
  EXPECT_EQ(inserted.error().message, "assignments.subject_id -> subjects.id");
}

TEST_P(AssignmentsTest, DeleteAssignmentSaysWhetherThereWasOne) {
  const Assignment a = assign(add_teacher("Joshi"), add_class("BTech IT"), add_subject("CS301"));
  EXPECT_TRUE(must(write([&](Tx& tx) { return tx.delete_assignment(a.id); })));
  EXPECT_FALSE(must(write([&](Tx& tx) { return tx.delete_assignment(a.id); })));
}

TEST_P(AssignmentsTest, ListsOnlyTheStudentsOfATeachersClasses) {
  const TeacherId joshi = add_teacher("Joshi");
  const ClassId it = add_class("BTech IT");
  const ClassId cs = add_class("BTech CS");
  const ClassId me = add_class("BTech ME");
  assign(joshi, it, add_subject("CS301"));
  assign(joshi, cs, add_subject("CS302"));
  add_student("IT-01", it);
  add_student("IT-02", it);
  add_student("CS-01", cs);
  add_student("ME-01", me);

  const ListQuery all;
  const auto mine =
      must(read([&](Tx& tx) { return tx.list_students_of_teacher(all, joshi, std::nullopt); }));
  EXPECT_EQ(mine.total, 3);
  ASSERT_EQ(mine.items.size(), 3u);
  EXPECT_EQ(mine.items[0].roll_number, "CS-01");
  EXPECT_EQ(mine.items[1].roll_number, "IT-01");
  EXPECT_EQ(mine.items[2].roll_number, "IT-02");

  const auto of_cs =
      must(read([&](Tx& tx) { return tx.list_students_of_teacher(all, joshi, cs); }));
  EXPECT_EQ(of_cs.total, 1);
  const auto of_me =
      must(read([&](Tx& tx) { return tx.list_students_of_teacher(all, joshi, me); }));
  EXPECT_EQ(of_me.total, 0);
  EXPECT_TRUE(of_me.items.empty());
}

// Students.

TEST_P(PeopleTest, StudentRoundTripsWithEveryField) {
  const ClassId group = add_class("BTech IT");
  const UserId account = add_user("it01");
  Student priya = student("IT-01", group, "Priya Sharma");
  priya.user = account;
  priya.phone = "+919800000001";
  priya.telegram_id = 123456789012;
  priya.created_ms = 1'700'000'000'123;
  const StudentId id = must(write([&](Tx& tx) { return tx.insert_student(priya); }));
  const auto found = must(read([&](Tx& tx) { return tx.find_student(id); }));
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->id, id);
  EXPECT_EQ(found->user, account);
  EXPECT_EQ(found->name, "Priya Sharma");
  EXPECT_EQ(found->roll_number, "IT-01");
  EXPECT_EQ(found->registration_number, "PRN-IT-01");
  EXPECT_EQ(found->class_id, group);
  EXPECT_EQ(found->phone, "+919800000001");
  EXPECT_EQ(found->telegram_id, 123456789012);
  EXPECT_EQ(found->created_ms, 1'700'000'000'123);
  EXPECT_EQ(must(read([&](Tx& tx) { return tx.find_student_by_roll(group, "IT-01"); }))->id, id);
  EXPECT_EQ(must(read([&](Tx& tx) { return tx.find_student_by_user(account); }))->id, id);
  EXPECT_FALSE(
      must(read([&](Tx& tx) { return tx.find_student_by_roll(group, "IT-99"); })).has_value());
}

TEST_P(PeopleTest, AStudentWithoutLoginHasNoUser) {
  const StudentId id = add_student("IT-01", add_class("BTech IT"));
  const auto found = must(read([&](Tx& tx) { return tx.find_student(id); }));
  EXPECT_FALSE(found->user.has_value());
  EXPECT_FALSE(found->telegram_id.has_value());
}

TEST_P(PeopleTest, DuplicateRollNumberIsNamed) {
  const ClassId group = add_class("BTech IT");
  add_student("IT-01", group);
  Student clash = student("IT-01", group);
  clash.registration_number = "PRN-other";
  const auto inserted = write([&](Tx& tx) { return tx.insert_student(clash); });
  ASSERT_FALSE(inserted.ok());
  EXPECT_EQ(inserted.error().code, "duplicate");
  EXPECT_EQ(inserted.error().message, "students.class_id, students.roll_key");
}

TEST_P(PeopleTest, DuplicateRegistrationNumberIsNamed) {
  const ClassId group = add_class("BTech IT");
  add_student("IT-01", group);
  Student clash = student("IT-02", group);
  clash.registration_number = "PRN-IT-01";
  const auto inserted = write([&](Tx& tx) { return tx.insert_student(clash); });
  ASSERT_FALSE(inserted.ok());
  EXPECT_EQ(inserted.error().code, "duplicate");
  EXPECT_EQ(inserted.error().message, "students.registration_number");
}

TEST_P(PeopleTest, ADuplicateFromUpdateIsNamedToo) {
  const ClassId group = add_class("BTech IT");
  add_student("IT-01", group);
  Student other = student("IT-02", group);
  other.id = add_student("IT-02", group);
  other.roll_number = "IT-01";
  const auto updated = write([&](Tx& tx) { return tx.update_student(other); });
  ASSERT_FALSE(updated.ok());
  EXPECT_EQ(updated.error().code, "duplicate");
  EXPECT_EQ(updated.error().message, "students.class_id, students.roll_key");
}

TEST_P(PeopleTest, OfEightConcurrentInsertsOfOneRollNumberExactlyOneWins) {
  const ClassId group = add_class("BTech IT");
  constexpr int kThreads = 8;
  std::vector<Result<StudentId>> results(kThreads, make_error("unset", ""));
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      Student racer = student("IT-01", group);
      racer.registration_number = "PRN-" + std::to_string(i);
      results[i] = write([&](Tx& tx) { return tx.insert_student(racer); });
    });
  }
  for (auto& thread : threads) thread.join();
  int wins = 0;
  for (const auto& result : results) {
    if (result.ok()) {
      ++wins;
    } else {
      EXPECT_EQ(result.error().code, "duplicate") << result.error().message;
      EXPECT_EQ(result.error().message, "students.class_id, students.roll_key");
    }
  }
  EXPECT_EQ(wins, 1);
  EXPECT_EQ(must(read([](Tx& tx) { return tx.count_students(); })), 1);
}

TEST_P(PeopleTest, AStudentInAMissingClassNamesTheReference) {
  const auto inserted =
      write([](Tx& tx) { return tx.insert_student(student("X-1", ClassId{77})); });
  ASSERT_FALSE(inserted.ok());
  EXPECT_EQ(inserted.error().code, "foreign_key");
  EXPECT_EQ(inserted.error().message, "students.class_id -> classes.id");
}

TEST_P(PeopleTest, AClassWithStudentsCannotBeDeleted) {
  const ClassId group = add_class("BTech IT");
  add_student("IT-01", group);
  const auto deleted = write([&](Tx& tx) { return tx.delete_class(group); });
  ASSERT_FALSE(deleted.ok());
  EXPECT_EQ(deleted.error().code, "foreign_key");
  EXPECT_EQ(deleted.error().message, "students.class_id -> classes.id");
  EXPECT_TRUE(must(read([&](Tx& tx) { return tx.find_class(group); })).has_value());
  EXPECT_EQ(count_rows("students"), 1);
}

TEST_P(PeopleTest, AnEmptyClassCanBeDeleted) {
  const ClassId group = add_class("BTech IT");
  EXPECT_TRUE(must(write([&](Tx& tx) { return tx.delete_class(group); })));
  EXPECT_FALSE(must(write([&](Tx& tx) { return tx.delete_class(group); })));
}

TEST_P(PeopleTest, UpdateStudentMovesThemToAnotherClass) {
  const ClassId it = add_class("BTech IT");
  const ClassId cs = add_class("BTech CS");
  Student moving = student("IT-01", it);
  moving.id = add_student("IT-01", it);
  moving.class_id = cs;
  moving.name = "Renamed";
  must(write([&](Tx& tx) { return tx.update_student(moving); }));
  const auto found = must(read([&](Tx& tx) { return tx.find_student(moving.id); }));
  EXPECT_EQ(found->class_id, cs);
  EXPECT_EQ(found->name, "Renamed");
}

TEST_P(PeopleTest, UpdatingAMissingStudentIsNotFound) {
  Student ghost = student("G-1", add_class("BTech IT"));
  ghost.id = StudentId{31337};
  const auto updated = write([&](Tx& tx) { return tx.update_student(ghost); });
  ASSERT_FALSE(updated.ok());
  EXPECT_EQ(updated.error().code, "not_found");
}

class StudentSearchTest : public StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    it_ = add_class("BTech IT");
    cs_ = add_class("BTech CS");
    must(write([&](Tx& tx) -> Result<void> {
      for (int i = 1; i <= 12; ++i) {
        const std::string roll = "IT-" + std::string(i < 10 ? "0" : "") + std::to_string(i);
        if (auto added = tx.insert_student(student(roll, it_)); !added) return added.error();
      }
      for (const auto& [roll, name] :
           std::vector<std::pair<std::string, std::string>>{{"CS-01", "Anita Desai"},
                                                            {"CS-02", "Rohan 100% Kumar"},
                                                            {"CS-03", "snake_case"},
                                                            {"CS-04", "snakeXcase"}}) {
        if (auto added = tx.insert_student(student(roll, cs_, name)); !added) {
          return added.error();
        }
      }
      return {};
    }));
  }

  Page<Student> list(const std::string& search, std::int64_t offset, std::int64_t limit,
                     std::optional<ClassId> class_id = std::nullopt) {
    ListQuery query;
    query.search = search;
    query.offset = offset;
    query.limit = limit;
    return must(read([&](Tx& tx) { return tx.list_students(query, class_id); }));
  }

  ClassId it_;
  ClassId cs_;
};
ROLLCALL_ON_BOTH_BACKENDS(StudentSearchTest);

TEST_P(StudentSearchTest, PagesCarryTheTotalOfAllMatches) {
  const auto first = list("", 0, 5, it_);
  EXPECT_EQ(first.total, 12);
  ASSERT_EQ(first.items.size(), 5u);
  EXPECT_EQ(first.items[0].roll_number, "IT-01");
  const auto last = list("", 10, 5, it_);
  EXPECT_EQ(last.total, 12);
  ASSERT_EQ(last.items.size(), 2u);
  EXPECT_EQ(last.items[0].roll_number, "IT-11");
  EXPECT_EQ(last.items[1].roll_number, "IT-12");
  const auto beyond = list("", 50, 5, it_);
  EXPECT_EQ(beyond.total, 12);
  EXPECT_TRUE(beyond.items.empty());
}

TEST_P(StudentSearchTest, WithoutAClassListsEveryone) {
  EXPECT_EQ(list("", 0, 100).total, 16);
  EXPECT_EQ(must(read([](Tx& tx) { return tx.count_students(); })), 16);
}

TEST_P(StudentSearchTest, SearchIsACaseInsensitiveSubstringOfNameRollOrRegistration) {
  EXPECT_EQ(list("ANITA", 0, 10).total, 1);   // name
  EXPECT_EQ(list("it-1", 0, 10).total, 3);    // roll: IT-10, IT-11, IT-12
  EXPECT_EQ(list("prn-cs", 0, 10).total, 4);  // registration number
  EXPECT_EQ(list("desai", 0, 10, it_).total, 0);
}

TEST_P(StudentSearchTest, PercentAndUnderscoreInTheSearchMatchThemselves) {
  const auto percent = list("100%", 0, 10);
  ASSERT_EQ(percent.total, 1);
  EXPECT_EQ(percent.items[0].roll_number, "CS-02");
  const auto underscore = list("e_c", 0, 10);
  ASSERT_EQ(underscore.total, 1);  // not "snakeXcase"
  EXPECT_EQ(underscore.items[0].roll_number, "CS-03");
  EXPECT_EQ(list("%", 0, 10).total, 1);
  EXPECT_EQ(list("\\", 0, 10).total, 0);
}

TEST_P(StudentSearchTest, ANegativePageIsRefused) {
  ListQuery query;
  query.offset = -1;
  const auto page = read([&](Tx& tx) { return tx.list_students(query, std::nullopt); });
  ASSERT_FALSE(page.ok());
  EXPECT_EQ(page.error().code, "invalid_page");
}

}  // namespace
}  // namespace rollcall::store::testing
