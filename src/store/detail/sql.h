// src/store/detail/sql.h
//
// The small toolkit every Tx family is written with: turning fields into
// parameters (param), rows back into fields (RowReader), WHERE clauses with
// numbered placeholders (Filter), and the run-and-map shapes the queries
// share (select_one, select_all, select_page, insert_id, ...).
// Invariants: the SQL built here is the same on both back ends.
// Thread safety: plain functions and values; a RowReader belongs to one row.
#pragma once

#include <array>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "base/ids.h"
#include "base/result.h"
#include "store/detail/connection.h"
#include "store/records.h"

namespace rollcall::store {

// Field -> parameter. Booleans are 0/1: both back ends read that as a
// boolean where the column is one (SQLite has no other kind).
inline Value param(std::int64_t value) { return value; }
inline Value param(int value) { return std::int64_t{value}; }
inline Value param(bool value) { return std::int64_t{value ? 1 : 0}; }
inline Value param(double value) { return value; }
inline Value param(float value) { return static_cast<double>(value); }
inline Value param(std::string value) { return value; }
inline Value param(const char* value) { return std::string(value); }
inline Value param(Blob value) { return value; }
template <typename Tag>
Value param(Id<Tag> id) {
  return id.value;
}
template <typename T>
Value param(const std::optional<T>& value) {
  return value ? param(*value) : Value{};
}

// An enum stored as TEXT: its names in one table, read both ways.
template <typename E, std::size_t N>
std::string name_of(E value, const std::array<std::pair<E, const char*>, N>& names) {
  for (const auto& [each, name] : names) {
    if (each == value) return name;
  }
  return "";
}
template <typename E, std::size_t N>
std::optional<E> parse(const std::string& text,
                       const std::array<std::pair<E, const char*>, N>& names) {
  for (const auto& [each, name] : names) {
    if (text == name) return each;
  }
  return std::nullopt;
}

// Float vectors as BLOB/BYTEA: little-endian IEEE-754 float32, 4 bytes per
// value, whatever the host's byte order (docs/SCHEMA.md).
Blob encode_floats(const std::vector<float>& values);
// Nullopt iff the size is not a multiple of 4.
std::optional<std::vector<float>> decode_floats(const Blob& bytes);

// Reads a row's columns left to right. A NULL or a wrong type where a
// value is required records an error (checked by the select helpers) and
// reads as zero/empty, so mapping code stays straight-line.
class RowReader {
 public:
  explicit RowReader(const Row& row) : row_(row) {}

  std::int64_t integer();
  std::optional<std::int64_t> optional_integer();
  double real();
  std::optional<double> optional_real();
  bool flag();
  std::string text();
  Blob blob();  // NULL reads as empty
  template <typename Tag>
  Id<Tag> id() {
    return Id<Tag>{integer()};
  }
  template <typename Tag>
  std::optional<Id<Tag>> optional_id() {
    const auto value = optional_integer();
    if (!value) return std::nullopt;
    return Id<Tag>{*value};
  }
  // A text column parsed by `parse` (e.g. role_from_string).
  template <typename E>
  E enumeration(std::optional<E> (*parse)(const std::string&)) {
    const std::size_t column = column_;
    const auto parsed = parse(text());
    if (!parsed) {
      fail(column, "an unknown value");
      return E{};
    }
    return *parsed;
  }
  std::vector<float> floats();

  const std::optional<Error>& error() const { return error_; }

 private:
  const Value* next();
  void fail(std::size_t column, const std::string& what);

  const Row& row_;
  std::size_t column_ = 0;
  std::optional<Error> error_;
};

// WHERE conditions joined by AND, each with its own placeholders, numbered
// in the order they are added.
class Filter {
 public:
  // `condition` with every "?" standing for `value` (e.g. "class_id = ?").
  void add(const std::string& condition, Value value);
  // Case-insensitive substring match of `text` in any of `columns`; no
  // condition when `text` is empty. '%', '_' and '\' match themselves.
  void search(std::initializer_list<const char*> columns, const std::string& text);

