// src/store/tx_sessions.cc
//
// Tx: sessions and their attendance records.
#include "store/detail/sql.h"
#include "store/store.h"

namespace rollcall::store {
namespace {

constexpr const char* kSessionColumns =
    "id, class_id, subject_id, teacher_id, starts_ms, ends_ms, method, is_locked, created_ms";

Session read_session(RowReader& row) {
  Session session;
  session.id = row.id<SessionTag>();
  session.class_id = row.id<ClassTag>();
  session.subject = row.id<SubjectTag>();
  session.teacher = row.id<TeacherTag>();
  session.starts_ms = row.integer();
  session.ends_ms = row.integer();
  session.method = row.enumeration(session_method_from_string);
  session.is_locked = row.flag();
  session.created_ms = row.integer();
  return session;
}

constexpr const char* kAttendanceColumns =
    "id, session_id, student_id, status, decided_by, similarity, changed_by, changed_ms";

AttendanceRecord read_attendance(RowReader& row) {
  AttendanceRecord record;
  record.id = row.integer();
  record.session = row.id<SessionTag>();
  record.student = row.id<StudentTag>();
  record.status = row.enumeration(attendance_status_from_string);
  record.decided_by = row.text();
  if (const auto similarity = row.optional_real()) {
    record.similarity = static_cast<float>(*similarity);
  }
  record.changed_by = row.optional_id<UserTag>();
  record.changed_ms = row.integer();
  return record;
}

}  // namespace

Result<SessionId> Tx::insert_session(const Session& session) {
  auto id =
      insert_id(connection_,
                "INSERT INTO sessions (class_id, subject_id, teacher_id, starts_ms, ends_ms, "
                "method, is_locked, created_ms) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) "
                "RETURNING id",
                {param(session.class_id), param(session.subject), param(session.teacher),
                 param(session.starts_ms), param(session.ends_ms), param(to_string(session.method)),
                 param(session.is_locked), param(session.created_ms)});
  if (!id) return id.error();
  return SessionId{*id};
}

Result<std::optional<Session>> Tx::find_session(SessionId id) {
  return select_one(connection_, select_from(kSessionColumns, "sessions WHERE id = $1"),
                    {param(id)}, read_session);
}

Result<void> Tx::upsert_attendance(const AttendanceRecord& record) {
  return exec(connection_,
              "INSERT INTO attendance_records (session_id, student_id, status, decided_by, "
              "similarity, changed_by, changed_ms) VALUES ($1, $2, $3, $4, $5, $6, $7) "
              "ON CONFLICT (session_id, student_id) DO UPDATE SET status = excluded.status, "
              "decided_by = excluded.decided_by, similarity = excluded.similarity, "
              "changed_by = excluded.changed_by, changed_ms = excluded.changed_ms",
              {param(record.session), param(record.student), param(to_string(record.status)),
               param(record.decided_by), param(record.similarity), param(record.changed_by),
               param(record.changed_ms)});
}

Result<std::vector<AttendanceRecord>> Tx::list_attendance(SessionId session) {
  return select_all(connection_,
                    select_from(kAttendanceColumns,
                                "attendance_records WHERE session_id = $1 ORDER BY student_id"),
                    {param(session)}, read_attendance);
}

}  // namespace rollcall::store
