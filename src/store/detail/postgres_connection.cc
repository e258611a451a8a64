// src/store/detail/postgres_connection.cc
//
// The PostgreSQL driver over libpq. Parameters go as text (their types
// inferred by the server from the statement) except blobs, which go as
// binary bytea; results come back as text and are turned into Values by
// their column type.
//
// Constraint names carry what the error messages need: migrations.cc names
// them uq__<table>__<col>[__<col>...] and fk__<table>__<col>__<parent>, so
// a violation maps back to "students.roll_number" without a catalogue
// lookup (which an aborted transaction could not run anyway).
#include <libpq-fe.h>

#include <charconv>
#include <cstring>

#include "store/detail/connection.h"

namespace rollcall::store {
namespace {

// Type OIDs from PostgreSQL's pg_type.dat; stable across versions.
constexpr Oid kBoolOid = 16;
constexpr Oid kByteaOid = 17;
constexpr Oid kInt8Oid = 20;
constexpr Oid kInt2Oid = 21;
constexpr Oid kInt4Oid = 23;
constexpr Oid kFloat4Oid = 700;
constexpr Oid kFloat8Oid = 701;
constexpr Oid kNumericOid = 1700;

std::vector<std::string> split(const std::string& text, const std::string& separator) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  for (;;) {
    const std::size_t at = text.find(separator, start);
    parts.push_back(text.substr(start, at - start));
    if (at == std::string::npos) return parts;
    start = at + separator.size();
  }
}

// "uq__classes__name__section" -> "classes.name, classes.section".
std::string unique_columns(const std::string& constraint, const std::string& table) {
  const auto parts = split(constraint, "__");
  if (parts.size() < 3 || parts[0] != "uq") {
    // A primary key ("settings_pkey") or an unnamed constraint.
    return table.empty() ? constraint : table + " (" + constraint + ")";
  }
  std::string columns;
  for (std::size_t i = 2; i < parts.size(); ++i) {
    if (!columns.empty()) columns += ", ";
    columns += parts[1] + "." + parts[i];
  }
  return columns;
}

// "fk__students__class_id__classes" -> "students.class_id -> classes.id".
std::string foreign_key(const std::string& constraint) {
  const auto parts = split(constraint, "__");
  if (parts.size() != 4 || parts[0] != "fk") return constraint;
  return parts[1] + "." + parts[2] + " -> " + parts[3] + ".id";
}

std::string field(const PGresult* result, int code) {
  const char* text = PQresultErrorField(result, code);
  return text ? text : "";
}

std::string format_double(double value) {
  char text[32];
  const auto end = std::to_chars(text, text + sizeof text, value).ptr;
  return std::string(text, end);
}

// SQLSTATEs (PostgreSQL Appendix A) that mean the database is not there
// for us: class 08 (connection exceptions) but 08P01, a protocol
// violation such as a parameter without a placeholder, which is ours;
// admin or crash shutdown; and "cannot connect now" (starting, recovery).
bool is_unavailable_state(const std::string& state) {
  return (state.starts_with("08") && state != "08P01") || state == "57P01" || state == "57P02" ||
         state == "57P03";
}

Error unavailable(std::string detail) {
  while (!detail.empty() && (detail.back() == '\n' || detail.back() == ' ')) detail.pop_back();
  return make_error("database_unavailable", "PostgreSQL: " + detail);
}

class PostgresConnection final : public Connection {
 public:
  explicit PostgresConnection(PGconn* connection) : connection_(connection) {}
  ~PostgresConnection() override { PQfinish(connection_); }

  Backend backend() const override { return Backend::postgres; }

  bool is_usable() const override {
    return PQstatus(connection_) == CONNECTION_OK &&
           PQtransactionStatus(connection_) != PQTRANS_UNKNOWN;
  }

  Result<Rows> query(const std::string& sql, const Params& params) override {
    std::vector<std::string> texts(params.size());
    std::vector<const char*> values(params.size(), nullptr);
    std::vector<int> lengths(params.size(), 0);
    std::vector<int> formats(params.size(), 0);
    for (std::size_t k = 0; k < params.size(); ++k) {
      const Value& value = params[k];
      if (const auto* integer = std::get_if<std::int64_t>(&value)) {
        texts[k] = std::to_string(*integer);
      } else if (const auto* real = std::get_if<double>(&value)) {
        texts[k] = format_double(*real);
      } else if (const auto* text = std::get_if<std::string>(&value)) {
        if (text->find('\0') != std::string::npos) {
          return make_error("database_error",
                            "text parameter $" + std::to_string(k + 1) + " contains a NUL byte");
        }
        values[k] = text->c_str();
        continue;
      } else if (const auto* blob = std::get_if<Blob>(&value)) {
        // Binary format: bytea's binary form is the bytes themselves. An
        // empty blob still needs a non-null pointer, or it reads as NULL.
        static const char kEmpty = 0;
        values[k] = blob->empty() ? &kEmpty : reinterpret_cast<const char*>(blob->data());
        lengths[k] = static_cast<int>(blob->size());
        formats[k] = 1;
        continue;
      } else {
        continue;  // NULL
      }
      values[k] = texts[k].c_str();
    }
    PGresult* result =
        PQexecParams(connection_, sql.c_str(), static_cast<int>(params.size()), nullptr,
                     values.data(), lengths.data(), formats.data(), /*resultFormat=*/0);
    auto rows = read(result);
    PQclear(result);
    return rows;
  }

