// src/store/detail/sqlite_connection.cc
//
// The SQLite driver. Statements are prepared once per connection and kept
// (SQLITE_PREPARE_PERSISTENT); parameters are bound by name ("$1") so a
// placeholder may repeat or appear out of order, as PostgreSQL allows.
#include <sqlite3.h>

#include <charconv>
#include <chrono>
#include <thread>
#include <unordered_map>

#include "store/detail/connection.h"

namespace rollcall::store {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kUniquePrefix = "UNIQUE constraint failed: ";
// Statements are few and fixed, but list queries vary with their filters;
// past this many the cache starts over rather than grow without bound.
constexpr std::size_t kMaxCachedStatements = 256;

Error busy_error(sqlite3* db) {
  return make_error("database_busy", std::string("the database stayed locked (") +
                                         sqlite3_errmsg(db) +
                                         "); try again, or raise the busy timeout");
}

// SQLITE_FULL: the disk is full, or the file reached max_page_count
// (sqlite_max_bytes). The cause is for the log; the store says it once.
Error full_error(const std::string& message) {
  return make_error(
      "storage_full",
      "SQLite: " + message + " (SQLITE_FULL: free disk space, or raise sqlite_max_bytes)");
}

class SqliteConnection final : public Connection {
 public:
  explicit SqliteConnection(sqlite3* db) : db_(db) {}
  ~SqliteConnection() override {
    for (auto& [sql, statement] : statements_) sqlite3_finalize(statement);
    sqlite3_close_v2(db_);
  }

  Backend backend() const override { return Backend::sqlite; }
  bool is_usable() const override { return true; }
  sqlite3* handle() { return db_; }

  Result<Rows> query(const std::string& sql, const Params& params) override {
    if (sqlite3_get_autocommit(db_)) is_failed_ = false;
    if (is_failed_) {
      return make_error("database_error",
                        "an earlier statement in this transaction failed; return its error so "
                        "the transaction rolls back");
    }
    auto rows = run(sql, params);
    if (!rows.ok()) {
      Error error = rows.error();
      if (error.code == "foreign_key") error.message = explain_foreign_key(sql, params);
      if (!sqlite3_get_autocommit(db_)) is_failed_ = true;
      return error;
    }
    return rows;
  }

  Result<void> execute(const std::string& sql) override {
    char* message = nullptr;
    const int code = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &message);
    const std::string text = message ? message : sqlite3_errstr(code);
    sqlite3_free(message);
    if (sqlite3_get_autocommit(db_)) is_failed_ = false;
    if (code == SQLITE_OK) return {};
    return to_error(code, text);
  }

 private:
  Error to_error(int code, const std::string& message) {
    const int primary = code & 0xff;
    if (primary == SQLITE_BUSY || primary == SQLITE_LOCKED) return busy_error(db_);
    if (code == SQLITE_CONSTRAINT_UNIQUE || code == SQLITE_CONSTRAINT_PRIMARYKEY) {
      // "UNIQUE constraint failed: students.roll_number" names the columns
      // already in the "table.column" form the interface promises.
      std::string columns = message;
      if (columns.starts_with(kUniquePrefix)) columns.erase(0, kUniquePrefix.size());
      return make_error("duplicate", columns);
    }
    if (code == SQLITE_CONSTRAINT_FOREIGNKEY) return make_error("foreign_key", message);
    if (primary == SQLITE_FULL) return full_error(message);
    return make_error("database_error", message);
  }

