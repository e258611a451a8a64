// src/domain/reports.h
//
// Reports: attendance per session, per class and date range, per
// student; each as JSON, CSV and XLSX.
// Owns: who may see which report, the arithmetic (docs/API.md "Reports"):
// present and late count as attended; excused and unrecorded sessions are
// left out of the denominator; absent counts against. Percentages are
// 0-100 rounded to 2 decimals, null when nothing counts.
// Leaves to others: the queries (store, tx_reports.cc), HTTP (routes_reports.cc).
// Roles: admin sees all; a teacher only classes they are assigned
// (Tx::teaches_class); a student only their own history.
// Thread safety: Reports is shared; every call runs its own read.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/result.h"
#include "domain/principal.h"
#include "domain/runtime_settings.h"
#include "store/store.h"

namespace rollcall::domain {

// Counts of one student (or subject): attended = present + late;
// counted = present + late + absent.
struct Tally {
  int present = 0;
  int absent = 0;
  int late = 0;
  int excused = 0;
  int unrecorded = 0;

  void add(std::optional<store::AttendanceStatus> status);
  int attended() const { return present + late; }
  int counted() const { return present + late + absent; }
  std::optional<double> percent() const;  // 0-100, 2 decimals; nullopt when counted() == 0
};

struct ReportStudent {
  StudentId id;
  std::string name;
  std::string roll_number;
};

struct SessionReport {
  store::SessionSummary session;
  store::ClassGroup group;
  std::string teacher_name;  // "" when the teacher was deleted
  struct Line {
    ReportStudent student;
    std::optional<store::AttendanceStatus> status;  // nullopt: not recorded
    std::string decided_by;
    std::optional<float> similarity;
  };
  std::vector<Line> lines;  // by roll number
  Tally tally;
};

// The range is of days in UTC, both ends included; "" = open.
struct ClassReportQuery {
  std::string from;  // YYYY-MM-DD
  std::string to;
  double threshold = 75;  // percent
};

struct ClassReport {
  store::ClassGroup group;
  ClassReportQuery query;
  std::vector<store::SessionSummary> sessions;  // oldest first
  struct SubjectLine {
    SubjectId id;
    std::string code;
    std::string name;
    int sessions = 0;
    Tally tally;  // over every student
  };
  std::vector<SubjectLine> subjects;  // by code
  struct Row {
    ReportStudent student;
    std::vector<std::optional<store::AttendanceStatus>> cells;  // one per session
    Tally tally;
    std::vector<Tally> per_subject;  // one per subjects[i]
    bool is_below = false;           // percent < threshold
  };
  std::vector<Row> rows;  // by roll number
};

struct StudentReport {
  ReportStudent student;
  store::ClassGroup group;
  std::vector<store::HistoryEntry> history;  // oldest first
  Tally tally;
  std::vector<ClassReport::SubjectLine> subjects;  // by code
};

enum class ExportFormat { json, csv, xlsx };
std::optional<ExportFormat> export_format_from_string(const std::string& text);

inline constexpr const char* kXlsxType =
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

// A finished export: bytes, media type and a file name.
struct ExportFile {
  std::string bytes;
  std::string content_type;
  std::string filename;
};

// Days since the Unix epoch of YYYY-MM-DD; nullopt when not a real date.
std::optional<std::int64_t> parse_report_date(const std::string& text);
std::string format_report_date(std::int64_t unix_ms);  // YYYY-MM-DD (UTC)
std::string format_report_time(std::int64_t unix_ms);  // YYYY-MM-DD HH:MM (UTC)

class Reports {
 public:
  // `runtime`, when set, gives the default threshold of class reports.
  explicit Reports(store::Store& store, RuntimeSettings* runtime = nullptr)
      : store_(store), runtime_(runtime) {}

  // The below-threshold percentage a class report uses unless asked for
  // another (ClassReportQuery::threshold).
  double default_threshold() const {
    return runtime_ ? runtime_->report_threshold_percent() : ClassReportQuery{}.threshold;
  }

  // Errors: forbidden (students; teachers of other classes), session_not_found.
  Result<SessionReport> session_report(const Principal& who, SessionId id);
  // Errors: forbidden, class_not_found, invalid_field (from, to, threshold).
  Result<ClassReport> class_report(const Principal& who, ClassId id, const ClassReportQuery& query);
  // Errors: forbidden (other students; teachers of other classes), student_not_found.
  Result<StudentReport> student_report(const Principal& who, StudentId id);

 private:
  store::Store& store_;
  RuntimeSettings* runtime_;
};

nlohmann::json to_json(const SessionReport& report);
nlohmann::json to_json(const ClassReport& report);
nlohmann::json to_json(const StudentReport& report);

// CSV: RFC 4180, UTF-8 with a BOM (so Excel reads names in any script),
// CRLF line ends, user text through spreadsheet_safe.
std::string to_csv(const SessionReport& report);
std::string to_csv(const ClassReport& report);
std::string to_csv(const StudentReport& report);

// XLSX (libxlsxwriter): bold header row, frozen header and name columns,
// percentages as %, rows below the threshold highlighted.
// Errors: export_failed.
Result<std::string> to_xlsx(const SessionReport& report);
Result<std::string> to_xlsx(const ClassReport& report);
Result<std::string> to_xlsx(const StudentReport& report);

// What a file says it is, above its table: ("Class", "BTech IT A"),
// ("Subject", "CS301 Physics"), ("Teacher", ...), ("Date", ...) for a
// session; class and range for a class; student and class for a student.
using TitleLines = std::vector<std::pair<std::string, std::string>>;
TitleLines title_lines(const SessionReport& report);
TitleLines title_lines(const ClassReport& report);
TitleLines title_lines(const StudentReport& report);

// The report in `format` with a file name that says what it is, in ASCII
// (e.g. BTech-IT-A_CS301_2026-11-25-0930_attendance.csv).
Result<ExportFile> export_report(const SessionReport& report, ExportFormat format);
Result<ExportFile> export_report(const ClassReport& report, ExportFormat format);
Result<ExportFile> export_report(const StudentReport& report, ExportFormat format);

}  // namespace rollcall::domain
