// src/store/tx_sessions.cc
//
// Tx: sessions and their attendance records.
#include "store/detail/session_rows.h"
#include "store/detail/sql.h"
#include "store/store.h"

namespace rollcall::store {

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
