// src/domain/report_export_xlsx.cc
//
// Reports as XLSX with libxlsxwriter: one sheet per report (the class
// report adds a "Subjects" sheet), a bold header row, panes frozen below
// the header and right of the name columns, percentages in a "0.00%"
// format (stored as fractions), and rows below the threshold filled.
// libxlsxwriter 1.1.4 writes only to files: a temporary file is written,
// read back and removed.
#include <xlsxwriter.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>

#include "domain/csv.h"
#include "domain/reports.h"

namespace rollcall::domain {
namespace {

namespace fs = std::filesystem;

Error export_failed(const std::string& why) {
  return make_error("export_failed", "could not write the spreadsheet: " + why);
}

// A workbook in a temporary file, removed when done.
class Sheet {
 public:
  Sheet() {
    std::random_device random;
    path_ = fs::temp_directory_path() /
            ("rollcall-report-" + std::to_string(random()) + std::to_string(random()) + ".xlsx");
    lxw_workbook_options options{};
    options.constant_memory = LXW_FALSE;
    workbook_ = workbook_new_opt(path_.c_str(), &options);
    if (workbook_ == nullptr) return;
    bold_ = workbook_add_format(workbook_);
    format_set_bold(bold_);
    header_ = workbook_add_format(workbook_);
    format_set_bold(header_);
    format_set_bottom(header_, LXW_BORDER_THIN);
    percent_ = workbook_add_format(workbook_);
    format_set_num_format(percent_, "0.00%");
    below_ = workbook_add_format(workbook_);
    format_set_bg_color(below_, 0xFFC7CE);
    below_percent_ = workbook_add_format(workbook_);
    format_set_bg_color(below_percent_, 0xFFC7CE);
    format_set_num_format(below_percent_, "0.00%");
  }
  Sheet(const Sheet&) = delete;
  Sheet& operator=(const Sheet&) = delete;
  ~Sheet() {
    if (workbook_ != nullptr) workbook_close(workbook_);
    std::error_code ignored;
    fs::remove(path_, ignored);
  }

  bool ok() const { return workbook_ != nullptr; }

  // A new worksheet: the title rows ("Class" | "BTech IT A", ...), a blank
  // row, then the header row, frozen below it and right of
  // `frozen_columns`. `first_row` is set to the first row under the header.
  lxw_worksheet* add(const std::string& name, const TitleLines& title,
                     const std::vector<std::string>& header, int frozen_columns, int& first_row) {
    lxw_worksheet* sheet = workbook_add_worksheet(workbook_, name.c_str());
    if (sheet == nullptr) return nullptr;
    lxw_row_t row = 0;
    for (const auto& [label, value] : title) {
      worksheet_write_string(sheet, row, 0, label.c_str(), bold_);
      worksheet_write_string(sheet, row, 1, spreadsheet_safe(value).c_str(), nullptr);
      ++row;
    }
    if (!title.empty()) ++row;
    for (std::size_t c = 0; c < header.size(); ++c) {
      worksheet_write_string(sheet, row, static_cast<lxw_col_t>(c), header[c].c_str(), header_);
    }
    worksheet_freeze_panes(sheet, row + 1, static_cast<lxw_col_t>(frozen_columns));
    worksheet_set_column(sheet, 0, static_cast<lxw_col_t>(frozen_columns ? frozen_columns - 1 : 0),
                         24, nullptr);
    first_row = static_cast<int>(row) + 1;
    return sheet;
  }

  void text(lxw_worksheet* sheet, int row, int col, const std::string& value, bool is_below) {
    worksheet_write_string(sheet, static_cast<lxw_row_t>(row), static_cast<lxw_col_t>(col),
                           value.c_str(), is_below ? below_ : nullptr);
  }
  void number(lxw_worksheet* sheet, int row, int col, double value, bool is_below) {
    worksheet_write_number(sheet, static_cast<lxw_row_t>(row), static_cast<lxw_col_t>(col), value,
                           is_below ? below_ : nullptr);
  }
  // `percent` is 0-100; stored as a fraction formatted as %.
  void percent(lxw_worksheet* sheet, int row, int col, const std::optional<double>& percent,
               bool is_below) {
    if (!percent) {
      if (is_below)
        worksheet_write_blank(sheet, static_cast<lxw_row_t>(row), static_cast<lxw_col_t>(col),
                              below_);
      return;
    }
    worksheet_write_number(sheet, static_cast<lxw_row_t>(row), static_cast<lxw_col_t>(col),
                           *percent / 100.0, is_below ? below_percent_ : percent_);
  }

  // Closes the workbook and returns the file's bytes.
  Result<std::string> finish() {
    const lxw_error error = workbook_close(workbook_);
    workbook_ = nullptr;
    if (error != LXW_NO_ERROR) return export_failed(lxw_strerror(error));
    std::ifstream in(path_, std::ios::binary);
    if (!in) return export_failed("the temporary file is gone");
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }

