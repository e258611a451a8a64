// bench/abuse_bench.cc
#include "abuse_bench.h"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <boost/asio.hpp>
#include <chrono>
#include <iomanip>
#include <iostream>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "app/config.h"
#include "app/output.h"
#include "bench_http.h"
#include "server_child.h"

namespace rollcall::bench {
namespace {

using nlohmann::json;
namespace net = boost::asio;
using tcp = net::ip::tcp;
using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

// The targets of issue 16 ("Proof").
constexpr double kProbeP99TargetMs = 100;
constexpr double kMemoryTargetMiB = 400;
constexpr double kBodyMemoryGrowthMiB = 50;
constexpr int kLoginAttackers = 100;
constexpr std::size_t kHostileBodyBytes = 400u * 1024 * 1024;

struct Options {
  std::string models_dir = app::default_models_dir().string();
  std::string database;
  int pollers = 2000;
  int slow = 500;
  int seconds = 30;
  bool is_quick = false;
  bool is_json = false;
};

void progress(const std::string& what) { std::cerr << "[abuse] " << what << std::endl; }

// Loopback address number `n` of a group, 127.G.x.y, so each phase's
// clients come from their own addresses and the per-address caps and
// limits see many clients, as on a campus.
std::string address(int group, int n) {
  return "127." + std::to_string(group) + "." + std::to_string(n / 250) + "." +
         std::to_string(n % 250 + 1);
}

std::string request_line(const std::string& method, const std::string& path,
                         const std::string& extra = "") {
  return method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" + extra + "\r\n";
}

// The status of an HTTP reply that starts `text`; 0 when none.
int status_of(const std::string& text) {
  return text.rfind("HTTP/1.", 0) == 0 && text.size() >= 12 ? std::atoi(text.c_str() + 9) : 0;
}

// A blocking connection from a chosen loopback address (phases 2 and 3).
struct Socket {
  net::io_context io;
  tcp::socket socket{io};

  Socket(int port, const std::string& source) {
    socket.open(tcp::v4());
    socket.bind(tcp::endpoint(net::ip::make_address(source), 0));
    socket.connect(
        tcp::endpoint(net::ip::make_address("127.0.0.1"), static_cast<unsigned short>(port)));
    socket.set_option(tcp::no_delay(true));
  }
  // One reply, read until the head and Content-Length bytes are in.
  std::string read_reply() {
    std::string text;
    char buffer[65536];
    boost::system::error_code error;
    for (;;) {
      const auto n = socket.read_some(net::buffer(buffer), error);
      if (error) break;
      text.append(buffer, n);
      const auto head_end = text.find("\r\n\r\n");
      if (head_end == std::string::npos) continue;
      const auto length_at = text.find("Content-Length: ");
      const std::size_t length = length_at < head_end ? std::stoul(text.substr(length_at + 16)) : 0;
      if (text.size() >= head_end + 4 + length) break;
    }
    return text;
  }
};

// --- Phase 1: pollers and slowloris on one event loop -----------------------

struct LoadFigures {
  std::mutex mutex;
  std::vector<double> poll_ms;  // guarded by mutex
  std::atomic<long> poll_errors{0};
  std::atomic<long> slow_cut{0};  // slowloris connections the server closed
  std::atomic<long> connect_fail{0};
};

// Opens `socket` afresh from loopback address `source` and connects it to
// the server; `done` gets the outcome (the bind's error, or the connect's).
template <class Done>
void connect_from(tcp::socket& socket, const std::string& source, int port, Done done) {
  boost::system::error_code error;
  socket = tcp::socket(socket.get_executor());
  socket.open(tcp::v4(), error);
  if (!error) socket.bind(tcp::endpoint(net::ip::make_address(source), 0), error);
  if (error) return net::post(socket.get_executor(), [done, error] { done(error); });
  socket.async_connect(
      tcp::endpoint(net::ip::make_address("127.0.0.1"), static_cast<unsigned short>(port)), done);
}

// A phone polling its verdict: one keep-alive connection, a GET every 2 s.
class Poller : public std::enable_shared_from_this<Poller> {
 public:
  Poller(net::io_context& io, int port, std::string source, std::string path, LoadFigures& f,
         unsigned seed)
      : socket_(io),
        timer_(io),
        port_(port),
        source_(std::move(source)),
        request_(request_line("GET", path)),
        figures_(f),
        random_(seed) {}