  Result<sqlite3_stmt*> prepare(const std::string& sql) {
    if (auto found = statements_.find(sql); found != statements_.end()) return found->second;
    if (statements_.size() >= kMaxCachedStatements) {
      for (auto& [text, statement] : statements_) sqlite3_finalize(statement);
      statements_.clear();
    }
    sqlite3_stmt* statement = nullptr;
    const char* tail = nullptr;
    const int code = sqlite3_prepare_v3(db_, sql.c_str(), static_cast<int>(sql.size() + 1),
                                        SQLITE_PREPARE_PERSISTENT, &statement, &tail);
    if (code != SQLITE_OK) return to_error(code, sqlite3_errmsg(db_));
    if (statement == nullptr) return make_error("database_error", "empty statement: " + sql);
    if (tail && *tail != '\0' &&
        std::string_view(tail).find_first_not_of(" \t\n;") != std::string_view::npos) {
      sqlite3_finalize(statement);
      return make_error("database_error", "query() runs one statement; use execute(): " + sql);
    }
    statements_.emplace(sql, statement);
    return statement;
  }

  Result<void> bind(sqlite3_stmt* statement, const Params& params) {
    // Every placeholder must be $k with a parameter for it, and every
    // parameter must be used: PostgreSQL insists on both, so SQLite does too.
    const int count = sqlite3_bind_parameter_count(statement);
    for (int index = 1; index <= count; ++index) {
      const char* name = sqlite3_bind_parameter_name(statement, index);
      int k = 0;
      const std::string_view text = name ? name : "";
      const bool is_numbered = text.size() > 1 && text[0] == '$' &&
                               std::from_chars(text.data() + 1, text.data() + text.size(), k).ptr ==
                                   text.data() + text.size();
      if (!is_numbered || k < 1 || k > static_cast<int>(params.size())) {
        return make_error("database_error", "placeholder " + std::string(text) + " has no value (" +
                                                std::to_string(params.size()) + " given)");
      }
    }
    for (std::size_t k = 1; k <= params.size(); ++k) {
      const std::string name = "$" + std::to_string(k);
      const int index = sqlite3_bind_parameter_index(statement, name.c_str());
      if (index == 0) return make_error("database_error", "parameter " + name + " is not used");
      const Value& value = params[k - 1];
      int code = SQLITE_OK;
      if (std::holds_alternative<std::monostate>(value)) {
        code = sqlite3_bind_null(statement, index);
      } else if (const auto* integer = std::get_if<std::int64_t>(&value)) {
        code = sqlite3_bind_int64(statement, index, *integer);
      } else if (const auto* real = std::get_if<double>(&value)) {
        code = sqlite3_bind_double(statement, index, *real);
      } else if (const auto* text = std::get_if<std::string>(&value)) {
        // PostgreSQL cannot store NUL in text; refusing it here keeps the
        // two back ends alike.
        if (text->find('\0') != std::string::npos) {
          return make_error("database_error", "text parameter " + name + " contains a NUL byte");
        }
        code = sqlite3_bind_text64(statement, index, text->data(), text->size(), SQLITE_STATIC,
                                   SQLITE_UTF8);
      } else {
        const Blob& blob = std::get<Blob>(value);
        // An empty vector's data() may be null, which SQLite binds as NULL.
        code = blob.empty()
                   ? sqlite3_bind_zeroblob(statement, index, 0)
                   : sqlite3_bind_blob64(statement, index, blob.data(), blob.size(), SQLITE_STATIC);
      }
      if (code != SQLITE_OK) return to_error(code, sqlite3_errmsg(db_));
    }
    return {};
  }

