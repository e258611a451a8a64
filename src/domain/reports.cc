// src/domain/reports.cc
//
// Reports: the tally, dates, formats and who may see what. The reports
// themselves are built in report_session.cc, report_class.cc and
// report_student.cc.
#include "domain/reports.h"

#include <chrono>
#include <cmath>
#include <cstdio>

namespace rollcall::domain {

void Tally::add(std::optional<store::AttendanceStatus> status) {
  if (!status) {
    ++unrecorded;
    return;
  }
  switch (*status) {
    case store::AttendanceStatus::present:
      ++present;
      break;
    case store::AttendanceStatus::absent:
      ++absent;
      break;
    case store::AttendanceStatus::late:
      ++late;
      break;
    case store::AttendanceStatus::excused:
      ++excused;
      break;
  }
}

std::optional<double> Tally::percent() const {
  if (counted() == 0) return std::nullopt;
  return std::round(10000.0 * attended() / counted()) / 100.0;
}

std::optional<ExportFormat> export_format_from_string(const std::string& text) {
  if (text == "json") return ExportFormat::json;
  if (text == "csv") return ExportFormat::csv;
  if (text == "xlsx") return ExportFormat::xlsx;
  return std::nullopt;
}

std::optional<std::int64_t> parse_report_date(const std::string& text) {
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return std::nullopt;
  for (std::size_t i : {0u, 1u, 2u, 3u, 5u, 6u, 8u, 9u}) {
    if (text[i] < '0' || text[i] > '9') return std::nullopt;
  }
  const std::chrono::year_month_day date{
      std::chrono::year{std::stoi(text.substr(0, 4))},
      std::chrono::month{static_cast<unsigned>(std::stoi(text.substr(5, 2)))},
      std::chrono::day{static_cast<unsigned>(std::stoi(text.substr(8, 2)))}};
  if (!date.ok()) return std::nullopt;
  return std::chrono::sys_days{date}.time_since_epoch().count();
}

namespace {
std::string format_ms(std::int64_t unix_ms, bool with_time) {
  using namespace std::chrono;
  const sys_time<milliseconds> at{milliseconds{unix_ms}};
  const auto day = floor<days>(at);
  const year_month_day date{day};
  const hh_mm_ss clock{floor<minutes>(at - day)};
  char text[32];
  if (with_time) {
    std::snprintf(text, sizeof text, "%04d-%02u-%02u %02d:%02d", static_cast<int>(date.year()),
                  static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()),
                  static_cast<int>(clock.hours().count()),
                  static_cast<int>(clock.minutes().count()));
  } else {
    std::snprintf(text, sizeof text, "%04d-%02u-%02u", static_cast<int>(date.year()),
                  static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()));
  }
  return text;
}
}  // namespace

std::string format_report_date(std::int64_t unix_ms) { return format_ms(unix_ms, false); }
std::string format_report_time(std::int64_t unix_ms) { return format_ms(unix_ms, true); }

// Every report exports the same three ways; `stem` names the file.
template <typename Report>
Result<ExportFile> export_as(const Report& report, ExportFormat format, const std::string& stem) {
  switch (format) {
    case ExportFormat::json:
      return ExportFile{to_json(report).dump(2), "application/json", stem + ".json"};
    case ExportFormat::csv:
      return ExportFile{to_csv(report), "text/csv; charset=utf-8", stem + ".csv"};
    case ExportFormat::xlsx:
      break;
  }
  auto bytes = to_xlsx(report);
  if (!bytes) return bytes.error();
  return ExportFile{std::move(*bytes), kXlsxType, stem + ".xlsx"};
}

Result<ExportFile> export_report(const SessionReport& report, ExportFormat format) {
  const std::string stem = "session-" + std::to_string(report.session.session.id.value) + "-report";
  return export_as(report, format, stem);
}

Result<ExportFile> export_report(const ClassReport& report, ExportFormat format) {
  std::string stem = "class-" + std::to_string(report.group.id.value) + "-report";
  if (!report.query.from.empty()) stem += "-from-" + report.query.from;
  if (!report.query.to.empty()) stem += "-to-" + report.query.to;
  return export_as(report, format, stem);
}

Result<ExportFile> export_report(const StudentReport& report, ExportFormat format) {
  const std::string stem = "student-" + std::to_string(report.student.id.value) + "-report";
  return export_as(report, format, stem);
}

}  // namespace rollcall::domain
