// tests/http/server_harness.cc
#include "server_harness.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <random>
#include <regex>
#include <sstream>
#include <thread>

#include "jobs/zip_archive.h"
#include "store/detail/connection.h"
#include "store/store.h"
#include "test_support.h"

extern char** environ;

namespace rollcall::http_testing {
namespace {

using namespace std::chrono_literals;

// Starting loads the face models (~1 s) and, on PostgreSQL, migrates.
constexpr auto kStartTimeout = 60s;
constexpr auto kStopTimeout = 20s;

// Spawns `args` with stdout to a pipe (returned in `stdout_fd`) and stderr
// to `log`. Returns the pid, or -1.
pid_t spawn(const std::vector<std::string>& args, const fs::path& log, int& stdout_fd) {
  int pipe_fds[2];
  if (pipe2(pipe_fds, O_CLOEXEC) != 0) return -1;
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], STDOUT_FILENO);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, log.c_str(),
                                   O_WRONLY | O_CREAT | O_APPEND, 0644);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  std::vector<char*> argv;
  for (const auto& arg : args) argv.push_back(const_cast<char*>(arg.c_str()));
  argv.push_back(nullptr);
  pid_t pid = -1;
  const int failed = posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  close(pipe_fds[1]);
  if (failed != 0) {
    close(pipe_fds[0]);
    return -1;
  }
  stdout_fd = pipe_fds[0];
  return pid;
}

// Reads `fd` until EOF (or `deadline`), appending to `out`; stops early
// when `until` appears in a complete line, leaving that line in `line`.
bool read_until(int fd, const std::string& until, std::chrono::steady_clock::time_point deadline,
                std::string& out, std::string& line) {
  std::size_t scanned = 0;
  while (std::chrono::steady_clock::now() < deadline) {
    for (auto end = out.find('\n', scanned); end != std::string::npos;
         end = out.find('\n', scanned)) {
      std::string candidate = out.substr(scanned, end - scanned);
      scanned = end + 1;
      if (!until.empty() && candidate.find(until) != std::string::npos) {
        line = candidate;
        return true;
      }
    }
    pollfd p{fd, POLLIN, 0};
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (poll(&p, 1, static_cast<int>(std::max<long long>(1, left.count()))) <= 0) continue;
    char buffer[4096];
    const ssize_t n = read(fd, buffer, sizeof buffer);
    if (n <= 0) return until.empty();
    out.append(buffer, static_cast<std::size_t>(n));
  }
  return false;
}

// Waits for `pid` up to `timeout`; its wait status, or nullopt.
std::optional<int> wait_for(pid_t pid, std::chrono::steady_clock::duration timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    int status = 0;
    const pid_t done = waitpid(pid, &status, WNOHANG);
    if (done == pid) return status;
    if (done < 0 || std::chrono::steady_clock::now() >= deadline) return std::nullopt;
    std::this_thread::sleep_for(20ms);
  }
}

Response from(const httplib::Result& result) {
  Response response;
  if (!result) {
    response.transport_error = httplib::to_string(result.error());
    return response;
  }
  response.status = result->status;
  response.body = result->body;
  response.headers = result->headers;
  return response;
}

httplib::Headers bearer(const std::string& token) {
  if (token.empty()) return {};
  return {{"Authorization", "Bearer " + token}};
}

}  // namespace

void PrintTo(Backend backend, std::ostream* out) {
  *out << (backend == Backend::sqlite ? "sqlite" : "postgres");
}

std::string backend_name(const ::testing::TestParamInfo<Backend>& info) {
  return info.param == Backend::sqlite ? "SQLite" : "PostgreSQL";
}

std::string random_suffix() {
  static std::mutex mutex;
  static std::mt19937_64 random{std::random_device{}()};
  std::lock_guard lock(mutex);
  char text[17];
  std::snprintf(text, sizeof text, "%016llx", static_cast<unsigned long long>(random()));
  return text;
}

