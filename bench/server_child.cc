// bench/server_child.cc
#include "server_child.h"

#include <fcntl.h>
#include <libpq-fe.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <fstream>
#include <iostream>
#include <random>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "base/clock.h"
#include "store/store.h"

extern char** environ;

namespace rollcall::bench {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using SteadyClock = std::chrono::steady_clock;

constexpr int kStartTimeoutS = 180;  // model loading on a busy 2-core machine
constexpr int kStopTimeoutS = 30;    // requests in flight finish first

void pg_execute(const std::string& url, const std::string& sql) {
  PGconn* connection = PQconnectdb(url.c_str());
  std::string problem;
  if (PQstatus(connection) != CONNECTION_OK) {
    problem = PQerrorMessage(connection);
  } else {
    PGresult* result = PQexec(connection, sql.c_str());
    if (PQresultStatus(result) != PGRES_COMMAND_OK) problem = PQresultErrorMessage(result);
    PQclear(result);
  }
  PQfinish(connection);
  if (!problem.empty()) fail(sql + ": " + problem);
}

}  // namespace

void fail(const std::string& why) { throw std::runtime_error(why); }

std::string read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string tail_of(const fs::path& path, std::size_t chars) {
  const auto text = read_text(path);
  return text.size() > chars ? text.substr(text.size() - chars) : text;
}

bool is_postgres(const std::string& url) {
  return url.rfind("postgres://", 0) == 0 || url.rfind("postgresql://", 0) == 0;
}

// --- The machine --------------------------------------------------------

std::string load_average() {
  std::istringstream in(read_text("/proc/loadavg"));
  std::string a, b, c;
  in >> a >> b >> c;
  return a + " " + b + " " + c;
}

json machine() {
  std::string cpu = "unknown";
  std::istringstream cpuinfo(read_text("/proc/cpuinfo"));
  for (std::string line; std::getline(cpuinfo, line);) {
    if (line.rfind("model name", 0) == 0) {
      cpu = line.substr(line.find(':') + 2);
      break;
    }
  }
  long memory_kib = 0;
  std::istringstream meminfo(read_text("/proc/meminfo"));
  for (std::string key; meminfo >> key;) {
    if (key == "MemTotal:") {
      meminfo >> memory_kib;
      break;
    }
  }
  return {{"cores", std::thread::hardware_concurrency()},
          {"cpu", cpu},
          {"memory_gib", std::round(memory_kib / 1048576.0 * 10) / 10}};
}

json memory_of(pid_t pid) {
  json out;
  std::istringstream status(read_text("/proc/" + std::to_string(pid) + "/status"));
  for (std::string line; std::getline(status, line);) {
    for (const auto& [key, name] : {std::pair{"VmRSS:", "rss_kib"}, {"VmHWM:", "hwm_kib"}}) {
      if (line.rfind(key, 0) == 0) out[name] = std::stol(line.substr(std::string(key).size()));
    }
  }
  if (!out.contains("rss_kib") || !out.contains("hwm_kib")) fail("cannot read /proc/<pid>/status");
  return out;
}

// --- What one run creates and removes ------------------------------------

TempDir::TempDir() {
  auto pattern = (fs::temp_directory_path() / "rollcall-bench-XXXXXX").string();
  if (!mkdtemp(pattern.data())) fail("cannot create a temp directory in " + pattern);
  path_ = pattern;
}

TempDir::~TempDir() {
  std::error_code ignored;
  fs::remove_all(path_, ignored);
}

ScratchDatabase::ScratchDatabase(std::string admin_url) : admin_url_(std::move(admin_url)) {
  name_ = "rollcall_bench_" + std::to_string(getpid()) + "_" + std::to_string(unix_ms_now());
  pg_execute(admin_url_, "CREATE DATABASE " + name_);
  url_ = store::postgres_url_with_database(admin_url_, name_);
}

ScratchDatabase::~ScratchDatabase() {
  try {
    pg_execute(admin_url_, "DROP DATABASE IF EXISTS " + name_);
  } catch (const std::exception& e) {
    std::cerr << "bench: could not drop the scratch database: " << e.what() << std::endl;
  }
}

// --- The child process -----------------------------------------------------

ServerProcess::ServerProcess(std::vector<std::string> args, std::vector<std::string> extra_env,
                             fs::path log)
    : args_(std::move(args)), extra_env_(std::move(extra_env)), log_(std::move(log)) {
  spawn(true);
}

ServerProcess::~ServerProcess() { stop(); }

