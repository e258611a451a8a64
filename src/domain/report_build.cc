// src/domain/report_build.cc
//
// Reports: reading the data for each report, with the role rules.
#include <algorithm>
#include <map>

#include "domain/reports.h"

namespace rollcall::domain {
namespace {

using store::Tx;

Error not_found(const std::string& entity, std::int64_t id) {
  return make_error(entity + "_not_found", "no " + entity + " has id " + std::to_string(id));
}

// Admins see every class; teachers the classes they are assigned.
Result<void> may_see_class(Tx& tx, const Principal& who, ClassId class_id,
                           const std::string& what) {
  if (who.is_admin()) return {};
  if (who.role != store::Role::teacher || !who.teacher) return forbidden(what);
  auto teaches = tx.teaches_class(*who.teacher, class_id);
  if (!teaches) return teaches.error();
  if (!*teaches) return forbidden(what + " of classes you do not teach");
  return {};
}

ReportStudent report_student(const store::Student& student) {
  return {student.id, student.name, student.roll_number};
}

bool by_roll(const ReportStudent& a, const ReportStudent& b) {
  return a.roll_number < b.roll_number;
}

// The class's students plus anyone with a record here who has since moved.
Result<std::vector<ReportStudent>> students_of(
    Tx& tx, ClassId class_id, const std::vector<store::AttendanceRecord>& records) {
  std::vector<ReportStudent> out;
  std::map<std::int64_t, bool> seen;
  store::ListQuery query;
  query.limit = 1000;
  for (;;) {
    auto page = tx.list_students(query, class_id);
    if (!page) return page.error();
    for (const auto& student : page->items) {
      seen[student.id.value] = true;
      out.push_back(report_student(student));
    }
    query.offset += static_cast<std::int64_t>(page->items.size());
    if (page->items.empty() || query.offset >= page->total) break;
  }
  for (const auto& record : records) {
    if (seen[record.student.value]) continue;
    seen[record.student.value] = true;
    auto student = tx.find_student(record.student);
    if (!student) return student.error();
    if (*student) out.push_back(report_student(**student));
  }
  std::sort(out.begin(), out.end(), by_roll);
  return out;
}

Result<store::ClassGroup> class_of(Tx& tx, ClassId id) {
  auto group = tx.find_class(id);
  if (!group) return group.error();
  if (!*group) return not_found("class", id.value);
  return **group;
}

std::vector<ClassReport::SubjectLine> subject_lines(
    const std::vector<store::SessionSummary>& sessions) {
  std::vector<ClassReport::SubjectLine> lines;
  for (const auto& summary : sessions) {
    auto it = std::find_if(lines.begin(), lines.end(),
                           [&](const auto& line) { return line.id == summary.session.subject; });
    if (it == lines.end()) {
      lines.push_back({summary.session.subject, summary.subject_code, summary.subject_name, 0, {}});
      it = lines.end() - 1;
    }
    ++it->sessions;
  }
  std::sort(lines.begin(), lines.end(),
            [](const auto& a, const auto& b) { return a.code < b.code; });
  return lines;
}

std::size_t subject_index(const std::vector<ClassReport::SubjectLine>& lines, SubjectId id) {
  for (std::size_t i = 0; i < lines.size(); ++i) {
    if (lines[i].id == id) return i;
  }
  return 0;  // unreachable: every session's subject has a line
}

}  // namespace

Result<SessionReport> Reports::session_report(const Principal& who, SessionId id) {
  return store_.read_value<SessionReport>([&](Tx& tx) -> Result<SessionReport> {
    auto session = tx.find_session(id);
    if (!session) return session.error();
    if (!*session) return not_found("session", id.value);
    ROLLCALL_TRY(may_see_class(tx, who, (*session)->class_id, "see session reports"));
    SessionReport report;
    report.session.session = **session;
    auto subject = tx.find_subject((*session)->subject);
    if (!subject) return subject.error();
    if (*subject) {
      report.session.subject_code = (*subject)->code;
      report.session.subject_name = (*subject)->name;
    }
    auto group = class_of(tx, (*session)->class_id);
    if (!group) return group.error();
    report.group = *group;
    auto teacher = tx.find_teacher((*session)->teacher);
    if (!teacher) return teacher.error();
    if (*teacher) report.teacher_name = (*teacher)->name;
    auto records = tx.list_attendance(id);
    if (!records) return records.error();
    auto students = students_of(tx, report.group.id, *records);
    if (!students) return students.error();
    for (const auto& student : *students) {
      SessionReport::Line line;
      line.student = student;
      for (const auto& record : *records) {
        if (record.student != student.id) continue;
        line.status = record.status;
        line.decided_by = record.decided_by;
        line.similarity = record.similarity;
      }
      report.tally.add(line.status);
      report.lines.push_back(std::move(line));
    }
    return report;
  });
}

Result<ClassReport> Reports::class_report(const Principal& who, ClassId id,
                                          const ClassReportQuery& query) {
  std::int64_t from_ms = 0;
  std::int64_t to_ms = INT64_MAX;
  constexpr std::int64_t kDayMs = 86'400'000;
  if (!query.from.empty()) {
    const auto day = parse_report_date(query.from);
    if (!day) return field_error("invalid_field", "from", "from must be a date as YYYY-MM-DD");
    from_ms = *day * kDayMs;
  }
  if (!query.to.empty()) {
    const auto day = parse_report_date(query.to);
    if (!day) return field_error("invalid_field", "to", "to must be a date as YYYY-MM-DD");
    to_ms = (*day + 1) * kDayMs;
    if (to_ms <= from_ms) return field_error("invalid_field", "to", "to must not be before from");
  }
  if (!(query.threshold >= 0 && query.threshold <= 100)) {
    return field_error("invalid_field", "threshold", "threshold must be a number from 0 to 100");
  }
  return store_.read_value<ClassReport>([&](Tx& tx) -> Result<ClassReport> {
    auto group = class_of(tx, id);
    if (!group) return group.error();
    ROLLCALL_TRY(may_see_class(tx, who, id, "see class reports"));
    ClassReport report;
    report.group = *group;
    report.query = query;
    auto sessions = tx.list_class_sessions(id, from_ms, to_ms);
    if (!sessions) return sessions.error();
    report.sessions = std::move(*sessions);
    report.subjects = subject_lines(report.sessions);
    auto records = tx.list_class_attendance(id, from_ms, to_ms);
    if (!records) return records.error();
    auto students = students_of(tx, id, *records);
    if (!students) return students.error();
    std::map<std::pair<std::int64_t, std::int64_t>, store::AttendanceStatus> status;
    for (const auto& record : *records) {
      status[{record.session.value, record.student.value}] = record.status;
    }
    for (const auto& student : *students) {
      ClassReport::Row row;
      row.student = student;
      row.per_subject.resize(report.subjects.size());
      for (const auto& summary : report.sessions) {
        std::optional<store::AttendanceStatus> cell;
        if (auto it = status.find({summary.session.id.value, student.id.value});
            it != status.end()) {
          cell = it->second;
        }
        const std::size_t subject = subject_index(report.subjects, summary.session.subject);
        row.cells.push_back(cell);
        row.tally.add(cell);
        row.per_subject[subject].add(cell);
        report.subjects[subject].tally.add(cell);
      }
      const auto percent = row.tally.percent();
      row.is_below = percent && *percent < query.threshold;
      report.rows.push_back(std::move(row));
    }
    return report;
  });
}

Result<StudentReport> Reports::student_report(const Principal& who, StudentId id) {
  return store_.read_value<StudentReport>([&](Tx& tx) -> Result<StudentReport> {
    auto student = tx.find_student(id);
    if (!student) return student.error();
    if (!*student) return not_found("student", id.value);
    if (who.role == store::Role::student) {
      if (who.student != id) return forbidden("see other students' reports");
    } else {
      ROLLCALL_TRY(may_see_class(tx, who, (*student)->class_id, "see student reports"));
    }
    StudentReport report;
    report.student = report_student(**student);
    auto group = class_of(tx, (*student)->class_id);
    if (!group) return group.error();
    report.group = *group;
    auto history = tx.list_student_history(id);
    if (!history) return history.error();
    report.history = std::move(*history);
    std::vector<store::SessionSummary> sessions;
    for (const auto& entry : report.history) sessions.push_back(entry.session);
    report.subjects = subject_lines(sessions);
    for (const auto& entry : report.history) {
      report.tally.add(entry.record.status);
      report.subjects[subject_index(report.subjects, entry.session.session.subject)].tally.add(
          entry.record.status);
    }
    return report;
  });
}

}  // namespace rollcall::domain
