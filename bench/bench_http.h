// bench/bench_http.h
//
// The client side of the server benchmarks: a connection to the child
// server, an answer reduced to what the figures need, JSON requests, and
// percentiles of the times measured.
// Owns: client timeouts (long: an upload waits for the engine behind the
// others) and what "no answer" looks like (status 0).
// Leaves to others: what is sent when (server_bench.cc, checkin_bench.cc).
// Thread safety: a client belongs to one thread; the functions are pure.
#pragma once

#include <httplib.h>

#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace rollcall::bench {

// A client of 127.0.0.1:`port`; keep-alive unless `keep_alive` is false (a
// phone that connects once), bearer `token` unless it is empty.
std::unique_ptr<httplib::Client> client_of(int port, const std::string& token,
                                           bool keep_alive = true);

struct Reply {
  int status = 0;  // 0: no HTTP answer (connection failed or timed out)
  std::string body;
  httplib::Headers headers;
};

Reply reply_of(const httplib::Result& result);

inline bool is_success(int status) { return status >= 200 && status < 300; }

// The body of a 2xx answer; throws with `what` and the answer otherwise.
nlohmann::json expect_json(const Reply& reply, const std::string& what);

Reply post_json(httplib::Client& client, const std::string& path, const nlohmann::json& body);

// The nearest-rank percentile `q` (0..1) of ascending `sorted`; 0 if empty.
double percentile(const std::vector<double>& sorted, double q);

}  // namespace rollcall::bench
