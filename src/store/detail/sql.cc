// src/store/detail/sql.cc
#include "store/detail/sql.h"

#include <bit>
#include <limits>

namespace rollcall::store {

static_assert(sizeof(float) == 4 && std::numeric_limits<float>::is_iec559,
              "vectors are stored as IEEE-754 float32");

Blob encode_floats(const std::vector<float>& values) {
  Blob bytes;
  bytes.reserve(values.size() * 4);
  for (const float value : values) {
    const auto bits = std::bit_cast<std::uint32_t>(value);
    for (int shift = 0; shift < 32; shift += 8) {
      bytes.push_back(static_cast<std::uint8_t>(bits >> shift));
    }
  }
  return bytes;
}

std::optional<std::vector<float>> decode_floats(const Blob& bytes) {
  if (bytes.size() % 4 != 0) return std::nullopt;
  std::vector<float> values;
  values.reserve(bytes.size() / 4);
  for (std::size_t i = 0; i < bytes.size(); i += 4) {
    std::uint32_t bits = 0;
    for (int b = 0; b < 4; ++b) bits |= std::uint32_t{bytes[i + b]} << (8 * b);
    values.push_back(std::bit_cast<float>(bits));
  }
  return values;
}

const Value* RowReader::next() {
  if (column_ >= row_.size()) {
    fail(column_, "a missing column");
    ++column_;
    return nullptr;
  }
  return &row_[column_++];
}

void RowReader::fail(std::size_t column, const std::string& what) {
  if (!error_) {
    error_ = make_error("database_error",
                        "column " + std::to_string(column + 1) + " of a row holds " + what);
  }
}

std::optional<std::int64_t> RowReader::optional_integer() {
  const Value* value = next();
  if (value == nullptr || std::holds_alternative<std::monostate>(*value)) return std::nullopt;
  if (const auto* integer = std::get_if<std::int64_t>(value)) return *integer;
  // SQLite may hand back an integral REAL after arithmetic.
  if (const auto* real = std::get_if<double>(value)) return static_cast<std::int64_t>(*real);
  fail(column_ - 1, "text or bytes where a number belongs");
  return 0;
}

std::int64_t RowReader::integer() {
  const auto value = optional_integer();
  if (!value) fail(column_ - 1, "NULL where a number belongs");
  return value.value_or(0);
}

std::optional<double> RowReader::optional_real() {
  const Value* value = next();
  if (value == nullptr || std::holds_alternative<std::monostate>(*value)) return std::nullopt;
  if (const auto* real = std::get_if<double>(value)) return *real;
  if (const auto* integer = std::get_if<std::int64_t>(value)) {
    return static_cast<double>(*integer);
  }
  fail(column_ - 1, "text or bytes where a number belongs");
  return 0.0;
}

double RowReader::real() {
  const auto value = optional_real();
  if (!value) fail(column_ - 1, "NULL where a number belongs");
  return value.value_or(0.0);
}

bool RowReader::flag() { return integer() != 0; }

std::string RowReader::text() {
  const Value* value = next();
  if (value == nullptr) return "";
  if (const auto* text = std::get_if<std::string>(value)) return *text;
  fail(column_ - 1, "something other than text");
  return "";
}

Blob RowReader::blob() {
  const Value* value = next();
  if (value == nullptr || std::holds_alternative<std::monostate>(*value)) return {};
  if (const auto* blob = std::get_if<Blob>(value)) return *blob;
  fail(column_ - 1, "something other than bytes");
  return {};
}

std::vector<float> RowReader::floats() {
  const std::size_t column = column_;
  auto values = decode_floats(blob());
  if (!values) {
    fail(column, "a vector whose size is not a multiple of 4 bytes");
    return {};
  }
  return std::move(*values);
}

void Filter::add(const std::string& condition, Value value) {
  params_.push_back(std::move(value));
  const std::string placeholder = "$" + std::to_string(params_.size());
  std::string out;
  for (const char c : condition) {
    if (c == '?') {
      out += placeholder;
    } else {
      out += c;
    }
  }
  conditions_.push_back(std::move(out));
}

void Filter::search(std::initializer_list<const char*> columns, const std::string& text) {
  if (text.empty()) return;
  // LOWER on both sides, in SQL, so each back end folds case its own one
  // way; ESCAPE makes the user's % and _ literal.
  std::string condition;
  for (const char* column : columns) {
    if (!condition.empty()) condition += " OR ";
    condition += "LOWER(" + std::string(column) + ") LIKE LOWER(?) ESCAPE '\\'";
  }
  add("(" + condition + ")", contains_pattern(text));
}

std::string Filter::where() const {
  std::string out;
  for (const auto& condition : conditions_) {
    out += out.empty() ? " WHERE " : " AND ";
    out += condition;
  }
  return out;
}

std::string contains_pattern(const std::string& text) {
  std::string pattern = "%";
  for (const char c : text) {
    if (c == '%' || c == '_' || c == '\\') pattern += '\\';
    pattern += c;
  }
  pattern += '%';
  return pattern;
}

Result<void> exec(Connection& connection, const std::string& sql, const Params& params) {
  auto rows = connection.query(sql, params);
  if (!rows) return rows.error();
  return {};
}

Result<std::int64_t> change(Connection& connection, const std::string& sql, const Params& params) {
  auto rows = connection.query(sql, params);
  if (!rows) return rows.error();
  return rows->affected;
}

Result<void> change_one(Connection& connection, const std::string& sql, const Params& params,
                        const std::string& what) {
  auto changed = change(connection, sql, params);
  if (!changed) return changed.error();
  if (*changed == 0) return make_error("not_found", "no " + what);
  return {};
}

Result<bool> delete_by_id(Connection& connection, const std::string& table, std::int64_t id) {
  auto deleted = change(connection, "DELETE FROM " + table + " WHERE id = $1", {param(id)});
  if (!deleted) return deleted.error();
  return *deleted > 0;
}

Result<std::int64_t> select_integer(Connection& connection, const std::string& sql,
                                    const Params& params) {
  auto rows = connection.query(sql, params);
  if (!rows) return rows.error();
  if (rows->rows.empty() || rows->rows.front().empty()) {
    return make_error("database_error", "no value from: " + sql);
  }
  RowReader reader(rows->rows.front());
  const auto value = reader.integer();
  if (reader.error()) return *reader.error();
  return value;
}

}  // namespace rollcall::store
