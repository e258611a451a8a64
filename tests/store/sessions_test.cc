// tests/store/sessions_test.cc
//
// Sessions, attendance records, the audit log and background jobs.
#include "store_fixture.h"

namespace rollcall::store::testing {
namespace {

class SessionsTest : public StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    class_ = add_class("BTech IT");
    subject_ = add_subject("CS301");
    teacher_ = add_teacher("Joshi");
    first_ = add_student("IT-01", class_);
    second_ = add_student("IT-02", class_);
  }

  Session session() const {
    Session session;
    session.class_id = class_;
    session.subject = subject_;
    session.teacher = teacher_;
    session.starts_ms = 1'764'000'000'000;
    session.ends_ms = 1'764'003'600'000;
    session.method = SessionMethod::mixed;
    session.created_ms = 1'763'999'000'000;
    return session;
  }
  SessionId add_session() {
    return must(write([&](Tx& tx) { return tx.insert_session(session()); }));
  }

  static AttendanceRecord record(SessionId session, StudentId student, AttendanceStatus status) {
    AttendanceRecord record;
    record.session = session;
    record.student = student;
    record.status = status;
    record.decided_by = "photo";
    record.similarity = 0.61f;
    record.changed_ms = 5000;
    return record;
  }

  ClassId class_;
  SubjectId subject_;
  TeacherId teacher_;
  StudentId first_;
  StudentId second_;
};
ROLLCALL_ON_BOTH_BACKENDS(SessionsTest);

TEST_P(SessionsTest, SessionRoundTrips) {
  const SessionId id = add_session();
  const auto found = must(read([&](Tx& tx) { return tx.find_session(id); }));
  ASSERT_TRUE(found.has_value());
  const Session expected = session();
  EXPECT_EQ(found->id, id);
  EXPECT_EQ(found->class_id, class_);
  EXPECT_EQ(found->subject, subject_);
  EXPECT_EQ(found->teacher, teacher_);
  EXPECT_EQ(found->starts_ms, expected.starts_ms);
  EXPECT_EQ(found->ends_ms, expected.ends_ms);
  EXPECT_EQ(found->method, SessionMethod::mixed);
  EXPECT_FALSE(found->is_locked);
  EXPECT_EQ(found->created_ms, expected.created_ms);
  EXPECT_FALSE(must(read([](Tx& tx) { return tx.find_session(SessionId{999}); })).has_value());
}

TEST_P(SessionsTest, ASessionForAMissingTeacherNamesTheReference) {
  Session orphan = session();
  orphan.teacher = TeacherId{404};
  const auto added = write([&](Tx& tx) { return tx.insert_session(orphan); });
  ASSERT_FALSE(added.ok());
  EXPECT_EQ(added.error().code, "foreign_key");
  EXPECT_EQ(added.error().message, "sessions.teacher_id -> teachers.id");
}

TEST_P(SessionsTest, UpsertAttendanceInsertsThenUpdatesOneRow) {
  const SessionId id = add_session();
  const UserId marker = add_user("teacher.marker", Role::teacher);
  must(write(
      [&](Tx& tx) { return tx.upsert_attendance(record(id, first_, AttendanceStatus::absent)); }));
  AttendanceRecord corrected = record(id, first_, AttendanceStatus::late);
  corrected.decided_by = "manual";
  corrected.similarity.reset();
  corrected.changed_by = marker;
  corrected.changed_ms = 6000;
  must(write([&](Tx& tx) { return tx.upsert_attendance(corrected); }));

  const auto records = must(read([&](Tx& tx) { return tx.list_attendance(id); }));
  ASSERT_EQ(records.size(), 1u);
  EXPECT_GT(records[0].id, 0);
  EXPECT_EQ(records[0].session, id);
  EXPECT_EQ(records[0].student, first_);
  EXPECT_EQ(records[0].status, AttendanceStatus::late);
  EXPECT_EQ(records[0].decided_by, "manual");
  EXPECT_FALSE(records[0].similarity.has_value());
  EXPECT_EQ(records[0].changed_by, marker);
  EXPECT_EQ(records[0].changed_ms, 6000);
}

TEST_P(SessionsTest, ListsAttendanceByStudentWithSimilarity) {
  const SessionId id = add_session();
  const SessionId other = add_session();
  must(write([&](Tx& tx) -> Result<void> {
    if (auto a = tx.upsert_attendance(record(id, second_, AttendanceStatus::present)); !a) return a;
    if (auto b = tx.upsert_attendance(record(id, first_, AttendanceStatus::excused)); !b) return b;
    return tx.upsert_attendance(record(other, first_, AttendanceStatus::absent));
  }));
  const auto records = must(read([&](Tx& tx) { return tx.list_attendance(id); }));
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0].student, first_);
  EXPECT_EQ(records[0].status, AttendanceStatus::excused);
  EXPECT_EQ(records[1].student, second_);
  EXPECT_EQ(records[1].status, AttendanceStatus::present);
  ASSERT_TRUE(records[1].similarity.has_value());
  EXPECT_EQ(*records[1].similarity, 0.61f);
  EXPECT_FALSE(records[1].changed_by.has_value());
}

TEST_P(SessionsTest, DeletingAStudentDeletesTheirAttendance) {
  const SessionId id = add_session();
  must(write(
      [&](Tx& tx) { return tx.upsert_attendance(record(id, first_, AttendanceStatus::present)); }));
  must(write([&](Tx& tx) { return tx.delete_student(first_); }));
  EXPECT_TRUE(must(read([&](Tx& tx) { return tx.list_attendance(id); })).empty());
}