  void start() { wait(std::chrono::milliseconds(random_() % 2000)); }

 private:
  void connect() {
    connect_from(socket_, source_, port_, [self = shared_from_this()](boost::system::error_code e) {
      if (e) {
        ++self->figures_.connect_fail;
        return self->retry();
      }
      self->socket_.set_option(tcp::no_delay(true));
      self->is_connected_ = true;
      self->send();
    });
  }
  void send() {
    sent_at_ = Clock::now();
    reply_.clear();
    net::async_write(socket_, net::buffer(request_),
                     [self = shared_from_this()](boost::system::error_code e, std::size_t) {
                       if (e) return self->retry();
                       self->read();
                     });
  }
  void read() {
    socket_.async_read_some(net::buffer(buffer_), [self = shared_from_this()](
                                                      boost::system::error_code e, std::size_t n) {
      if (e) return self->retry();
      self->reply_.append(self->buffer_, n);
      const auto head_end = self->reply_.find("\r\n\r\n");
      if (head_end == std::string::npos) return self->read();
      const auto length_at = self->reply_.find("Content-Length: ");
      const std::size_t length =
          length_at < head_end ? std::stoul(self->reply_.substr(length_at + 16)) : 0;
      if (self->reply_.size() < head_end + 4 + length) return self->read();
      const double ms =
          std::chrono::duration<double, std::milli>(Clock::now() - self->sent_at_).count();
      const int status = status_of(self->reply_);
      if (status != 404 && status != 200) ++self->figures_.poll_errors;
      {
        std::lock_guard lock(self->figures_.mutex);
        self->figures_.poll_ms.push_back(ms);
      }
      if (self->reply_.find("Connection: close") != std::string::npos) self->is_connected_ = false;
      self->wait(1900ms + std::chrono::milliseconds(self->random_() % 200));
    });
  }
  void retry() {
    ++figures_.poll_errors;
    is_connected_ = false;
    wait(1s);
  }
  void wait(std::chrono::milliseconds delay) {
    timer_.expires_after(delay);
    timer_.async_wait([self = shared_from_this()](boost::system::error_code e) {
      if (e) return;
      self->is_connected_ ? self->send() : self->connect();
    });
  }

  tcp::socket socket_;
  net::steady_timer timer_;
  int port_;
  std::string source_;
  std::string request_;
  LoadFigures& figures_;
  std::minstd_rand random_;
  Clock::time_point sent_at_;
  std::string reply_;
  char buffer_[4096];
  bool is_connected_ = false;
};

// A slowloris client: a request head that never ends, a header line every
// 5 s; when the server cuts it, it comes straight back.
class Slowloris : public std::enable_shared_from_this<Slowloris> {
 public:
  Slowloris(net::io_context& io, int port, std::string source, LoadFigures& f)
      : socket_(io), timer_(io), port_(port), source_(std::move(source)), figures_(f) {}

  void start() {
    connect_from(socket_, source_, port_, [self = shared_from_this()](boost::system::error_code e) {
      if (e) {
        ++self->figures_.connect_fail;
        return self->later();
      }
      self->write("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n");
      self->watch();
    });
  }

 private:
  void write(const std::string& text) {
    auto data = std::make_shared<std::string>(text);
    net::async_write(socket_, net::buffer(*data),
                     [self = shared_from_this(), data](boost::system::error_code e, std::size_t) {
                       if (e) return;
                       self->timer_.expires_after(5s);
                       self->timer_.async_wait([self](boost::system::error_code te) {
                         if (!te && self->socket_.is_open()) self->write("X-Slow: 1\r\n");
                       });
                     });
  }
  // The server's close (or a 408) ends this connection; start another.
  void watch() {
    socket_.async_read_some(net::buffer(buffer_),
                            [self = shared_from_this()](boost::system::error_code e, std::size_t) {
                              if (!e) return self->watch();
                              if (e == net::error::operation_aborted) return;
                              ++self->figures_.slow_cut;
                              self->timer_.cancel();
                              boost::system::error_code ignored;
                              self->socket_.close(ignored);
                              self->start();
                            });
  }
  void later() {
    timer_.expires_after(1s);
    timer_.async_wait([self = shared_from_this()](boost::system::error_code e) {
      if (!e) self->start();
    });
  }