std::optional<std::string> postgres_server_url() {
  const char* url = std::getenv("ROLLCALL_TEST_POSTGRES");
  if (url == nullptr || *url == '\0') return std::nullopt;
  return std::string(url);
}

bool is_postgres_required() {
  const char* required = std::getenv("ROLLCALL_REQUIRE_POSTGRES");
  return required != nullptr && std::string(required) == "1";
}

nlohmann::json Response::json() const {
  auto parsed = nlohmann::json::parse(body, nullptr, false);
  return parsed.is_discarded() ? nlohmann::json() : parsed;
}

std::string Response::error_code() const {
  const auto body_json = json();
  if (!body_json.is_object() || !body_json.contains("error")) return "";
  return body_json["error"].value("code", "");
}

std::string Response::error_field() const {
  const auto body_json = json();
  if (!body_json.is_object() || !body_json.contains("error")) return "";
  return body_json["error"].value("field", "");
}

std::string Response::header(const std::string& name) const {
  auto it = headers.find(name);
  return it == headers.end() ? "" : it->second;
}

std::ostream& operator<<(std::ostream& out, const Response& response) {
  out << "HTTP " << response.status << " " << response.body.substr(0, 2000);
  if (!response.transport_error.empty()) out << " (transport: " << response.transport_error << ")";
  return out;
}

httplib::Client Api::client() const {
  httplib::Client client("127.0.0.1", port_);
  client.set_connection_timeout(10, 0);
  client.set_read_timeout(120, 0);
  client.set_write_timeout(60, 0);
  return client;
}

Response Api::get(const std::string& path, const std::string& token,
                  const httplib::Headers& headers) const {
  auto all = bearer(token);
  all.insert(headers.begin(), headers.end());
  return from(client().Get(path, all));
}

Response Api::del(const std::string& path, const std::string& token) const {
  return from(client().Delete(path, bearer(token)));
}

Response Api::post(const std::string& path, const nlohmann::json& body,
                   const std::string& token) const {
  return send("POST", path, body.dump(), "application/json", token);
}

Response Api::patch(const std::string& path, const nlohmann::json& body,
                    const std::string& token) const {
  return send("PATCH", path, body.dump(), "application/json", token);
}

Response Api::send(const std::string& method, const std::string& path, const std::string& body,
                   const std::string& content_type, const std::string& token) const {
  auto c = client();
  const auto headers = bearer(token);
  if (method == "POST") return from(c.Post(path, headers, body, content_type));
  if (method == "PATCH") return from(c.Patch(path, headers, body, content_type));
  if (method == "PUT") return from(c.Put(path, headers, body, content_type));
  if (method == "DELETE") return from(c.Delete(path, headers, body, content_type));
  return from(c.Get(path, headers));
}

Response Api::raw(const std::string& request) const {
  Response out;
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    out.transport_error = "socket failed";
    return out;
  }
  timeval timeout{10, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<std::uint16_t>(port_));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::string answer;
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0 ||
      ::send(fd, request.data(), request.size(), MSG_NOSIGNAL) !=
          static_cast<ssize_t>(request.size())) {
    out.transport_error = "cannot connect or send";
  } else {
    char buffer[4096];
    for (;;) {
      const ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
      if (n <= 0) break;  // closed, or the 10 s timeout
      answer.append(buffer, static_cast<std::size_t>(n));
    }
  }
  ::close(fd);
  // "HTTP/1.1 200 OK\r\n" headers "\r\n\r\n" body
  const auto head_end = answer.find("\r\n\r\n");
  if (!answer.starts_with("HTTP/1.") || answer.size() < 12 || head_end == std::string::npos) {
    if (out.transport_error.empty()) out.transport_error = "no HTTP answer: " + answer;
    return out;
  }
  out.status = std::atoi(answer.substr(9, 3).c_str());
  std::istringstream head(answer.substr(0, head_end));
  std::string line;
  std::getline(head, line);  // the status line
  while (std::getline(head, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (const auto colon = line.find(':'); colon != std::string::npos) {
      auto value = line.substr(colon + 1);
      while (!value.empty() && value.front() == ' ') value.erase(0, 1);
      out.headers.emplace(line.substr(0, colon), value);
    }
  }
  out.body = answer.substr(head_end + 4);
  return out;
}