  Result<void> execute(const std::string& sql) override {
    PGresult* result = PQexec(connection_, sql.c_str());
    auto rows = read(result);
    PQclear(result);
    if (!rows) return rows.error();
    return {};
  }

 private:
  Error to_error(const PGresult* result) {
    // A lost connection (the server stopped, the network went) leaves the
    // connection bad, often without a SQLSTATE.
    if (result == nullptr || PQstatus(connection_) != CONNECTION_OK) {
      return unavailable(PQerrorMessage(connection_));
    }
    const std::string state = field(result, PG_DIAG_SQLSTATE);
    const std::string primary = field(result, PG_DIAG_MESSAGE_PRIMARY);
    const std::string constraint = field(result, PG_DIAG_CONSTRAINT_NAME);
    if (state == "23505") {
      return make_error("duplicate", unique_columns(constraint, field(result, PG_DIAG_TABLE_NAME)));
    }
    if (state == "23503") return make_error("foreign_key", foreign_key(constraint));
    if (state == "40001" || state == "40P01") {  // serialisation failure, deadlock
      return make_error(kTransactionConflict, primary + " (" + state + ")");
    }
    if (is_unavailable_state(state)) {
      return unavailable(field(result, PG_DIAG_MESSAGE_PRIMARY) + " (" + state + ")");
    }
    if (state == "53100") {  // disk_full
      return make_error("storage_full",
                        "PostgreSQL: " + primary + " (53100: the database server's disk is full)");
    }
    if (state == "55P03") {  // lock_timeout expired
      return make_error("database_busy", "the database stayed locked (" + primary +
                                             "); try again, or raise the busy timeout");
    }
    std::string message = primary.empty() ? PQerrorMessage(connection_) : primary;
    while (!message.empty() && message.back() == '\n') message.pop_back();
    if (!state.empty()) message += " (" + state + ")";
    return make_error("database_error", message);
  }

  Result<Rows> read(PGresult* result) {
    const ExecStatusType status = result ? PQresultStatus(result) : PGRES_FATAL_ERROR;
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) return to_error(result);
    Rows out;
    const int columns = PQnfields(result);
    const int count = PQntuples(result);
    for (int c = 0; c < columns; ++c) out.columns.emplace_back(PQfname(result, c));
    out.rows.reserve(static_cast<std::size_t>(count));
    for (int r = 0; r < count; ++r) {
      Row row;
      row.reserve(static_cast<std::size_t>(columns));
      for (int c = 0; c < columns; ++c) row.push_back(cell(result, r, c));
      out.rows.push_back(std::move(row));
    }
    const char* affected = PQcmdTuples(result);
    if (affected && *affected) {
      std::from_chars(affected, affected + std::strlen(affected), out.affected);
    }
    return out;
  }

  static Value cell(const PGresult* result, int row, int column) {
    if (PQgetisnull(result, row, column)) return std::monostate{};
    const char* text = PQgetvalue(result, row, column);
    const auto length = static_cast<std::size_t>(PQgetlength(result, row, column));
    switch (PQftype(result, column)) {
      case kBoolOid:
        return std::int64_t{text[0] == 't' ? 1 : 0};
      case kInt2Oid:
      case kInt4Oid:
      case kInt8Oid: {
        std::int64_t value = 0;
        std::from_chars(text, text + length, value);
        return value;
      }
      case kFloat4Oid:
      case kFloat8Oid:
      case kNumericOid: {
        double value = 0;
        std::from_chars(text, text + length, value);
        return value;
      }
      case kByteaOid: {
        std::size_t size = 0;
        unsigned char* bytes = PQunescapeBytea(reinterpret_cast<const unsigned char*>(text), &size);
        Blob blob(bytes, bytes + size);
        PQfreemem(bytes);
        return blob;
      }
      default:
        return std::string(text, length);
    }
  }

  PGconn* connection_;
};

}  // namespace

Result<std::unique_ptr<Connection>> open_postgres(const std::string& url) {
  // Keywords after the URL ("dbname", expanded) override it, those before
  // are defaults it may override: a URL without connect_timeout would
  // otherwise wait forever for an unreachable host.
  const char* keywords[] = {"connect_timeout", "dbname", "fallback_application_name", nullptr};
  const char* values[] = {"10", url.c_str(), "rollcall", nullptr};
  PGconn* connection = PQconnectdbParams(keywords, values, /*expand_dbname=*/1);
  if (connection == nullptr) return make_error("database_error", "libpq is out of memory");
  if (PQstatus(connection) != CONNECTION_OK) {
    std::string message = PQerrorMessage(connection);
    while (!message.empty() && message.back() == '\n') message.pop_back();
    PQfinish(connection);
    return make_error("database_unavailable",
                      "PostgreSQL: cannot connect to " + redact_url(url) + ": " + message);
  }
  // NOTICEs ("relation already exists, skipping") are not errors and
  // would otherwise go to stderr.
  PQsetNoticeProcessor(
      connection, [](void*, const char*) {}, nullptr);
  return std::unique_ptr<Connection>(std::make_unique<PostgresConnection>(connection));
}

}  // namespace rollcall::store
