// src/domain/report_export_csv.cc
//
// Reports as CSV: RFC 4180 rows (csv.h), UTF-8 with a byte-order mark so
// that Excel opens names in any script correctly (parse_csv drops it).
// Every user-entered text goes through spreadsheet_safe.
#include <cstdio>

#include "domain/csv.h"
#include "domain/reports.h"

namespace rollcall::domain {
namespace {

constexpr const char* kBom = "\xEF\xBB\xBF";

std::string status_text(const std::optional<store::AttendanceStatus>& status) {
  return status ? store::to_string(*status) : "";
}

std::string percent_text(const std::optional<double>& percent) {
  if (!percent) return "";
  char text[32];
  std::snprintf(text, sizeof text, "%.2f", *percent);
  return text;
}

// The file's title rows ("Class,BTech IT A", ...) and a blank row, above
// the table, so a printed or forwarded file says what it is.
std::string title_rows(const TitleLines& lines) {
  std::string out;
  for (const auto& [name, value] : lines) out += csv_row({name, spreadsheet_safe(value)});
  return out + "\r\n";
}

}  // namespace

std::string to_csv(const SessionReport& report) {
  std::string out = kBom + title_rows(title_lines(report));
  out += csv_row({"roll_number", "name", "status", "decided_by", "similarity"});
  for (const auto& line : report.lines) {
    std::string similarity;
    if (line.similarity) {
      char text[32];
      std::snprintf(text, sizeof text, "%.3f", static_cast<double>(*line.similarity));
      similarity = text;
    }
    out += csv_row({spreadsheet_safe(line.student.roll_number), spreadsheet_safe(line.student.name),
                    status_text(line.status), line.decided_by, similarity});
  }
  return out;
}

std::string to_csv(const ClassReport& report) {
  std::string out = kBom + title_rows(title_lines(report));
  std::vector<std::string> header = {"roll_number", "name"};
  for (const auto& summary : report.sessions) {
    header.push_back(spreadsheet_safe(format_report_time(summary.session.starts_ms) + " " +
                                      summary.subject_code));
  }
  for (const auto& subject : report.subjects) {
    header.push_back(spreadsheet_safe(subject.code + " %"));
  }
  for (const char* name : {"present", "late", "absent", "excused", "attended", "counted", "percent",
                           "below_threshold"}) {
    header.emplace_back(name);
  }
  out += csv_row(header);
  for (const auto& row : report.rows) {
    std::vector<std::string> fields = {spreadsheet_safe(row.student.roll_number),
                                       spreadsheet_safe(row.student.name)};
    for (const auto& cell : row.cells) fields.push_back(status_text(cell));
    for (const auto& tally : row.per_subject) fields.push_back(percent_text(tally.percent()));
    for (int value : {row.tally.present, row.tally.late, row.tally.absent, row.tally.excused,
                      row.tally.attended(), row.tally.counted()}) {
      fields.push_back(std::to_string(value));
    }
    fields.push_back(percent_text(row.tally.percent()));
    fields.emplace_back(row.is_below ? "yes" : "no");
    out += csv_row(fields);
  }
  return out;
}

std::string to_csv(const StudentReport& report) {
  std::string out = kBom + title_rows(title_lines(report));
  out +=
      csv_row({"date", "starts", "ends", "subject_code", "subject_name", "status", "decided_by"});
  for (const auto& entry : report.history) {
    const auto& s = entry.session.session;
    out += csv_row({format_report_date(s.starts_ms), format_report_time(s.starts_ms),
                    format_report_time(s.ends_ms), spreadsheet_safe(entry.session.subject_code),
                    spreadsheet_safe(entry.session.subject_name),
                    store::to_string(entry.record.status), entry.record.decided_by});
  }
  return out;
}

}  // namespace rollcall::domain