Response Api::post_multipart(const std::string& path, const std::vector<Part>& parts,
                             const std::string& token) const {
  httplib::MultipartFormDataItems items;
  for (const auto& part : parts)
    items.push_back({part.field, part.content, part.filename, part.content_type});
  return from(client().Post(path, bearer(token), items));
}

Response Api::login_reply(const std::string& username, const std::string& password) const {
  return post("/api/v1/auth/login", {{"username", username}, {"password", password}});
}

std::string Api::login(const std::string& username, const std::string& password) const {
  const auto reply = login_reply(username, password);
  if (reply.status != 200) {
    ADD_FAILURE() << "login as " << username << ": " << reply;
    return "";
  }
  return reply.json().value("access_token", "");
}

std::unique_ptr<TestDatabase> TestDatabase::create(Backend backend, std::string& error) {
  auto database = std::unique_ptr<TestDatabase>(new TestDatabase());
  database->backend_ = backend;
  if (backend == Backend::sqlite) return database;
  const auto server = postgres_server_url();
  if (!server) {
    error = "ROLLCALL_TEST_POSTGRES is not set";
    return nullptr;
  }
  auto admin = store::open_postgres(*server);
  if (!admin) {
    error = admin.error().code + ": " + admin.error().message;
    return nullptr;
  }
  database->name_ = "rollcall_http_" + random_suffix();
  if (auto made = (*admin)->execute("CREATE DATABASE " + database->name_); !made) {
    error = made.error().code + ": " + made.error().message;
    return nullptr;
  }
  database->url_ = store::postgres_url_with_database(*server, database->name_);
  return database;
}

TestDatabase::~TestDatabase() {
  if (backend_ != Backend::postgres || name_.empty()) return;
  if (auto admin = store::open_postgres(*postgres_server_url())) {
    // FORCE ends sessions a killed server may have left behind.
    (void)(*admin)->execute("DROP DATABASE IF EXISTS " + name_ + " WITH (FORCE)");
  }
}

std::unique_ptr<ServerProcess> ServerProcess::start(const Options& options, std::string& error) {
  auto server = std::unique_ptr<ServerProcess>(new ServerProcess());
  server->backend_ = options.backend;
  server->database_ = TestDatabase::create(options.backend, error);
  if (!server->database_) return nullptr;
  server->dir_ = fs::temp_directory_path() / ("rollcall-http-test-" + random_suffix());
  server->data_dir_ = server->dir_ / "data";
  fs::create_directories(server->data_dir_);
  if (!server->launch(options, error)) return nullptr;
  return server;
}

std::unique_ptr<ServerProcess> ServerProcess::restart(std::unique_ptr<ServerProcess> previous,
                                                      const Options& options, std::string& error) {
  if (!previous || previous->pid_ > 0) {
    error = "restart needs a stopped server";
    return nullptr;
  }
  auto server = std::unique_ptr<ServerProcess>(new ServerProcess());
  server->backend_ = previous->backend_;
  server->database_ = std::move(previous->database_);
  server->dir_ = previous->dir_;
  server->data_dir_ = previous->data_dir_;
  previous->dir_.clear();  // the new server owns the directory now
  // The old log stays readable: the new server appends after it.
  if (!server->launch(options, error)) return nullptr;
  return server;
}

