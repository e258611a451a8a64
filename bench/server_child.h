// bench/server_child.h
//
// A real `rollcall serve` (this same binary) as a child of a benchmark: its
// fresh data directory, its fresh PostgreSQL database when asked for one,
// its start (waiting for "listening on HOST:PORT"), stop, SIGKILL and
// restart on the same data directory and port; and the description of the
// machine the figures come from.
// Owns: the child process, its temp directory and scratch database for the
// length of one run; all are removed afterwards, also when the run fails.
// Leaves to others: what is measured against the server (server_bench.cc,
// checkin_bench.cc); the server itself (src/app/serve.cc).
// Thread safety: a ServerProcess is driven by one thread, which must
// outlive the child (see restart()); port() does not change on a restart,
// so other threads may read it.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace rollcall::bench {

[[noreturn]] void fail(const std::string& why);

std::string read_text(const std::filesystem::path& path);
std::string tail_of(const std::filesystem::path& path, std::size_t chars);

// "0.52 0.61 0.70" from /proc/loadavg.
std::string load_average();
// Cores, CPU model name, memory in GiB.
nlohmann::json machine();
// VmRSS and VmHWM of `pid`, in KiB.
nlohmann::json memory_of(pid_t pid);

bool is_postgres(const std::string& url);

// A directory under $TMPDIR, removed with everything in it when destroyed.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// A fresh PostgreSQL database next to the one `admin_url` names, dropped
// at the end. Requires: the URL's user may CREATE DATABASE.
class ScratchDatabase {
 public:
  explicit ScratchDatabase(std::string admin_url);
  ~ScratchDatabase();
  ScratchDatabase(const ScratchDatabase&) = delete;
  ScratchDatabase& operator=(const ScratchDatabase&) = delete;
  const std::string& url() const { return url_; }

 private:
  std::string admin_url_;
  std::string name_;
  std::string url_;
};

// `rollcall serve ARGS` as a child process; stopped (SIGTERM, then SIGKILL
// after 30 s) when destroyed. `args` name the port with "--http-port";
// 0 picks a free one, which a restart then reuses.
class ServerProcess {
 public:
  ServerProcess(std::vector<std::string> args, std::vector<std::string> extra_env,
                std::filesystem::path log);
  ~ServerProcess();
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;

  pid_t pid() const { return pid_; }
  int port() const { return port_; }
  bool is_running() const { return pid_ > 0; }

  // Stops the server gracefully; its exit status (128 + signal when killed).
  int stop();
  // SIGKILL, as a crash or an OOM kill would: nothing is flushed or closed.
  // Returns the exit status (137).
  int kill_now();
  // Starts it again with the same arguments, data directory and port; the
  // log is appended to. Requires: not running; called from a thread that
  // lives as long as the server (the child gets SIGTERM when the thread
  // that forked it ends: PR_SET_PDEATHSIG follows the thread).
  void restart();

 private:
  void spawn(bool truncate_log);
  void wait_until_listening();
  int reap(bool graceful);

  std::vector<std::string> args_;
  std::vector<std::string> extra_env_;
  std::filesystem::path log_;
  pid_t pid_ = -1;
  int stdout_fd_ = -1;
  int port_ = 0;
  int exit_status_ = -1;
};

// What a benchmark asks of its child server.
struct ChildOptions {
  std::string models_dir;
  std::string database;  // "" = SQLite; postgres://... = a scratch database beside it
  std::vector<std::string> extra_args;
  std::function<void(const std::string&)> progress;
};

// One child server with everything it needs: the temp directory (its data
// directory, also holding its log), the scratch database, a random admin
// password. Destroyed in reverse: server, database, directory.
struct ChildServer {
  explicit ChildServer(const ChildOptions& options);

  bool is_pg = false;
  std::optional<ScratchDatabase> scratch;
  std::string database;  // what the server was given ("" = its SQLite default)
  TempDir dir;
  std::filesystem::path log;
  std::string admin_password;
  std::unique_ptr<ServerProcess> server;
};

}  // namespace rollcall::bench
