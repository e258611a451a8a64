// src/domain/csv.h
//
// CSV as RFC 4180 defines it (https://www.rfc-editor.org/rfc/rfc4180),
// for roster imports and attendance reports.
// Owns: splitting text into rows and fields, and quoting fields back.
// Leaves to others: what the columns mean (the importers and reports).
// Reading: UTF-8 only (a leading BOM is dropped, as Excel writes one);
// rows end in CRLF, LF or a lone CR; quoted fields may hold commas,
// newlines (kept as written) and "" for a quote; empty lines are skipped;
// rows may differ in length. Errors name the line, counted from 1 in the
// text as written, so a user can find it in an editor.
// Writing: fields are quoted only when they must be; rows end in CRLF.
// Thread safety: pure functions.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace rollcall::domain {

struct CsvRow {
  std::size_t line = 0;  // where the row starts
  std::vector<std::string> fields;
};

// The rows with the line each starts on (a quoted newline makes the two
// differ). Errors: csv_invalid ("line 7: a quoted field is not closed..."),
// csv_too_many_rows (more than `max_rows` rows, the header included).
Result<std::vector<CsvRow>> parse_csv_rows(std::string_view text, std::size_t max_rows);

// parse_csv_rows without the line numbers.
Result<std::vector<std::vector<std::string>>> parse_csv(std::string_view text,
                                                        std::size_t max_rows);

// The field as written in a row: in quotes, with quotes doubled, iff it
// holds a comma, quote, CR or LF or starts or ends with a space.
std::string csv_field(std::string_view value);

// The fields joined by commas, ending in CRLF.
std::string csv_row(const std::vector<std::string>& fields);

// `value` made safe to open in a spreadsheet: text starting with = + - @,
// tab or CR is a formula to Excel (OWASP "CSV injection"), so it gets a
// leading apostrophe. For reports of user-entered text; changes the data.
std::string spreadsheet_safe(std::string_view value);

}  // namespace rollcall::domain