bool ServerProcess::launch(const Options& options, std::string& error) {
  ServerProcess* server = this;
  // Generous login limits: every test logs in; the rate-limit test sets its own.
  std::vector<std::pair<std::string, std::string>> flags = {
      {"--http-host", "127.0.0.1"},
      {"--http-port", "0"},
      {"--data-dir", server->data_dir_.string()},
      {"--database", server->database_->url()},
      {"--models-dir", rollcall::testing::models_dir().string()},
      {"--admin-password", kAdminPassword},
      {"--http-threads", "24"},
      {"--login-attempts-per-minute-ip", "100000"},
      {"--login-attempts-per-minute-account", "1000"},
      {"--login-attempts-per-hour-account", "100000"},
      {"--log-format", "json"},
  };
  for (const auto& [flag, value] : options.flags) {
    bool replaced = false;
    for (auto& [name, old] : flags) {
      if (name == flag) {
        old = value;
        replaced = true;
      }
    }
    if (!replaced) flags.emplace_back(flag, value);
  }
  std::vector<std::string> args = {ROLLCALL_BINARY, "serve"};
  for (const auto& [flag, value] : flags) {
    args.push_back(flag);
    args.push_back(value);
  }
  server->pid_ = spawn(args, server->dir_ / "server.log", server->stdout_fd_);
  if (server->pid_ < 0) {
    error = std::string("cannot start ") + ROLLCALL_BINARY;
    return false;
  }
  std::string out, line;
  if (!read_until(server->stdout_fd_, "listening on ",
                  std::chrono::steady_clock::now() + kStartTimeout, out, line)) {
    error = "no \"listening on\" line; stdout: " + out + "\nlog: " + server->log();
    return false;
  }
  const auto colon = line.rfind(':');
  server->port_ = std::atoi(line.c_str() + colon + 1);
  if (server->port_ <= 0) {
    error = "cannot read the port from: " + line;
    return false;
  }
  server->api_ = Api(server->port_);
  return true;
}

ServerProcess::~ServerProcess() {
  if (pid_ > 0) {
    kill(pid_, SIGKILL);
    (void)wait_for(pid_, kStopTimeout);
  }
  if (stdout_fd_ >= 0) close(stdout_fd_);
  // ROLLCALL_TEST_KEEP_DIRS=1 keeps the data directory and server.log.
  const char* keep = std::getenv("ROLLCALL_TEST_KEEP_DIRS");
  std::error_code ignored;
  if (!dir_.empty() && !(keep && std::string(keep) == "1")) fs::remove_all(dir_, ignored);
}

int ServerProcess::stop() {
  if (pid_ <= 0) return -1;
  kill(pid_, SIGTERM);
  auto status = wait_for(pid_, kStopTimeout);
  if (!status) {
    kill(pid_, SIGKILL);
    (void)wait_for(pid_, kStopTimeout);
    pid_ = -1;
    return -1;
  }
  pid_ = -1;
  return WIFEXITED(*status) ? WEXITSTATUS(*status) : -1;
}

void ServerProcess::kill_hard() {
  if (pid_ <= 0) return;
  kill(pid_, SIGKILL);
  (void)wait_for(pid_, kStopTimeout);
  pid_ = -1;
}

std::string ServerProcess::log() const { return file_bytes(dir_ / "server.log"); }

std::pair<int, std::string> ServerProcess::run_command(
    const std::vector<std::string>& command) const {
  std::vector<std::string> args = {ROLLCALL_BINARY};
  args.insert(args.end(), command.begin(), command.end());
  for (const auto& [flag, value] : std::vector<std::pair<std::string, std::string>>{
           {"--data-dir", data_dir_.string()}, {"--database", database_->url()}}) {
    args.push_back(flag);
    args.push_back(value);
  }
  int fd = -1;
  const auto log = dir_ / "command.log";
  fs::remove(log);
  const pid_t pid = spawn(args, log, fd);
  if (pid < 0) return {-1, ""};
  std::string out, line;
  read_until(fd, "", std::chrono::steady_clock::now() + kStartTimeout, out, line);
  close(fd);
  const auto status = wait_for(pid, kStopTimeout);
  if (!status) {
    kill(pid, SIGKILL);
    (void)wait_for(pid, kStopTimeout);
    return {-1, out};
  }
  // Errors are printed on stderr: the caller sees them after stdout.
  std::ifstream errors(log);
  out.append(std::istreambuf_iterator<char>(errors), std::istreambuf_iterator<char>());
  return {WIFEXITED(*status) ? WEXITSTATUS(*status) : -1, out};
}

