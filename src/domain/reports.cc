// src/domain/reports.cc
//
// Reports: the tally, dates, formats, file names and titles. The reports
// themselves are built in report_build.cc, written in report_export_*.cc
// and report_json.cc.
#include "domain/reports.h"

#include <cctype>
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

namespace {

// A piece of a file name: ASCII letters and digits kept, anything else
// (spaces, punctuation, other scripts) one '-'; at most 40 characters.
std::string file_part(const std::string& text) {
  std::string out;
  for (const unsigned char c : text) {
    if (std::isalnum(c) && c < 0x80) {
      out += static_cast<char>(c);
    } else if (!out.empty() && out.back() != '-') {
      out += '-';
    }
    if (out.size() >= 40) break;
  }
  while (!out.empty() && out.back() == '-') out.pop_back();
  return out;
}

std::string class_label(const store::ClassGroup& group) {
  return group.section.empty() ? group.name : group.name + " " + group.section;
}

// The parts joined by '_', empty ones left out.
std::string file_stem(std::initializer_list<std::string> parts) {
  std::string out;
  for (const auto& part : parts) {
    const auto piece = file_part(part);
    if (piece.empty()) continue;
    if (!out.empty()) out += '_';
    out += piece;
  }
  return out;
}

// "2026-11-25 09:30" -> "2026-11-25-0930".
std::string file_time(std::int64_t unix_ms) {
  std::string text = format_report_time(unix_ms);
  text[10] = '-';
  text.erase(13, 1);
  return text;
}

}  // namespace

TitleLines title_lines(const SessionReport& report) {
  const auto& s = report.session.session;
  return {{"Class", class_label(report.group)},
          {"Subject", report.session.subject_code + " " + report.session.subject_name},
          {"Teacher", report.teacher_name},
          {"Date", format_report_time(s.starts_ms) + " to " +
                       format_report_time(s.ends_ms).substr(11) + " UTC"},
          {"Session", std::to_string(s.id.value)}};
}

TitleLines title_lines(const ClassReport& report) {
  std::string range = report.query.from.empty() ? "the first session" : report.query.from;
  range += " to " + (report.query.to.empty() ? std::string("the last session") : report.query.to);
  return {{"Class", class_label(report.group)},
          {"Dates", range + " (UTC)"},
          {"Sessions", std::to_string(report.sessions.size())}};
}

TitleLines title_lines(const StudentReport& report) {
  return {{"Student", report.student.name},
          {"Roll number", report.student.roll_number},
          {"Class", class_label(report.group)}};
}

Result<ExportFile> export_report(const SessionReport& report, ExportFormat format) {
  const auto& s = report.session.session;
  std::string stem = file_stem({class_label(report.group), report.session.subject_code,
                                file_time(s.starts_ms), "attendance"});
  return export_as(report, format, stem);
}

Result<ExportFile> export_report(const ClassReport& report, ExportFormat format) {
  const std::string from = report.query.from.empty() ? "" : "from-" + report.query.from;
  const std::string to = report.query.to.empty() ? "" : "to-" + report.query.to;
  return export_as(report, format, file_stem({class_label(report.group), "attendance", from, to}));
}

Result<ExportFile> export_report(const StudentReport& report, ExportFormat format) {
  return export_as(report, format,
                   file_stem({report.student.roll_number, report.student.name, "attendance"}));
}

}  // namespace rollcall::domain