  static Value column_value(sqlite3_stmt* statement, int column) {
    switch (sqlite3_column_type(statement, column)) {
      case SQLITE_INTEGER:
        return static_cast<std::int64_t>(sqlite3_column_int64(statement, column));
      case SQLITE_FLOAT:
        return sqlite3_column_double(statement, column);
      case SQLITE_TEXT: {
        const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(statement, column));
        return std::string(text, static_cast<std::size_t>(sqlite3_column_bytes(statement, column)));
      }
      case SQLITE_BLOB: {
        const auto* bytes =
            static_cast<const std::uint8_t*>(sqlite3_column_blob(statement, column));
        const auto size = static_cast<std::size_t>(sqlite3_column_bytes(statement, column));
        return bytes ? Blob(bytes, bytes + size) : Blob{};
      }
      default:
        return std::monostate{};
    }
  }

  // Runs without the failed-transaction guard.
  Result<Rows> run(const std::string& sql, const Params& params) {
    auto prepared = prepare(sql);
    if (!prepared) return prepared.error();
    sqlite3_stmt* statement = *prepared;
    // Leaves the statement reset and its (borrowed) parameters unbound on
    // every path out.
    struct Reset {
      sqlite3_stmt* statement;
      ~Reset() {
        sqlite3_reset(statement);
        sqlite3_clear_bindings(statement);
      }
    } reset{statement};
    if (auto bound = bind(statement, params); !bound) return bound.error();

    Rows out;
    const int columns = sqlite3_column_count(statement);
    for (int c = 0; c < columns; ++c) out.columns.emplace_back(sqlite3_column_name(statement, c));
    for (;;) {
      const int code = sqlite3_step(statement);
      if (code == SQLITE_DONE) break;
      if (code != SQLITE_ROW) return to_error(code, sqlite3_errmsg(db_));
      Row row;
      row.reserve(static_cast<std::size_t>(columns));
      for (int c = 0; c < columns; ++c) row.push_back(column_value(statement, c));
      out.rows.push_back(std::move(row));
    }
    if (!sqlite3_stmt_readonly(statement)) out.affected = sqlite3_changes64(db_);
    return out;
  }

  // SQLite says only "FOREIGN KEY constraint failed". To name the key, the
  // statement runs again inside a savepoint with the checks deferred, then
  // foreign_key_check reports the row that broke which reference, and the
  // savepoint is rolled back. Only on this error path.
  std::string explain_foreign_key(const std::string& sql, const Params& params) {
    std::string answer = "a referenced row is missing, or a row is still referenced";
    if (!execute("SAVEPOINT rollcall_fk_probe; PRAGMA defer_foreign_keys = ON")) return answer;
    if (run(sql, params)) {
      auto broken = run("PRAGMA foreign_key_check", {});
      if (broken && !broken->rows.empty()) {
        const Row& row = broken->rows.front();  // table, rowid, parent, fkid
        const auto* table = std::get_if<std::string>(&row[0]);
        const auto* parent = std::get_if<std::string>(&row[2]);
        const auto* key = std::get_if<std::int64_t>(&row[3]);
        if (table && parent && key) answer = describe_key(*table, *parent, *key);
      }
    }
    (void)execute(
        "ROLLBACK TO rollcall_fk_probe; RELEASE rollcall_fk_probe; "
        "PRAGMA defer_foreign_keys = OFF");
    return answer;
  }

  std::string describe_key(const std::string& table, const std::string& parent, std::int64_t key) {
    std::string from = "?";
    std::string to = "id";
    // The table name comes from SQLite itself; quoting guards odd names.
    auto keys = run("PRAGMA foreign_key_list(\"" + table + "\")", {});
    if (keys) {
      for (const Row& row : keys->rows) {  // id, seq, table, from, to, ...
        const auto* id = std::get_if<std::int64_t>(&row[0]);
        if (!id || *id != key) continue;
        if (const auto* column = std::get_if<std::string>(&row[3])) from = *column;
        if (const auto* column = std::get_if<std::string>(&row[4])) to = *column;
      }
    }
    return table + "." + from + " -> " + parent + "." + to;
  }

  sqlite3* db_;
  std::unordered_map<std::string, sqlite3_stmt*> statements_;
  bool is_failed_ = false;
};

}  // namespace

