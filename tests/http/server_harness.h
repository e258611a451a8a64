// tests/http/server_harness.h
//
// End-to-end harness: a real `rollcall serve` process (ROLLCALL_BINARY) on
// a free port with a fresh data directory and a fresh database, and an
// HTTP client that speaks to it. Nothing is mocked: the server loads the
// real models and stores into SQLite or PostgreSQL.
//
// Back ends: SQLite (a file in the data directory) always; PostgreSQL when
// ROLLCALL_TEST_POSTGRES names a server (postgres://user@host:port/db),
// where each server gets its own database, rollcall_http_<random>, dropped
// when the server stops. Without that variable the PostgreSQL cases are
// skipped, unless ROLLCALL_REQUIRE_POSTGRES=1, when they fail.
//
// Suites derive from ServerTest (value-parameterised by back end). Each
// suite starts one server per back end on first use and stops it, checking
// for a graceful exit (status 0 after SIGTERM), when the suite ends.
// Thread safety: a ServerProcess is driven by one thread; Api objects may
// be used from many threads (each call opens its own connection).
#pragma once

#include <gtest/gtest.h>
#include <httplib.h>
#include <sys/types.h>

#include <filesystem>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace rollcall::http_testing {

namespace fs = std::filesystem;

enum class Backend { sqlite, postgres };
void PrintTo(Backend backend, std::ostream* out);
std::string backend_name(const ::testing::TestParamInfo<Backend>& info);

inline constexpr const char* kAdminPassword = "admin-password-for-tests";

std::string random_suffix();
std::optional<std::string> postgres_server_url();
bool is_postgres_required();

// The reply of one request: status, headers, body; json() parses the body.
struct Response {
  int status = 0;  // 0 when the request did not reach the server
  std::string body;
  httplib::Headers headers;
  std::string transport_error;  // set when status == 0

  nlohmann::json json() const;
  // error.code of the uniform error body, "" when there is none.
  std::string error_code() const;
  std::string error_field() const;
  std::string header(const std::string& name) const;
};
std::ostream& operator<<(std::ostream& out, const Response& response);

// One file part of a multipart/form-data request.
struct Part {
  std::string field;
  std::string filename;
  std::string content;
  std::string content_type;
};

// Talks HTTP to one server. `token` = "" sends no Authorization header.
class Api {
 public:
  explicit Api(int port) : port_(port) {}

  Response get(const std::string& path, const std::string& token = "",
               const httplib::Headers& headers = {}) const;
  Response del(const std::string& path, const std::string& token = "") const;
  Response post(const std::string& path, const nlohmann::json& body,
                const std::string& token = "") const;
  Response patch(const std::string& path, const nlohmann::json& body,
                 const std::string& token = "") const;
  // A body sent as is, with the given content type.
  Response send(const std::string& method, const std::string& path, const std::string& body,
                const std::string& content_type, const std::string& token = "") const;
  Response post_multipart(const std::string& path, const std::vector<Part>& parts,
                          const std::string& token = "") const;
  // Writes `request` (the whole HTTP request, as is) on a new connection
  // and reads the answer until the server closes it or 10 s pass; for
  // requests httplib's client cannot make (no Content-Length). The
  // request should say "Connection: close".
  Response raw(const std::string& request) const;

  // Logs in; the access token, or "" (and a test failure) when refused.
  std::string login(const std::string& username, const std::string& password) const;
  // The full login reply.
  Response login_reply(const std::string& username, const std::string& password) const;

  int port() const { return port_; }

 private:
  httplib::Client client() const;
  int port_;
};

// A fresh database for one server: a PostgreSQL database made and dropped
// here, or SQLite in the server's data directory.
class TestDatabase {
 public:
  // Fails when PostgreSQL is asked for and cannot be reached.
  static std::unique_ptr<TestDatabase> create(Backend backend, std::string& error);
  TestDatabase(const TestDatabase&) = delete;
  TestDatabase& operator=(const TestDatabase&) = delete;
  ~TestDatabase();

  // The --database value: "" for SQLite.
  const std::string& url() const { return url_; }

 private:
  TestDatabase() = default;
  Backend backend_ = Backend::sqlite;
  std::string url_;
  std::string name_;
};