TEST_P(SessionsTest, AClassWithSessionsCannotBeDeleted) {
  const ClassId empty = add_class("BTech CS");
  Session held = session();
  held.class_id = empty;
  must(write([&](Tx& tx) { return tx.insert_session(held); }));
  const auto deleted = write([&](Tx& tx) { return tx.delete_class(empty); });
  ASSERT_FALSE(deleted.ok());
  EXPECT_EQ(deleted.error().code, "foreign_key");
  EXPECT_EQ(deleted.error().message, "sessions.class_id -> classes.id");
}

// Audit log.

AuditEntry audit(const std::string& action, const std::string& entity, std::int64_t at_ms,
                 std::optional<UserId> actor = std::nullopt) {
  AuditEntry entry;
  entry.actor = actor;
  entry.action = action;
  entry.entity = entity;
  entry.entity_id = 7;
  entry.after_json = R"({"name": "x"})";
  entry.at_ms = at_ms;
  return entry;
}

TEST_P(SessionsTest, AuditEntryRoundTrips) {
  const UserId admin = add_user("admin", Role::admin);
  AuditEntry entry = audit("student.update", "student", 100, admin);
  entry.before_json = R"({"name": "w"})";
  const std::int64_t id = must(write([&](Tx& tx) { return tx.insert_audit(entry); }));
  const auto page = must(read([](Tx& tx) { return tx.list_audit(ListQuery{}, ""); }));
  ASSERT_EQ(page.items.size(), 1u);
  EXPECT_EQ(page.items[0].id, id);
  EXPECT_EQ(page.items[0].actor, admin);
  EXPECT_EQ(page.items[0].action, "student.update");
  EXPECT_EQ(page.items[0].entity, "student");
  EXPECT_EQ(page.items[0].entity_id, 7);
  EXPECT_EQ(page.items[0].before_json, R"({"name": "w"})");
  EXPECT_EQ(page.items[0].after_json, R"({"name": "x"})");
  EXPECT_EQ(page.items[0].at_ms, 100);
}

TEST_P(SessionsTest, AuditLogListsNewestFirstFilteredByEntity) {
  must(write([&](Tx& tx) -> Result<void> {
    for (const auto& entry :
         {audit("student.create", "student", 100), audit("class.create", "class", 200),
          audit("student.update", "student", 300), audit("student.delete", "student", 400)}) {
      if (auto added = tx.insert_audit(entry); !added) return added.error();
    }
    return {};
  }));
  ListQuery query;
  query.limit = 2;
  const auto students = must(read([&](Tx& tx) { return tx.list_audit(query, "student"); }));
  EXPECT_EQ(students.total, 3);
  ASSERT_EQ(students.items.size(), 2u);
  EXPECT_EQ(students.items[0].action, "student.delete");
  EXPECT_EQ(students.items[1].action, "student.update");
  EXPECT_EQ(must(read([](Tx& tx) { return tx.list_audit(ListQuery{}, ""); })).total, 4);
  query.search = "UPDATE";
  EXPECT_EQ(must(read([&](Tx& tx) { return tx.list_audit(query, ""); })).total, 1);
}

TEST_P(SessionsTest, TheAuditLogOutlivesTheActor) {
  const UserId admin = add_user("admin", Role::admin);
  must(write([&](Tx& tx) { return tx.insert_audit(audit("user.create", "user", 1, admin)); }));
  must(write([&](Tx& tx) { return tx.delete_user(admin); }));
  const auto page = must(read([](Tx& tx) { return tx.list_audit(ListQuery{}, ""); }));
  ASSERT_EQ(page.items.size(), 1u);
  EXPECT_EQ(page.items[0].actor, admin);
}

// Jobs.

TEST_P(SessionsTest, JobRoundTripsAndRecordsProgress) {
  const UserId admin = add_user("admin", Role::admin);
  Job job;
  job.kind = "import";
  job.total = 40;
  job.created_by = admin;
  job.created_ms = 10;
  job.updated_ms = 10;
  job.id = must(write([&](Tx& tx) { return tx.insert_job(job); }));
  auto found = must(read([&](Tx& tx) { return tx.find_job(job.id); }));
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->kind, "import");
  EXPECT_EQ(found->state, JobState::queued);
  EXPECT_EQ(found->done, 0);
  EXPECT_EQ(found->total, 40);
  EXPECT_EQ(found->errors_json, "[]");
  EXPECT_EQ(found->created_by, admin);

  job.state = JobState::failed;
  job.done = 39;
  job.errors_json = R"([{"row": 3, "code": "duplicate"}])";
  job.updated_ms = 20;
  must(write([&](Tx& tx) { return tx.update_job(job); }));
  found = must(read([&](Tx& tx) { return tx.find_job(job.id); }));
  EXPECT_EQ(found->state, JobState::failed);
  EXPECT_EQ(found->done, 39);
  EXPECT_EQ(found->errors_json, job.errors_json);
  EXPECT_EQ(found->created_ms, 10);
  EXPECT_EQ(found->updated_ms, 20);
}

TEST_P(SessionsTest, UpdatingAMissingJobIsNotFound) {
  Job ghost;
  ghost.id = JobId{12};
  ghost.kind = "reembed";
  const auto updated = write([&](Tx& tx) { return tx.update_job(ghost); });
  ASSERT_FALSE(updated.ok());
  EXPECT_EQ(updated.error().code, "not_found");
}

}  // namespace
}  // namespace rollcall::store::testing
