// src/domain/report_json.cc
//
// Reports as JSON (the API's default format; docs/API.md "Reports").
#include "domain/reports.h"
#include "domain/views.h"

namespace rollcall::domain {
namespace {

nlohmann::json optional_json(const std::optional<double>& value) {
  return value ? nlohmann::json(*value) : nlohmann::json(nullptr);
}

nlohmann::json status_json(const std::optional<store::AttendanceStatus>& status) {
  return status ? nlohmann::json(store::to_string(*status)) : nlohmann::json(nullptr);
}

nlohmann::json student_json(const ReportStudent& student) {
  return {{"id", student.id.value}, {"name", student.name}, {"roll_number", student.roll_number}};
}

nlohmann::json tally_json(const Tally& tally) {
  return {{"present", tally.present},
          {"absent", tally.absent},
          {"late", tally.late},
          {"excused", tally.excused},
          {"unrecorded", tally.unrecorded},
          {"attended", tally.attended()},
          {"counted", tally.counted()},
          {"percent", optional_json(tally.percent())}};
}

nlohmann::json session_json(const store::SessionSummary& summary) {
  const auto& s = summary.session;
  return {
      {"id", s.id.value},
      {"class_id", s.class_id.value},
      {"subject",
       {{"id", s.subject.value}, {"code", summary.subject_code}, {"name", summary.subject_name}}},
      {"teacher_id", s.teacher.value},
      {"starts_ms", s.starts_ms},
      {"ends_ms", s.ends_ms},
      {"date", format_report_date(s.starts_ms)},
      {"method", store::to_string(s.method)},
      {"is_locked", s.is_locked}};
}

nlohmann::json subjects_json(const std::vector<ClassReport::SubjectLine>& subjects) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& subject : subjects) {
    out.push_back({{"id", subject.id.value},
                   {"code", subject.code},
                   {"name", subject.name},
                   {"sessions", subject.sessions},
                   {"totals", tally_json(subject.tally)},
                   {"percent", optional_json(subject.tally.percent())}});
  }
  return out;
}

}  // namespace

nlohmann::json to_json(const SessionReport& report) {
  nlohmann::json lists = {{"present", nlohmann::json::array()},
                          {"absent", nlohmann::json::array()},
                          {"late", nlohmann::json::array()},
                          {"excused", nlohmann::json::array()},
                          {"unrecorded", nlohmann::json::array()}};
  nlohmann::json students = nlohmann::json::array();
  for (const auto& line : report.lines) {
    const std::string key = line.status ? store::to_string(*line.status) : "unrecorded";
    lists[key].push_back(student_json(line.student));
    auto row = student_json(line.student);
    row["status"] = status_json(line.status);
    row["decided_by"] = line.decided_by;
    row["similarity"] =
        line.similarity ? nlohmann::json(*line.similarity) : nlohmann::json(nullptr);
    students.push_back(row);
  }
  return {{"session", session_json(report.session)},
          {"class", to_json(report.group)},
          {"counts", tally_json(report.tally)},
          {"present", lists["present"]},
          {"absent", lists["absent"]},
          {"late", lists["late"]},
          {"excused", lists["excused"]},
          {"unrecorded", lists["unrecorded"]},
          {"students", students}};
}

nlohmann::json to_json(const ClassReport& report) {
  nlohmann::json sessions = nlohmann::json::array();
  for (const auto& summary : report.sessions) sessions.push_back(session_json(summary));
  nlohmann::json rows = nlohmann::json::array();
  nlohmann::json below = nlohmann::json::array();
  for (const auto& row : report.rows) {
    auto out = student_json(row.student);
    nlohmann::json cells = nlohmann::json::array();
    for (const auto& cell : row.cells) cells.push_back(status_json(cell));
    out["statuses"] = cells;
    out["totals"] = tally_json(row.tally);
    out["percent"] = optional_json(row.tally.percent());
    nlohmann::json per_subject = nlohmann::json::array();
    for (std::size_t i = 0; i < report.subjects.size(); ++i) {
      per_subject.push_back({{"subject_id", report.subjects[i].id.value},
                             {"code", report.subjects[i].code},
                             {"percent", optional_json(row.per_subject[i].percent())}});
    }
    out["subjects"] = per_subject;
    out["below_threshold"] = row.is_below;
    if (row.is_below) {
      auto short_row = student_json(row.student);
      short_row["percent"] = optional_json(row.tally.percent());
      below.push_back(short_row);
    }
    rows.push_back(out);
  }
  return {
      {"class", to_json(report.group)},
      {"from",
       report.query.from.empty() ? nlohmann::json(nullptr) : nlohmann::json(report.query.from)},
      {"to", report.query.to.empty() ? nlohmann::json(nullptr) : nlohmann::json(report.query.to)},
      {"threshold", report.query.threshold},
      {"sessions", sessions},
      {"subjects", subjects_json(report.subjects)},
      {"students", rows},
      {"below_threshold", below}};
}

nlohmann::json to_json(const StudentReport& report) {
  nlohmann::json history = nlohmann::json::array();
  for (const auto& entry : report.history) {
    history.push_back({{"session", session_json(entry.session)},
                       {"status", store::to_string(entry.record.status)},
                       {"decided_by", entry.record.decided_by},
                       {"changed_ms", entry.record.changed_ms}});
  }
  return {{"student", student_json(report.student)},
          {"class", to_json(report.group)},
          {"totals", tally_json(report.tally)},
          {"percent", optional_json(report.tally.percent())},
          {"subjects", subjects_json(report.subjects)},
          {"history", history}};
}

}  // namespace rollcall::domain