// A running `rollcall serve`. The destructor kills it if stop() was not
// called.
class ServerProcess {
 public:
  struct Options {
    Backend backend = Backend::sqlite;
    // Extra or overriding flags, e.g. {"--access-token-ttl-s", "1"}.
    std::vector<std::pair<std::string, std::string>> flags;
  };

  // Starts the server and waits for its "listening on" line; nullptr and
  // `error` when it does not come up.
  static std::unique_ptr<ServerProcess> start(const Options& options, std::string& error);
  // Starts a new server on the data directory and database of `previous`,
  // which must have been stopped, and takes them over (restart tests).
  // `options.backend` is ignored: the database is the previous one.
  static std::unique_ptr<ServerProcess> restart(std::unique_ptr<ServerProcess> previous,
                                                const Options& options, std::string& error);
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;
  ~ServerProcess();

  // SIGTERM, then waits; the exit status (0 = graceful), or -1 when it
  // had to be killed or died from a signal.
  int stop();
  // SIGKILL (a crash, kill -9), then reaps the process; restart() may follow.
  void kill_hard();

  int port() const { return port_; }
  pid_t pid() const { return pid_; }
  const fs::path& data_dir() const { return data_dir_; }
  const std::string& database_url() const { return database_->url(); }
  Backend backend() const { return backend_; }
  // What the server wrote to stderr (its log), for failure messages.
  std::string log() const;
  const Api& api() const { return api_; }

  // Runs `rollcall ARGS --data-dir D --database URL`: exit status, stdout then stderr.
  std::pair<int, std::string> run_command(const std::vector<std::string>& args) const;

 private:
  ServerProcess() : api_(0) {}
  // Spawns `rollcall serve` on this dir and database; false and `error`
  // when it does not come up.
  bool launch(const Options& options, std::string& error);
  Backend backend_ = Backend::sqlite;
  std::unique_ptr<TestDatabase> database_;
  fs::path dir_;
  fs::path data_dir_;
  pid_t pid_ = -1;
  int stdout_fd_ = -1;
  int port_ = 0;
  Api api_;
};

// Base fixture: one server per back end per suite, with an admin token.
class ServerTest : public ::testing::TestWithParam<Backend> {
 public:
  static void TearDownTestSuite();

 protected:
  void SetUp() override;
  // Flags this suite's servers get on top of the defaults.
  virtual std::vector<std::pair<std::string, std::string>> flags() const { return {}; }

  ServerProcess& server() { return *current_; }
  const Api& api() { return current_->api(); }
  const std::string& admin_token();

  // Helpers that create things as admin and fail the test when refused.
  // Names are unique per call, so tests do not collide.
  static std::string unique(const std::string& prefix);
  nlohmann::json create_class(const std::string& name = "");
  nlohmann::json create_subject();
  // {teacher json, "username", "password"}.
  nlohmann::json create_teacher();
  nlohmann::json create_student(std::int64_t class_id, const std::string& roll = "",
                                bool with_login = false);

 private:
  struct Entry {
    std::unique_ptr<ServerProcess> process;
    std::string admin_token;
  };
  static std::map<Backend, Entry>& servers();
  ServerProcess* current_ = nullptr;
  std::string* admin_token_ = nullptr;
};

// The cells of one worksheet of an XLSX file ("sheet1" = the first), row
// by row as text: shared and inline strings resolved, numbers as written
// ("0.5"), empty cells "", empty rows {}. A test failure when the file is
// not an XLSX.
std::vector<std::vector<std::string>> xlsx_rows(const std::string& bytes,
                                                const std::string& sheet = "sheet1");

// The rows of a CSV or XLSX report from its table's header (the row whose
// first cell is `first_header`) on; the title rows above it become
// `title` (first cell -> second cell).
std::vector<std::vector<std::string>> table_from(
    const std::vector<std::vector<std::string>>& rows, const std::string& first_header,
    std::map<std::string, std::string>* title = nullptr);

// Photos of the shared data set, as bytes.
std::string file_bytes(const fs::path& path);
fs::path data_path(const std::string& relative);

}  // namespace rollcall::http_testing

// Instantiates a ServerTest suite on both back ends.
#define ROLLCALL_ON_BOTH_BACKENDS(Suite)                                                   \
  INSTANTIATE_TEST_SUITE_P(Backends, Suite,                                                \
                           ::testing::Values(::rollcall::http_testing::Backend::sqlite,    \
                                             ::rollcall::http_testing::Backend::postgres), \
                           ::rollcall::http_testing::backend_name)