std::map<Backend, ServerTest::Entry>& ServerTest::servers() {
  static std::map<Backend, Entry> running;
  return running;
}

void ServerTest::TearDownTestSuite() {
  for (auto& [backend, entry] : servers()) {
    if (!entry.process) continue;
    const int status = entry.process->stop();
    EXPECT_EQ(status, 0) << "the server did not shut down gracefully; log:\n"
                         << entry.process->log();
  }
  servers().clear();
}

void ServerTest::SetUp() {
  const Backend backend = GetParam();
  if (backend == Backend::postgres && !postgres_server_url()) {
    if (is_postgres_required()) {
      FAIL() << "ROLLCALL_REQUIRE_POSTGRES=1 but ROLLCALL_TEST_POSTGRES is not set";
    }
    GTEST_SKIP() << "set ROLLCALL_TEST_POSTGRES=postgres://user@host:port/db to run on PostgreSQL";
  }
  auto& entry = servers()[backend];
  if (!entry.process) {
    std::string error;
    entry.process = ServerProcess::start({backend, flags()}, error);
    ASSERT_TRUE(entry.process) << error;
  }
  current_ = entry.process.get();
  admin_token_ = &entry.admin_token;
}

const std::string& ServerTest::admin_token() {
  if (admin_token_->empty()) *admin_token_ = api().login("admin", kAdminPassword);
  return *admin_token_;
}

std::string ServerTest::unique(const std::string& prefix) {
  static std::atomic<int> counter{0};
  return prefix + "-" + std::to_string(++counter) + "-" + random_suffix().substr(0, 6);
}

nlohmann::json ServerTest::create_class(const std::string& name) {
  const auto reply = api().post("/api/v1/classes",
                                {{"name", name.empty() ? unique("class") : name}, {"section", "A"}},
                                admin_token());
  EXPECT_EQ(reply.status, 201) << reply;
  return reply.json();
}

nlohmann::json ServerTest::create_subject() {
  const auto reply =
      api().post("/api/v1/subjects", {{"code", unique("S")}, {"name", "Physics"}}, admin_token());
  EXPECT_EQ(reply.status, 201) << reply;
  return reply.json();
}

nlohmann::json ServerTest::create_teacher() {
  const auto username = unique("teacher");
  const auto reply = api().post("/api/v1/teachers",
                                {{"name", "Teacher " + username},
                                 {"email", username + "@school.example"},
                                 {"username", username}},
                                admin_token());
  EXPECT_EQ(reply.status, 201) << reply;
  auto body = reply.json();
  return {{"teacher", body},
          {"username", username},
          {"password", body.value("generated_password", "")}};
}

nlohmann::json ServerTest::create_student(std::int64_t class_id, const std::string& roll,
                                          bool with_login) {
  nlohmann::json body = {{"name", "Student " + (roll.empty() ? unique("s") : roll)},
                         {"roll_number", roll.empty() ? unique("R") : roll},
                         {"registration_number", unique("REG")},
                         {"class_id", class_id}};
  if (with_login) body["create_login"] = true;
  const auto reply = api().post("/api/v1/students", body, admin_token());
  EXPECT_EQ(reply.status, 201) << reply;
  return reply.json();
}

namespace {

std::string xml_text(std::string text) {
  static const std::vector<std::pair<std::string, std::string>> kEntities = {
      {"&lt;", "<"}, {"&gt;", ">"}, {"&quot;", "\""}, {"&apos;", "'"}, {"&amp;", "&"}};
  for (const auto& [entity, character] : kEntities) {
    for (auto at = text.find(entity); at != std::string::npos; at = text.find(entity, at + 1)) {
      text.replace(at, entity.size(), character);
    }
  }
  return text;
}

// "AB12" -> 27 (0-based column).
std::size_t column_of(const std::string& ref) {
  std::size_t column = 0;
  for (char c : ref) {
    if (c < 'A' || c > 'Z') break;
    column = column * 26 + static_cast<std::size_t>(c - 'A' + 1);
  }
  return column - 1;
}

}  // namespace