  tcp::socket socket_;
  net::steady_timer timer_;
  int port_;
  std::string source_;
  LoadFigures& figures_;
  char buffer_[4096];
};

json latency_of(std::vector<double> ms, long failures) {
  std::sort(ms.begin(), ms.end());
  return {{"requests", ms.size()},
          {"failures", failures},
          {"p50_ms", percentile(ms, 0.50)},
          {"p99_ms", percentile(ms, 0.99)},
          {"max_ms", ms.empty() ? 0.0 : ms.back()}};
}

json load_phase(const Options& o, ChildServer& child, const std::string& token) {
  const int port = child.server->port();
  progress(std::to_string(o.pollers) + " pollers and " + std::to_string(o.slow) +
           " slowloris connections for " + std::to_string(o.seconds) + " s");
  LoadFigures figures;
  net::io_context io;
  for (int i = 0; i < o.pollers; ++i) {
    // 20 phones per address; an unknown id does the same database read
    // as a real verdict poll (GET /api/v1/checkins/{submission}).
    std::make_shared<Poller>(io, port, address(10, i / 20),
                             "/api/v1/checkins/abuse" + std::to_string(i), figures,
                             static_cast<unsigned>(i) + 1)
        ->start();
  }
  for (int i = 0; i < o.slow; ++i) {
    std::make_shared<Slowloris>(io, port, address(20, i / 10), figures)->start();
  }
  std::thread loop([&io] { io.run(); });

  // The probes: a newcomer's /healthz and a teacher's logged-in read.
  std::vector<double> health_ms, me_ms;
  long health_failed = 0, me_failed = 0;
  double peak_rss_mib = 0;
  auto health = client_of(port, "");
  auto me = client_of(port, token);
  health->set_read_timeout(5);
  me->set_read_timeout(5);
  const auto until = Clock::now() + std::chrono::seconds(o.seconds);
  std::this_thread::sleep_for(2s);  // every poller has connected once
  auto next_memory = Clock::now();
  while (Clock::now() < until) {
    for (auto [client, path, times, failed] :
         {std::tuple{health.get(), "/healthz", &health_ms, &health_failed},
          std::tuple{me.get(), "/api/v1/me", &me_ms, &me_failed}}) {
      const auto started = Clock::now();
      const auto reply = reply_of(client->Get(path));
      times->push_back(std::chrono::duration<double, std::milli>(Clock::now() - started).count());
      if (reply.status != 200) ++*failed;
    }
    if (Clock::now() >= next_memory) {
      peak_rss_mib =
          std::max(peak_rss_mib, memory_of(child.server->pid())["rss_kib"].get<double>() / 1024.0);
      next_memory = Clock::now() + 1s;
    }
    std::this_thread::sleep_for(100ms);
  }
  io.stop();
  loop.join();
  json out;
  out["healthz"] = latency_of(health_ms, health_failed);
  out["logged_in_get"] = latency_of(me_ms, me_failed);
  {
    std::lock_guard lock(figures.mutex);
    out["polls"] = latency_of(figures.poll_ms, figures.poll_errors.load());
  }
  out["slowloris_cut"] = figures.slow_cut.load();
  out["connect_failures"] = figures.connect_fail.load();
  out["server_peak_rss_mib"] = std::round(peak_rss_mib);
  out["ok"] = out["healthz"]["p99_ms"].get<double>() < kProbeP99TargetMs &&
              out["logged_in_get"]["p99_ms"].get<double>() < kProbeP99TargetMs &&
              health_failed == 0 && me_failed == 0 && peak_rss_mib < kMemoryTargetMiB;
  return out;
}

// --- Phase 2: a distributed password guess ----------------------------------

json login_phase(ChildServer& child, int account_limit) {
  const int port = child.server->port();
  progress(std::to_string(kLoginAttackers) + " wrong logins for admin at once from " +
           std::to_string(kLoginAttackers) + " addresses");
  const std::string wrong = json{{"username", "admin"}, {"password", "not-the-password"}}.dump();
  std::atomic<int> ready{0};
  std::atomic<bool> go{false};
  std::vector<int> statuses(kLoginAttackers, 0);
  std::vector<std::thread> attackers;
  for (int i = 0; i < kLoginAttackers; ++i) {
    attackers.emplace_back([&, i] {
      try {
        Socket s(port, address(30, i));
        const auto request = request_line("POST", "/api/v1/auth/login",
                                          "Content-Type: application/json\r\nContent-Length: " +
                                              std::to_string(wrong.size()) + "\r\n") +
                             wrong;
        ++ready;
        while (!go) std::this_thread::yield();
        net::write(s.socket, net::buffer(request));
        statuses[static_cast<std::size_t>(i)] = status_of(s.read_reply());
      } catch (const std::exception&) {
        ++ready;
      }
    });
  }
  while (ready < kLoginAttackers) std::this_thread::sleep_for(1ms);
  go = true;
  for (auto& t : attackers) t.join();
  const auto tried = std::count(statuses.begin(), statuses.end(), 401);
  const auto limited = std::count(statuses.begin(), statuses.end(), 429);
  // The owner, from the address they logged in from before the attack.
  auto owner = client_of(port, "");
  const auto login = post_json(*owner, "/api/v1/auth/login",
                               {{"username", "admin"}, {"password", child.admin_password}});
  return {
      {"attempts", kLoginAttackers},        {"reached_the_password_check", tried},
      {"refused_rate_limited", limited},    {"configured_limit", account_limit},
      {"owner_login_status", login.status}, {"ok", tried <= account_limit && login.status == 200}};
}

// --- Phase 3: 400 MiB chunked bodies ----------------------------------------

json body_phase(ChildServer& child) {
  const int port = child.server->port();
  const double before = memory_of(child.server->pid())["rss_kib"].get<double>() / 1024.0;
  json routes = json::array();
  bool ok = true;
  for (const std::string path : {"/api/v1/auth/login", "/api/v1/auth/refresh",
                                 "/api/v1/auth/logout", "/api/v1/checkins", "/telegram/student"}) {
    progress("a chunked 400 MiB body to POST " + path);
    Socket s(port, "127.0.0.1");
    const bool is_upload = path == "/api/v1/checkins";
    net::write(s.socket, net::buffer(request_line("POST", path,
                                                  std::string("Content-Type: ") +
                                                      (is_upload ? "multipart/form-data; boundary=x"
                                                                 : "application/json") +
                                                      "\r\nTransfer-Encoding: chunked\r\n")));
    char size_line[16];
    std::snprintf(size_line, sizeof size_line, "%x\r\n", 64 * 1024);
    const std::string piece = size_line + std::string(64 * 1024, 'a') + "\r\n";
    s.socket.non_blocking(true);
    std::size_t sent = 0;
    std::size_t at = 0;  // into `piece`: a non-blocking write may take part of it
    std::string reply;
    const auto until = Clock::now() + 60s;
    while (sent < kHostileBodyBytes && Clock::now() < until) {
      boost::system::error_code error;
      const auto n = s.socket.write_some(net::buffer(piece.data() + at, piece.size() - at), error);
      if (error == net::error::would_block) {
        char buffer[4096];
        const auto got = s.socket.read_some(net::buffer(buffer), error);
        if (!error && got > 0) {
          reply.append(buffer, got);
          break;
        }
        if (error && error != net::error::would_block) break;
        std::this_thread::sleep_for(1ms);
        continue;
      }
      if (error) break;
      sent += n;
      at = (at + n) % piece.size();
    }
    s.socket.non_blocking(false);
    if (reply.empty()) {
      boost::system::error_code error;
      char buffer[4096];
      const auto got = s.socket.read_some(net::buffer(buffer), error);
      if (!error) reply.append(buffer, got);
    }
    const int status = status_of(reply);
    routes.push_back({{"route", "POST " + path},
                      {"status", status},
                      {"mib_sent_before_refusal", std::round(sent / 1048576.0 * 10) / 10}});
    ok = ok && status == 413;
  }
  const double after = memory_of(child.server->pid())["rss_kib"].get<double>() / 1024.0;
  return {{"routes", routes},
          {"server_rss_before_mib", std::round(before)},
          {"server_rss_after_mib", std::round(after)},
          {"ok", ok && after - before < kBodyMemoryGrowthMiB}};
}

json run(const Options& o) {
  // Per account and address 5 a minute; per account from addresses that
  // never logged in to it, this many an hour (the defaults).
  const int account_limit = 30;
  ChildServer child({o.models_dir,
                     o.database,
                     {"--login-attempts-per-minute-account", "5",
                      "--login-attempts-per-hour-account", std::to_string(account_limit)},
                     progress});
  auto admin = client_of(child.server->port(), "");
  const auto token =
      expect_json(post_json(*admin, "/api/v1/auth/login",
                            {{"username", "admin"}, {"password", child.admin_password}}),
                  "admin login")["access_token"]
          .get<std::string>();
  json r;
  r["machine"] = machine();
  r["load"] = load_phase(o, child, token);
  r["logins"] = login_phase(child, account_limit);
  r["bodies"] = body_phase(child);
  r["ok"] =
      r["load"]["ok"].get<bool>() && r["logins"]["ok"].get<bool>() && r["bodies"]["ok"].get<bool>();
  return r;
}

void print(const json& r) {
  const auto& l = r["load"];
  auto line = [](const char* what, const json& figures) {
    std::cout << "  " << std::left << std::setw(16) << what << figures["requests"]
              << " requests, p50 " << figures["p50_ms"].get<double>() << " ms, p99 "
              << figures["p99_ms"].get<double>() << " ms, max " << figures["max_ms"].get<double>()
              << " ms, failures " << figures["failures"] << "\n";
  };
  std::cout << std::fixed << std::setprecision(1) << "load ("
            << (l["ok"].get<bool>() ? "ok" : "MISSED") << ", target p99 < " << kProbeP99TargetMs
            << " ms and < " << kMemoryTargetMiB << " MB):\n";
  line("/healthz", l["healthz"]);
  line("logged-in GET", l["logged_in_get"]);
  line("verdict polls", l["polls"]);
  std::cout << "  slowloris connections cut: " << l["slowloris_cut"] << ", connect failures "
            << l["connect_failures"] << ", server peak RSS " << l["server_peak_rss_mib"]
            << " MiB\n";
  const auto& g = r["logins"];
  std::cout << "logins (" << (g["ok"].get<bool>() ? "ok" : "MISSED") << "): " << g["attempts"]
            << " at once, " << g["reached_the_password_check"]
            << " reached the password check (limit " << g["configured_limit"] << "), "
            << g["refused_rate_limited"]
            << " refused; the owner's login: " << g["owner_login_status"] << "\n";
  const auto& b = r["bodies"];
  std::cout << "bodies (" << (b["ok"].get<bool>() ? "ok" : "MISSED") << "): server RSS "
            << b["server_rss_before_mib"] << " -> " << b["server_rss_after_mib"] << " MiB\n";
  for (const auto& route : b["routes"]) {
    std::cout << "  " << route["route"].get<std::string>() << ": " << route["status"] << " after "
              << route["mib_sent_before_refusal"].get<double>() << " MiB sent\n";
  }
}

}  // namespace

void add_abuse_bench_command(CLI::App& bench) {
  static Options options;
  auto* c = bench.add_subcommand(
      "abuse", "hostile and heavy clients against a real `rollcall serve` on loopback");
  c->add_option("--pollers", options.pollers, "keep-alive connections polling every 2 s")
      ->check(CLI::Range(1, 20'000));
  c->add_option("--slow", options.slow, "slowloris connections")->check(CLI::Range(0, 20'000));
  c->add_option("--seconds", options.seconds, "length of the load phase")
      ->check(CLI::Range(5, 3600));
  c->add_option("--database", options.database,
                "postgres://... to run on PostgreSQL in a scratch database; default SQLite");
  c->add_option("--models", options.models_dir, "model directory (ROLLCALL_MODELS)");
  c->add_flag("--quick", options.is_quick, "a 10 s load phase (CI smoke run)");
  c->add_flag("--json", options.is_json, "print JSON");
  c->callback([] {
    auto o = options;
    if (o.is_quick) o.seconds = std::min(o.seconds, 10);
    json r;
    try {
      r = run(o);
    } catch (const std::exception& e) {
      throw CLI::RuntimeError(app::report_error(make_error("bench_failed", e.what())));
    }
    if (o.is_json) {
      app::print_json(r);
    } else {
      print(r);
    }
    if (!r["ok"].get<bool>()) throw CLI::RuntimeError(1);
  });
}

}  // namespace rollcall::bench
