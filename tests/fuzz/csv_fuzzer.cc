// tests/fuzz/csv_fuzzer.cc
//
// CSV roster imports: the bytes of an uploaded roster through
// domain::parse_csv_rows (RFC 4180, UTF-8 checked) and
// domain::parse_roster (the header's columns, each row's cells), as
// POST /api/v1/students/import reads them.
// Invariants: both answer rows or an Error with a documented code, never
// crash; rows start on lines that increase from 1 and are never more
// than the limit; a parsed table written back with csv_row (after a BOM,
// as the reports write it) parses to the same fields; a roster has at
// most kMaxRosterRows rows, each on a line after the header's, and a row
// without a problem that names class_id has a positive one.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "domain/csv.h"
#include "domain/roster_import.h"
#include "fuzz_check.h"

namespace {

using namespace rollcall::domain;

// Small, so that the fuzzer also meets the row limit.
constexpr std::size_t kMaxRows = 64;

void check_table(std::string_view text) {
  auto rows = parse_csv_rows(text, kMaxRows);
  if (!rows) {
    const auto& code = rows.error().code;
    FUZZ_CHECK(code == "csv_invalid" || code == "csv_too_many_rows");
    FUZZ_CHECK(rows.error().message.starts_with("line ") || code == "csv_too_many_rows");
    return;
  }
  FUZZ_CHECK(rows->size() <= kMaxRows);
  std::size_t previous = 0;
  std::string written = "\xEF\xBB\xBF";
  for (const auto& row : *rows) {
    FUZZ_CHECK(row.line > previous);
    FUZZ_CHECK(!row.fields.empty());
    previous = row.line;
    written += csv_row(row.fields);
  }
  auto again = parse_csv(written, kMaxRows);
  FUZZ_CHECK(again.ok());
  FUZZ_CHECK(again->size() == rows->size());
  for (std::size_t i = 0; i < rows->size(); ++i) FUZZ_CHECK((*again)[i] == (*rows)[i].fields);
}

void check_roster(std::string_view text) {
  auto roster = parse_roster(text);
  if (!roster) {
    const auto& code = roster.error().code;
    FUZZ_CHECK(code == "csv_invalid" || code == "csv_too_many_rows" || code == "roster_empty" ||
               code == "roster_missing_column");
    return;
  }
  FUZZ_CHECK(roster->size() <= kMaxRosterRows);
  std::size_t previous = 1;
  for (const auto& row : *roster) {
    FUZZ_CHECK(row.line > previous);
    previous = row.line;
    if (row.problem) {
      FUZZ_CHECK(row.problem->code == "invalid_field" && row.problem->field == "class_id");
    } else if (row.fields.class_id) {
      FUZZ_CHECK(row.fields.class_id->value > 0);
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  check_table(text);
  check_roster(text);
  return 0;
}