void ServerProcess::spawn(bool truncate_log) {
  const auto exe = fs::read_symlink("/proc/self/exe").string();
  std::vector<char*> argv{const_cast<char*>(exe.c_str())};
  for (const auto& a : args_) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  std::vector<char*> envp;
  for (char** e = environ; *e; ++e) envp.push_back(*e);
  for (const auto& e : extra_env_) envp.push_back(const_cast<char*>(e.c_str()));
  envp.push_back(nullptr);
  const int log_fd = open(
      log_.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC | (truncate_log ? O_TRUNC : O_APPEND), 0600);
  int out[2];
  if (log_fd < 0 || pipe2(out, O_CLOEXEC) != 0) fail("cannot set up the server's output");
  const pid_t parent = getpid();
  pid_ = fork();
  if (pid_ < 0) fail("fork failed");
  if (pid_ == 0) {                     // the child: only async-signal-safe calls until exec
    prctl(PR_SET_PDEATHSIG, SIGTERM);  // no orphaned server if the bench dies
    if (getppid() != parent) _exit(127);
    dup2(out[1], STDOUT_FILENO);
    dup2(log_fd, STDERR_FILENO);
    execve(exe.c_str(), argv.data(), envp.data());
    _exit(127);
  }
  close(out[1]);
  close(log_fd);
  stdout_fd_ = out[0];
  wait_until_listening();
}

int ServerProcess::reap(bool graceful) {
  if (pid_ <= 0) return exit_status_;
  kill(pid_, graceful ? SIGTERM : SIGKILL);
  const auto deadline = SteadyClock::now() + std::chrono::seconds(kStopTimeoutS);
  int status = 0;
  pid_t done = 0;
  while ((done = waitpid(pid_, &status, WNOHANG)) == 0 && SteadyClock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(graceful ? 20 : 1));
  }
  if (done == 0) {
    std::cerr << "bench: the server did not stop in " << kStopTimeoutS << " s; killing it"
              << std::endl;
    kill(pid_, SIGKILL);
    waitpid(pid_, &status, 0);
  }
  exit_status_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  pid_ = -1;
  if (stdout_fd_ >= 0) close(stdout_fd_);
  stdout_fd_ = -1;
  return exit_status_;
}

int ServerProcess::stop() { return reap(true); }

int ServerProcess::kill_now() { return reap(false); }

void ServerProcess::restart() {
  if (pid_ > 0) fail("restart of a running server");
  // The same port, so clients that knew the old one find the new one.
  for (std::size_t i = 0; i + 1 < args_.size(); ++i) {
    if (args_[i] == "--http-port") args_[i + 1] = std::to_string(port_);
  }
  spawn(false);
}

// Reads the child's stdout until "listening on HOST:PORT".
void ServerProcess::wait_until_listening() {
  const auto deadline = SteadyClock::now() + std::chrono::seconds(kStartTimeoutS);
  std::string seen;
  const std::string marker = "listening on ";
  while (SteadyClock::now() < deadline) {
    pollfd p{stdout_fd_, POLLIN, 0};
    if (poll(&p, 1, 200) <= 0) continue;
    char buffer[512];
    const auto n = read(stdout_fd_, buffer, sizeof buffer);
    if (n <= 0) break;  // the server exited
    seen.append(buffer, static_cast<std::size_t>(n));
    const auto at = seen.find(marker);
    const auto end = at == std::string::npos ? at : seen.find('\n', at);
    if (end != std::string::npos) {
      const auto address = seen.substr(at + marker.size(), end - at - marker.size());
      port_ = std::stoi(address.substr(address.rfind(':') + 1));
      return;
    }
  }
  stop();
  fail("the server did not start (exit status " + std::to_string(exit_status_) +
       "); its log ends:\n" + tail_of(log_, 2000) + seen);
}

// --- Everything one run's server needs -------------------------------------

ChildServer::ChildServer(const ChildOptions& o) {
  database = o.database;
  if (database.empty()) {
    if (const char* env = std::getenv("ROLLCALL_BENCH_POSTGRES"); env && *env) database = env;
  }
  is_pg = is_postgres(database);
  if (is_pg) {
    if (o.progress) o.progress("creating a scratch database");
    scratch.emplace(database);
    database = scratch->url();
  }
  admin_password =
      "bench-" + std::to_string(std::random_device{}()) + "-" + std::to_string(unix_ms_now());
  std::vector<std::string> args{"serve",     "--http-host", "127.0.0.1",         "--http-port",
                                "0",         "--data-dir",  dir.path().string(), "--models-dir",
                                o.models_dir};
  if (!database.empty()) {
    args.push_back("--database");
    args.push_back(database);
  }
  args.insert(args.end(), o.extra_args.begin(), o.extra_args.end());
  if (o.progress) {
    o.progress(std::string("starting rollcall serve (") + (is_pg ? "postgres" : "sqlite") +
               ", data in " + dir.path().string() + ")");
  }
  log = dir.path() / "server.log";
  server = std::make_unique<ServerProcess>(
      args, std::vector<std::string>{"ROLLCALL_ADMIN_PASSWORD=" + admin_password}, log);
}

}  // namespace rollcall::bench
