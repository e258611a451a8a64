// src/store/detail/session_rows.h
//
// How a sessions row and an attendance_records row are read, shared by
// the Tx files that select them (tx_sessions, tx_class_photos, tx_reports).
#pragma once

#include "store/detail/sql.h"
#include "store/records.h"

namespace rollcall::store {

inline constexpr const char* kSessionColumns =
    "id, class_id, subject_id, teacher_id, starts_ms, ends_ms, method, is_locked, created_ms";

inline Session read_session(RowReader& row) {
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

// In this order; prefix each with a table alias where the query needs one.
inline constexpr const char* kAttendanceColumns =
    "id, session_id, student_id, status, decided_by, similarity, changed_by, changed_ms";

inline AttendanceRecord read_attendance(RowReader& row) {
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

}  // namespace rollcall::store