std::vector<std::vector<std::string>> xlsx_rows(const std::string& bytes,
                                                const std::string& sheet) {
  auto zip = jobs::ZipArchive::open(std::vector<std::uint8_t>(bytes.begin(), bytes.end()),
                                    jobs::ZipLimits{});
  if (!zip) {
    ADD_FAILURE() << "not an XLSX file: " << zip.error().message;
    return {};
  }
  const auto read = [&](const std::string& name) {
    auto part = (*zip)->read(name);
    return part ? std::string(part->begin(), part->end()) : std::string();
  };
  std::vector<std::string> strings;
  const std::string shared = read("xl/sharedStrings.xml");
  static const std::regex kItem("<si>([\\s\\S]*?)</si>");
  static const std::regex kText("<t[^>]*>([\\s\\S]*?)</t>");
  for (auto it = std::sregex_iterator(shared.begin(), shared.end(), kItem);
       it != std::sregex_iterator(); ++it) {
    const std::string item = (*it)[1];
    std::string joined;
    for (auto t = std::sregex_iterator(item.begin(), item.end(), kText);
         t != std::sregex_iterator(); ++t) {
      joined += xml_text((*t)[1]);
    }
    strings.push_back(joined);
  }
  const std::string xml = read("xl/worksheets/" + sheet + ".xml");
  EXPECT_FALSE(xml.empty()) << "no worksheet " << sheet;
  static const std::regex kRow("<row r=\"(\\d+)\"[^>]*?(?:/>|>([\\s\\S]*?)</row>)");
  static const std::regex kCell("<c r=\"([A-Z]+)\\d+\"([^>]*?)(?:/>|>([\\s\\S]*?)</c>)");
  static const std::regex kValue("<v>([\\s\\S]*?)</v>");
  std::vector<std::vector<std::string>> rows;
  for (auto it = std::sregex_iterator(xml.begin(), xml.end(), kRow); it != std::sregex_iterator();
       ++it) {
    const std::size_t number = std::stoul((*it)[1]);
    if (rows.size() < number) rows.resize(number);
    auto& row = rows[number - 1];
    const std::string cells = (*it)[2];
    for (auto c = std::sregex_iterator(cells.begin(), cells.end(), kCell);
         c != std::sregex_iterator(); ++c) {
      const std::size_t column = column_of((*c)[1]);
      const std::string attributes = (*c)[2];
      const std::string inner = (*c)[3];
      std::string value;
      std::smatch found;
      if (attributes.find("t=\"s\"") != std::string::npos) {
        if (std::regex_search(inner, found, kValue)) {
          const auto index = std::stoul(found[1]);
          value = index < strings.size() ? strings[index] : "";
        }
      } else if (attributes.find("t=\"inlineStr\"") != std::string::npos) {
        if (std::regex_search(inner, found, kText)) value = xml_text(found[1]);
      } else if (std::regex_search(inner, found, kValue)) {
        value = xml_text(found[1]);
      }
      if (row.size() <= column) row.resize(column + 1);
      row[column] = value;
    }
  }
  return rows;
}

std::vector<std::vector<std::string>> table_from(const std::vector<std::vector<std::string>>& rows,
                                                 const std::string& first_header,
                                                 std::map<std::string, std::string>* title) {
  std::vector<std::vector<std::string>> out;
  bool in_table = false;
  for (const auto& row : rows) {
    if (!in_table && !row.empty() && row[0] == first_header) in_table = true;
    if (in_table) {
      out.push_back(row);
    } else if (title && row.size() >= 2) {
      (*title)[row[0]] = row[1];
    }
  }
  EXPECT_TRUE(in_table) << "no table with the header " << first_header;
  return out;
}

std::string file_bytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

fs::path data_path(const std::string& relative) {
  const char* env = std::getenv("ROLLCALL_DATA");
  return (env ? fs::path(env) : fs::path(ROLLCALL_TEST_DATA)) / relative;
}

}  // namespace rollcall::http_testing
