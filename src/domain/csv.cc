// src/domain/csv.cc
//
// Hand-written: RFC 4180 is a page long, and the CSV libraries in Debian
// (libcsv) neither report line numbers nor check UTF-8, which users need.
#include "domain/csv.h"

#include <cstdint>
#include <cstdio>

namespace rollcall::domain {
namespace {

constexpr std::string_view kBom = "\xEF\xBB\xBF";

Error invalid(std::size_t line, const std::string& what) {
  return make_error("csv_invalid", "line " + std::to_string(line) + ": " + what);
}

bool is_break(char c) { return c == '\r' || c == '\n'; }

// Advances past the line break at `i` (CRLF counts once).
void skip_break(std::string_view text, std::size_t& i) {
  i += (text[i] == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ? 2 : 1;
}

std::size_t line_of(std::string_view text, std::size_t offset) {
  std::size_t line = 1;
  for (std::size_t i = 0; i < offset; ++i) {
    if (text[i] == '\n' || (text[i] == '\r' && (i + 1 >= text.size() || text[i + 1] != '\n')))
      ++line;
  }
  return line;
}

// The length of the UTF-8 sequence at `i`, or 0 if it is not valid
// (overlong forms, surrogates and code points past U+10FFFF are not;
// Unicode 15, table 3-7).
std::size_t utf8_length(std::string_view text, std::size_t i) {
  const auto byte = [&](std::size_t k) {
    return i + k < text.size() ? static_cast<std::uint8_t>(text[i + k]) : 0;
  };
  const auto is_tail = [&](std::size_t k) { return (byte(k) & 0xC0) == 0x80; };
  const std::uint8_t lead = byte(0);
  if (lead < 0x80) return 1;
  if (lead >= 0xC2 && lead <= 0xDF) return is_tail(1) ? 2 : 0;
  if (lead >= 0xE0 && lead <= 0xEF) {
    const std::uint8_t low = lead == 0xE0 ? 0xA0 : 0x80;
    const std::uint8_t high = lead == 0xED ? 0x9F : 0xBF;
    return byte(1) >= low && byte(1) <= high && is_tail(2) ? 3 : 0;
  }
  if (lead >= 0xF0 && lead <= 0xF4) {
    const std::uint8_t low = lead == 0xF0 ? 0x90 : 0x80;
    const std::uint8_t high = lead == 0xF4 ? 0x8F : 0xBF;
    return byte(1) >= low && byte(1) <= high && is_tail(2) && is_tail(3) ? 4 : 0;
  }
  return 0;
}

Result<void> check_utf8(std::string_view text) {
  for (std::size_t i = 0; i < text.size();) {
    const auto length = utf8_length(text, i);
    if (length == 0) {
      char hex[8];
      std::snprintf(hex, sizeof hex, "0x%02X",
                    static_cast<unsigned>(static_cast<std::uint8_t>(text[i])));
      return invalid(line_of(text, i), std::string("the text is not valid UTF-8 (byte ") + hex +
                                           "); save the file as UTF-8 (in Excel: \"CSV UTF-8\")");
    }
    i += length;
  }
  return {};
}

// Reads one field starting at `i`; leaves `i` on the comma, line break or end.
Result<std::string> read_field(std::string_view text, std::size_t& i, std::size_t& line) {
  if (i >= text.size() || text[i] != '"') {
    const std::size_t start = i;
    for (; i < text.size() && text[i] != ',' && !is_break(text[i]); ++i) {
      if (text[i] == '"') {
        return invalid(line,
                       "a quote (\") inside a field that does not start with one; put the "
                       "whole field in quotes and double the quote (\"\")");
      }
    }
    return std::string(text.substr(start, i - start));
  }
  const std::size_t opened_on = line;
  std::string field;
  for (++i;; ++i) {
    if (i >= text.size()) {
      return invalid(opened_on,
                     "a quoted field is not closed; add the closing quote (\") or double "
                     "each quote inside the field (\"\")");
    }
    const char c = text[i];
    if (c == '"') {
      if (i + 1 < text.size() && text[i + 1] == '"') {
        field += '"';
        ++i;
        continue;
      }
      ++i;
      break;
    }
    if (c == '\n' || (c == '\r' && (i + 1 >= text.size() || text[i + 1] != '\n'))) ++line;
    field += c;
  }
  if (i < text.size() && text[i] != ',' && !is_break(text[i])) {
    return invalid(line,
                   "text follows the closing quote of a field; put the whole field in quotes "
                   "and double the quotes inside it (\"\")");
  }
  return field;
}

}  // namespace

Result<std::vector<CsvRow>> parse_csv_rows(std::string_view text, std::size_t max_rows) {
  if (text.starts_with(kBom)) text.remove_prefix(kBom.size());
  if (auto valid = check_utf8(text); !valid) return valid.error();

  std::vector<CsvRow> rows;
  std::size_t line = 1;
  std::size_t i = 0;
  while (i < text.size()) {
    if (is_break(text[i])) {  // an empty line: skipped, but counted
      skip_break(text, i);
      ++line;
      continue;
    }
    if (rows.size() == max_rows) {
      return make_error("csv_too_many_rows",
                        "the CSV has more than " + std::to_string(max_rows) +
                            " rows (the header included); split it into files of at most " +
                            std::to_string(max_rows) + " rows");
    }
    CsvRow row;
    row.line = line;
    while (true) {
      auto field = read_field(text, i, line);
      if (!field) return field.error();
      row.fields.push_back(std::move(field).value());
      if (i < text.size() && text[i] == ',') {
        ++i;
        continue;
      }
      break;
    }
    if (i < text.size()) {
      skip_break(text, i);
      ++line;
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

Result<std::vector<std::vector<std::string>>> parse_csv(std::string_view text,
                                                        std::size_t max_rows) {
  auto rows = parse_csv_rows(text, max_rows);
  if (!rows) return rows.error();
  std::vector<std::vector<std::string>> out;
  out.reserve(rows->size());
  for (auto& row : *rows) out.push_back(std::move(row.fields));
  return out;
}

std::string csv_field(std::string_view value) {
  const bool must_quote = value.find_first_of(",\"\r\n") != std::string_view::npos ||
                          (!value.empty() && (value.front() == ' ' || value.back() == ' '));
  if (!must_quote) return std::string(value);
  std::string out = "\"";
  for (const char c : value) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

std::string csv_row(const std::vector<std::string>& fields) {
  // A lone empty field would be an empty line, which readers skip.
  if (fields.size() == 1 && fields[0].empty()) return "\"\"\r\n";
  std::string out;
  for (std::size_t i = 0; i < fields.size(); ++i) {
    if (i > 0) out += ',';
    out += csv_field(fields[i]);
  }
  return out + "\r\n";
}

std::string spreadsheet_safe(std::string_view value) {
  if (!value.empty() && std::string_view("=+-@\t\r").find(value.front()) != std::string_view::npos)
    return "'" + std::string(value);
  return std::string(value);
}

}  // namespace rollcall::domain