 private:
  fs::path path_;
  lxw_workbook* workbook_ = nullptr;
  lxw_format* bold_ = nullptr;
  lxw_format* header_ = nullptr;
  lxw_format* percent_ = nullptr;
  lxw_format* below_ = nullptr;
  lxw_format* below_percent_ = nullptr;
};

std::string status_text(const std::optional<store::AttendanceStatus>& status) {
  return status ? store::to_string(*status) : "";
}

void write_subjects(Sheet& book, lxw_worksheet* sheet, int r,
                    const std::vector<ClassReport::SubjectLine>& subjects) {
  for (const auto& subject : subjects) {
    book.text(sheet, r, 0, spreadsheet_safe(subject.code), false);
    book.text(sheet, r, 1, spreadsheet_safe(subject.name), false);
    book.number(sheet, r, 2, subject.sessions, false);
    book.number(sheet, r, 3, subject.tally.attended(), false);
    book.number(sheet, r, 4, subject.tally.counted(), false);
    book.percent(sheet, r, 5, subject.tally.percent(), false);
    ++r;
  }
}

const std::vector<std::string> kSubjectHeader = {"Code",     "Subject", "Sessions",
                                                 "Attended", "Counted", "Percent"};

}  // namespace

Result<std::string> to_xlsx(const SessionReport& report) {
  Sheet book;
  if (!book.ok()) return export_failed("libxlsxwriter could not create the workbook");
  int r = 0;
  lxw_worksheet* sheet =
      book.add("Session", title_lines(report),
               {"Roll number", "Name", "Status", "Decided by", "Similarity"}, 2, r);
  if (sheet == nullptr) return export_failed("no worksheet");
  for (const auto& line : report.lines) {
    book.text(sheet, r, 0, spreadsheet_safe(line.student.roll_number), false);
    book.text(sheet, r, 1, spreadsheet_safe(line.student.name), false);
    book.text(sheet, r, 2, status_text(line.status), false);
    book.text(sheet, r, 3, line.decided_by, false);
    if (line.similarity) book.number(sheet, r, 4, *line.similarity, false);
    ++r;
  }
  return book.finish();
}

Result<std::string> to_xlsx(const ClassReport& report) {
  Sheet book;
  if (!book.ok()) return export_failed("libxlsxwriter could not create the workbook");
  std::vector<std::string> header = {"Roll number", "Name"};
  for (const auto& summary : report.sessions) {
    header.push_back(format_report_time(summary.session.starts_ms) + " " + summary.subject_code);
  }
  for (const auto& subject : report.subjects) header.push_back(subject.code + " %");
  for (const char* name : {"Present", "Late", "Absent", "Excused", "Attended", "Counted", "Percent",
                           "Below threshold"}) {
    header.emplace_back(name);
  }
  int r = 0;
  lxw_worksheet* sheet = book.add("Attendance", title_lines(report), header, 2, r);
  if (sheet == nullptr) return export_failed("no worksheet");
  for (const auto& row : report.rows) {
    const bool below = row.is_below;
    int c = 0;
    book.text(sheet, r, c++, spreadsheet_safe(row.student.roll_number), below);
    book.text(sheet, r, c++, spreadsheet_safe(row.student.name), below);
    for (const auto& cell : row.cells) book.text(sheet, r, c++, status_text(cell), below);
    for (const auto& tally : row.per_subject) book.percent(sheet, r, c++, tally.percent(), below);
    for (int value : {row.tally.present, row.tally.late, row.tally.absent, row.tally.excused}) {
      book.number(sheet, r, c++, value, below);
    }
    book.number(sheet, r, c++, row.tally.attended(), below);
    book.number(sheet, r, c++, row.tally.counted(), below);
    book.percent(sheet, r, c++, row.tally.percent(), below);
    book.text(sheet, r, c++, below ? "yes" : "no", below);
    ++r;
  }
  int subject_row = 0;
  lxw_worksheet* subjects =
      book.add("Subjects", title_lines(report), kSubjectHeader, 2, subject_row);
  if (subjects == nullptr) return export_failed("no worksheet");
  write_subjects(book, subjects, subject_row, report.subjects);
  return book.finish();
}

Result<std::string> to_xlsx(const StudentReport& report) {
  Sheet book;
  if (!book.ok()) return export_failed("libxlsxwriter could not create the workbook");
  int r = 0;
  lxw_worksheet* sheet =
      book.add("History", title_lines(report),
               {"Date", "Starts", "Ends", "Subject code", "Subject", "Status", "Decided by"}, 1, r);
  if (sheet == nullptr) return export_failed("no worksheet");
  for (const auto& entry : report.history) {
    const auto& s = entry.session.session;
    book.text(sheet, r, 0, format_report_date(s.starts_ms), false);
    book.text(sheet, r, 1, format_report_time(s.starts_ms), false);
    book.text(sheet, r, 2, format_report_time(s.ends_ms), false);
    book.text(sheet, r, 3, spreadsheet_safe(entry.session.subject_code), false);
    book.text(sheet, r, 4, spreadsheet_safe(entry.session.subject_name), false);
    book.text(sheet, r, 5, store::to_string(entry.record.status), false);
    book.text(sheet, r, 6, entry.record.decided_by, false);
    ++r;
  }
  int subject_row = 0;
  lxw_worksheet* subjects =
      book.add("Subjects", title_lines(report), kSubjectHeader, 2, subject_row);
  if (subjects == nullptr) return export_failed("no worksheet");
  write_subjects(book, subjects, subject_row, report.subjects);
  const int total_row = subject_row + static_cast<int>(report.subjects.size());
  book.text(subjects, total_row, 0, "All", false);
  book.number(subjects, total_row, 2, static_cast<double>(report.history.size()), false);
  book.number(subjects, total_row, 3, report.tally.attended(), false);
  book.number(subjects, total_row, 4, report.tally.counted(), false);
  book.percent(subjects, total_row, 5, report.tally.percent(), false);
  return book.finish();
}

}  // namespace rollcall::domain