Result<std::unique_ptr<Connection>> open_sqlite(const fs::path& file, int busy_timeout_ms) {
  sqlite3* db = nullptr;
  // NOMUTEX: the pool already gives a connection to one thread at a time.
  const int code = sqlite3_open_v2(
      file.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (code != SQLITE_OK) {
    const std::string message = db ? sqlite3_errmsg(db) : sqlite3_errstr(code);
    sqlite3_close_v2(db);
    return make_error("database_error", "cannot open " + file.string() + ": " + message);
  }
  auto connection = std::make_unique<SqliteConnection>(db);
  sqlite3_extended_result_codes(db, 1);
  sqlite3_busy_timeout(db, busy_timeout_ms);
  // WAL lets readers run beside the one writer; it is a property of the
  // file, so setting it again on each connection is a no-op.
  // Switching a new file to WAL takes an exclusive lock, and SQLite
  // answers a rival switching it at the same moment SQLITE_BUSY without
  // calling the busy handler; so retry here, within the same timeout.
  Result<void> set = connection->execute("PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON");
  const auto give_up =
      std::chrono::steady_clock::now() + std::chrono::milliseconds(busy_timeout_ms);
  while (!set && set.error().code == "database_busy" &&
         std::chrono::steady_clock::now() < give_up) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    set = connection->execute("PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON");
  }
  if (!set) {
    return make_error(set.error().code,
                      "cannot set up " + file.string() + ": " + set.error().message);
  }
  return std::unique_ptr<Connection>(std::move(connection));
}

Result<void> sqlite_backup(Connection& from, const fs::path& out) {
  auto* source = dynamic_cast<SqliteConnection*>(&from);
  if (source == nullptr) return make_error("database_error", "not a SQLite connection");
  std::error_code error;
  if (fs::exists(out, error)) {
    return make_error("backup_target_exists",
                      out.string() + " already exists; choose a new file name or remove it");
  }
  if (out.has_parent_path() && !fs::is_directory(out.parent_path(), error)) {
    return make_error("database_error", "directory " + out.parent_path().string() +
                                            " does not exist; create it first");
  }
  sqlite3* target = nullptr;
  if (sqlite3_open_v2(out.c_str(), &target, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr) !=
      SQLITE_OK) {
    const std::string message = target ? sqlite3_errmsg(target) : "out of memory";
    sqlite3_close_v2(target);
    return make_error("database_error", "cannot create " + out.string() + ": " + message);
  }
  auto fail = [&](Error why) -> Result<void> {
    sqlite3_close_v2(target);
    fs::remove(out, error);
    return why;
  };
  sqlite3_backup* backup = sqlite3_backup_init(target, "main", source->handle(), "main");
  if (backup == nullptr) return fail(make_error("database_error", sqlite3_errmsg(target)));
  // One step copies every page under one read transaction, so the copy is
  // a single consistent snapshot; WAL lets writers go on meanwhile. A busy
  // source (rare in WAL) is retried for a while.
  int code = SQLITE_OK;
  for (int attempt = 0; attempt < 100; ++attempt) {
    code = sqlite3_backup_step(backup, -1);
    if (code != SQLITE_BUSY && code != SQLITE_LOCKED) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  sqlite3_backup_finish(backup);
  // The copy holds every secret the database does: its owner's only,
  // whatever the umask of the command that made it.
  fs::permissions(out, fs::perms::owner_read | fs::perms::owner_write, fs::perm_options::replace,
                  error);
  if (code == SQLITE_BUSY || code == SQLITE_LOCKED) return fail(busy_error(target));
  if ((code & 0xff) == SQLITE_FULL) return fail(full_error("the backup " + out.string()));
  if (code != SQLITE_DONE) return fail(make_error("database_error", sqlite3_errstr(code)));
  // A rollback journal makes the copy one self-contained file; the server
  // turns WAL back on when it opens it.
  char* message = nullptr;
  if (sqlite3_exec(target, "PRAGMA journal_mode = DELETE", nullptr, nullptr, &message) !=
      SQLITE_OK) {
    const std::string text = message ? message : "unknown error";
    sqlite3_free(message);
    return fail(make_error("database_error", text));
  }
  sqlite3_close_v2(target);
  return {};
}

}  // namespace rollcall::store
