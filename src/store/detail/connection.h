// src/store/detail/connection.h
//
// Connection: one open session with a database, the only door SQL goes
// through. Two drivers implement it: SQLite (sqlite_connection.cc) and
// PostgreSQL (postgres_connection.cc); everything above them (migrations,
// Tx, the stores) is written once against this interface.
// Owns: the driver handle and, for SQLite, its prepared statements.
// Leaves to others: transactions (the stores send BEGIN/COMMIT through
// execute()), pooling (pool.h), and what the SQL means (Tx).
// Invariants: placeholders are $1..$n and may repeat; params[k - 1] is $k
// and every param must be used. Driver errors come back as:
//   duplicate     "table.column" of the unique key that clashed
//                 ("classes.name, classes.section" for a compound key);
//   foreign_key   "child_table.column -> parent_table.column" of the
//                 reference that would break;
//   database_busy a lock held past the busy timeout;
//   transaction_conflict  a PostgreSQL serialisation failure or deadlock:
//                 the store runs the transaction again, and reports
//                 database_busy if that keeps failing;
//   database_unavailable  the database cannot be reached: a connection
//                 refused, lost or timed out, the server shutting down or
//                 starting (PostgreSQL SQLSTATE class 08, 57P01-57P03);
//   storage_full  the disk is full (SQLITE_FULL, also past
//                 sqlite_max_bytes; PostgreSQL 53100);
//   database_error anything else, with the driver's message.
// Messages carry the driver's words (hosts, paths) for the log; the HTTP
// layer shows people its own sentence instead.
// Once a statement fails inside a transaction, later statements fail too
// until ROLLBACK, on both back ends (PostgreSQL's rule, applied to SQLite
// so code tested on one behaves the same on the other).
// Thread safety: a Connection is used by one thread at a time.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "base/result.h"
#include "store/store.h"

namespace rollcall::store {

using Blob = std::vector<std::uint8_t>;
// NULL, BIGINT/BOOLEAN, DOUBLE PRECISION, TEXT, BLOB/BYTEA. Booleans travel
// as 0/1 integers in both directions.
using Value = std::variant<std::monostate, std::int64_t, double, std::string, Blob>;
using Row = std::vector<Value>;
using Params = std::vector<Value>;

struct Rows {
  std::vector<std::string> columns;
  std::vector<Row> rows;
  std::int64_t affected = 0;  // rows an INSERT/UPDATE/DELETE changed
};

inline constexpr const char* kTransactionConflict = "transaction_conflict";

class Connection {
 public:
  virtual ~Connection() = default;
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  virtual Backend backend() const = 0;

  // Runs one statement with its parameters.
  virtual Result<Rows> query(const std::string& sql, const Params& params) = 0;
  Result<Rows> query(const std::string& sql) { return query(sql, Params{}); }

  // Runs one or more ';'-separated statements without parameters: DDL and
  // transaction control. Always runs, even in a failed transaction, so that
  // ROLLBACK gets through.
  virtual Result<void> execute(const std::string& sql) = 0;

  // False once the session is lost; the pool then drops the connection.
  virtual bool is_usable() const = 0;

 protected:
  Connection() = default;
};

// Opens (creating if needed) the SQLite file with WAL, foreign keys on and
// the busy timeout set. Errors: database_error.
Result<std::unique_ptr<Connection>> open_sqlite(const std::filesystem::path& file,
                                                int busy_timeout_ms);

// Connects with a libpq URL (postgres://...). Errors: database_unavailable,
// naming the host but never the password.
Result<std::unique_ptr<Connection>> open_postgres(const std::string& url);

// A consistent copy of the SQLite database behind `from` into the new file
// `out`, made with the online backup API while others keep writing.
// Requires: `from` came from open_sqlite. Errors: backup_target_exists,
// database_busy, database_error.
Result<void> sqlite_backup(Connection& from, const std::filesystem::path& out);

// `url` with any password replaced by "***", for messages and logs.
std::string redact_url(const std::string& url);

}  // namespace rollcall::store
