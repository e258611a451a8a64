// tests/store/reports_test.cc
//
// The queries reports are built from: a class's sessions in a date range
// with their subject, their attendance, and a student's history.
#include "store_fixture.h"

namespace rollcall::store::testing {
namespace {

constexpr std::int64_t kDay = 86'400'000;
constexpr std::int64_t kStart = 1'764'000'000'000;

class ReportsStoreTest : public StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    class_ = add_class("BTech IT");
    other_class_ = add_class("BTech CS");
    math_ = add_subject("MA101");
    physics_ = add_subject("PH101");
    teacher_ = add_teacher("Joshi");
    first_ = add_student("IT-01", class_);
    second_ = add_student("IT-02", class_);
    outsider_ = add_student("CS-01", other_class_);
  }

  SessionId add_session(ClassId class_id, SubjectId subject, std::int64_t starts_ms) {
    Session session;
    session.class_id = class_id;
    session.subject = subject;
    session.teacher = teacher_;
    session.starts_ms = starts_ms;
    session.ends_ms = starts_ms + 3'600'000;
    session.method = SessionMethod::manual;
    session.created_ms = starts_ms;
    return must(write([&](Tx& tx) { return tx.insert_session(session); }));
  }
  void mark(SessionId session, StudentId student, AttendanceStatus status) {
    AttendanceRecord record;
    record.session = session;
    record.student = student;
    record.status = status;
    record.decided_by = "manual";
    record.changed_ms = 5000;
    must(write([&](Tx& tx) { return tx.upsert_attendance(record); }));
  }

  ClassId class_;
  ClassId other_class_;
  SubjectId math_;
  SubjectId physics_;
  TeacherId teacher_;
  StudentId first_;
  StudentId second_;
  StudentId outsider_;
};
ROLLCALL_ON_BOTH_BACKENDS(ReportsStoreTest);

TEST_P(ReportsStoreTest, ClassSessionsInARangeComeOldestFirstWithTheirSubject) {
  const SessionId later = add_session(class_, physics_, kStart + 2 * kDay);
  const SessionId earlier = add_session(class_, math_, kStart);
  add_session(class_, math_, kStart + 5 * kDay);    // after the range
  add_session(class_, math_, kStart - kDay);        // before it
  add_session(other_class_, math_, kStart + kDay);  // another class
  const auto sessions =
      must(read([&](Tx& tx) { return tx.list_class_sessions(class_, kStart, kStart + 5 * kDay); }));
  ASSERT_EQ(sessions.size(), 2u);
  EXPECT_EQ(sessions[0].session.id, earlier);
  EXPECT_EQ(sessions[0].session.subject, math_);
  EXPECT_EQ(sessions[0].subject_code, "MA101");
  EXPECT_EQ(sessions[0].subject_name, "Subject MA101");
  EXPECT_EQ(sessions[0].session.starts_ms, kStart);
  EXPECT_EQ(sessions[0].session.method, SessionMethod::manual);
  EXPECT_EQ(sessions[1].session.id, later);
  EXPECT_EQ(sessions[1].subject_code, "PH101");
}

TEST_P(ReportsStoreTest, ClassAttendanceCoversOnlyTheRangesSessions) {
  const SessionId inside = add_session(class_, math_, kStart);
  const SessionId outside = add_session(class_, math_, kStart + 9 * kDay);
  const SessionId elsewhere = add_session(other_class_, math_, kStart);
  mark(inside, second_, AttendanceStatus::late);
  mark(inside, first_, AttendanceStatus::present);
  mark(outside, first_, AttendanceStatus::absent);
  mark(elsewhere, outsider_, AttendanceStatus::present);
  const auto records =
      must(read([&](Tx& tx) { return tx.list_class_attendance(class_, kStart, kStart + kDay); }));
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0].session, inside);
  EXPECT_EQ(records[0].student, first_);
  EXPECT_EQ(records[0].status, AttendanceStatus::present);
  EXPECT_EQ(records[0].decided_by, "manual");
  EXPECT_EQ(records[1].student, second_);
  EXPECT_EQ(records[1].status, AttendanceStatus::late);
  EXPECT_TRUE(must(read([&](Tx& tx) {
                return tx.list_class_attendance(class_, kStart + kDay, kStart + 2 * kDay);
              })).empty());
}

TEST_P(ReportsStoreTest, AStudentsHistoryIsTheirRecordsOldestFirst) {
  const SessionId second_day = add_session(class_, physics_, kStart + kDay);
  const SessionId first_day = add_session(class_, math_, kStart);
  mark(second_day, first_, AttendanceStatus::excused);
  mark(first_day, first_, AttendanceStatus::present);
  mark(first_day, second_, AttendanceStatus::absent);
  const auto history = must(read([&](Tx& tx) { return tx.list_student_history(first_); }));
  ASSERT_EQ(history.size(), 2u);
  EXPECT_EQ(history[0].session.session.id, first_day);
  EXPECT_EQ(history[0].session.subject_code, "MA101");
  EXPECT_EQ(history[0].record.student, first_);
  EXPECT_EQ(history[0].record.status, AttendanceStatus::present);
  EXPECT_EQ(history[1].session.session.id, second_day);
  EXPECT_EQ(history[1].session.subject_code, "PH101");
  EXPECT_EQ(history[1].record.status, AttendanceStatus::excused);
  EXPECT_TRUE(must(read([&](Tx& tx) { return tx.list_student_history(outsider_); })).empty());
}

}  // namespace
}  // namespace rollcall::store::testing
