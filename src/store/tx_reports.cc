// src/store/tx_reports.cc
//
// Tx: the queries reports are built from (sessions of a class in a date
// range with their subject, their attendance, a student's history).
#include "store/detail/session_rows.h"
#include "store/detail/sql.h"
#include "store/store.h"

namespace rollcall::store {
namespace {

// Session columns (s.) then the subject's code and name (j.).
constexpr const char* kSummaryColumns =
    "s.id, s.class_id, s.subject_id, s.teacher_id, s.starts_ms, s.ends_ms, s.method, "
    "s.is_locked, s.created_ms, j.code, j.name";

void read_summary_into(RowReader& row, SessionSummary& summary) {
  summary.session = read_session(row);
  summary.subject_code = row.text();
  summary.subject_name = row.text();
}

SessionSummary read_summary(RowReader& row) {
  SessionSummary summary;
  read_summary_into(row, summary);
  return summary;
}

constexpr const char* kRecordColumns =
    "a.id, a.session_id, a.student_id, a.status, a.decided_by, a.similarity, a.changed_by, "
    "a.changed_ms";

void read_record_into(RowReader& row, AttendanceRecord& record) { record = read_attendance(row); }

AttendanceRecord read_record(RowReader& row) {
  AttendanceRecord record;
  read_record_into(row, record);
  return record;
}

HistoryEntry read_history(RowReader& row) {
  HistoryEntry entry;
  read_summary_into(row, entry.session);
  read_record_into(row, entry.record);
  return entry;
}

}  // namespace

Result<std::vector<SessionSummary>> Tx::list_class_sessions(ClassId class_id, std::int64_t from_ms,
                                                            std::int64_t to_ms) {
  return select_all(connection_,
                    select_from(kSummaryColumns,
                                "sessions s JOIN subjects j ON j.id = s.subject_id "
                                "WHERE s.class_id = $1 AND s.starts_ms >= $2 AND s.starts_ms < $3 "
                                "ORDER BY s.starts_ms, s.id"),
                    {param(class_id), param(from_ms), param(to_ms)}, read_summary);
}

Result<std::vector<AttendanceRecord>> Tx::list_class_attendance(ClassId class_id,
                                                                std::int64_t from_ms,
                                                                std::int64_t to_ms) {
  return select_all(connection_,
                    select_from(kRecordColumns,
                                "attendance_records a JOIN sessions s ON s.id = a.session_id "
                                "WHERE s.class_id = $1 AND s.starts_ms >= $2 AND s.starts_ms < $3 "
                                "ORDER BY s.starts_ms, s.id, a.student_id"),
                    {param(class_id), param(from_ms), param(to_ms)}, read_record);
}

Result<std::vector<HistoryEntry>> Tx::list_student_history(StudentId student) {
  return select_all(connection_,
                    std::string("SELECT ") + kSummaryColumns + ", " + kRecordColumns +
                        " FROM attendance_records a JOIN sessions s ON s.id = a.session_id "
                        "JOIN subjects j ON j.id = s.subject_id WHERE a.student_id = $1 "
                        "ORDER BY s.starts_ms, s.id",
                    {param(student)}, read_history);
}

}  // namespace rollcall::store