  std::string where() const;  // " WHERE ..." or ""
  const Params& params() const { return params_; }

 private:
  std::vector<std::string> conditions_;
  Params params_;
};

// `text` as a LIKE pattern matching itself anywhere, with \ as the escape.
std::string contains_pattern(const std::string& text);

template <typename T>
using ReadRow = T (*)(RowReader&);

// "SELECT <columns> FROM <rest>".
inline std::string select_from(const char* columns, const std::string& rest) {
  return std::string("SELECT ") + columns + " FROM " + rest;
}

// Runs a statement whose rows do not matter.
Result<void> exec(Connection& connection, const std::string& sql, const Params& params);
// The rows an UPDATE/DELETE changed.
Result<std::int64_t> change(Connection& connection, const std::string& sql, const Params& params);
// Like change(), but an update of no row is not_found naming `what`.
Result<void> change_one(Connection& connection, const std::string& sql, const Params& params,
                        const std::string& what);
// Deletes the row of `table` with this id; true iff there was one.
Result<bool> delete_by_id(Connection& connection, const std::string& table, std::int64_t id);
// The integer in the first column of the first row ("SELECT COUNT(*)").
Result<std::int64_t> select_integer(Connection& connection, const std::string& sql,
                                    const Params& params);
// The id from "INSERT ... RETURNING id".
inline Result<std::int64_t> insert_id(Connection& connection, const std::string& sql,
                                      const Params& params) {
  return select_integer(connection, sql, params);
}

template <typename T>
Result<std::vector<T>> select_all(Connection& connection, const std::string& sql,
                                  const Params& params, ReadRow<T> read) {
  auto rows = connection.query(sql, params);
  if (!rows) return rows.error();
  std::vector<T> out;
  out.reserve(rows->rows.size());
  for (const Row& row : rows->rows) {
    RowReader reader(row);
    out.push_back(read(reader));
    if (reader.error()) return *reader.error();
  }
  return out;
}

template <typename T>
Result<std::optional<T>> select_one(Connection& connection, const std::string& sql,
                                    const Params& params, ReadRow<T> read) {
  auto all = select_all(connection, sql, params, read);
  if (!all) return all.error();
  if (all->empty()) return std::optional<T>();
  return std::optional<T>(std::move(all->front()));
}

// One page of "SELECT <columns> FROM <from> <filter> ORDER BY <order>",
// with the count of every match.
template <typename T>
Result<Page<T>> select_page(Connection& connection, const std::string& columns,
                            const std::string& from, const Filter& filter, const std::string& order,
                            const ListQuery& query, ReadRow<T> read) {
  if (query.offset < 0 || query.limit < 0) {
    return make_error("invalid_page", "offset and limit must not be negative");
  }
  Page<T> page;
  auto total =
      select_integer(connection, "SELECT COUNT(*) FROM " + from + filter.where(), filter.params());
  if (!total) return total.error();
  page.total = *total;
  Params params = filter.params();
  const std::string limit = "$" + std::to_string(params.size() + 1);
  const std::string offset = "$" + std::to_string(params.size() + 2);
  // In place: moving a temporary Value in makes GCC 12 at -O2 warn of a
  // read of uninitialised memory that cannot happen (-Wmaybe-uninitialized).
  params.emplace_back(std::in_place_type<std::int64_t>, query.limit);
  params.emplace_back(std::in_place_type<std::int64_t>, query.offset);
  auto items = select_all(connection,
                          "SELECT " + columns + " FROM " + from + filter.where() + " ORDER BY " +
                              order + " LIMIT " + limit + " OFFSET " + offset,
                          params, read);
  if (!items) return items.error();
  page.items = std::move(items).value();
  return page;
}

}  // namespace rollcall::store
