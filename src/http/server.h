// src/http/server.h
//
// Server: the HTTP front door, event-driven (Boost.Beast over Asio; why
// in docs/ARCHITECTURE.md "HTTP core"). A few I/O threads hold every
// connection, however slow; a request read whole, within its limits, goes
// to a bounded pool of handler threads, which runs the Dispatcher
// (dispatch.h: routing, auth, handlers, errors, logs).
// Owns: the listening socket, the connections, the I/O and handler
// threads, and the transport's limits: a deadline for each request head
// and each body, a minimum upload rate, a body limit whatever the framing
// (Content-Length or chunked) refused while streaming, a budget for all
// bodies being read at once, connection caps per address and in all, a
// bound on queued requests. Each limit is a named setting (ServerOptions)
// and logs its own event when it cuts a client.
// Leaves to others: the routes (routes_*.cc), what a token means (the
// `authenticate` callback).
// Thread safety: run() blocks one thread; stop() may be called from any
// thread (a signal watcher) and lets requests in flight finish.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "domain/principal.h"
#include "http/metrics.h"
#include "http/request.h"
#include "http/router.h"

namespace rollcall::http {

struct ServerOptions {
  std::string host = "127.0.0.1";
  int port = 8080;                                 // 0 = any free port (tests)
  int threads = 8;                                 // handler threads; connections cost none
  int io_threads = 0;                              // 0 = one per core, at most 2
  std::size_t max_body_bytes = 64u * 1024 * 1024;  // an upload (multipart, files)
  std::size_t max_json_body_bytes = 1024u * 1024;  // any other body
  std::size_t max_header_bytes = 16u * 1024;       // request line and headers
  std::size_t max_buffered_body_bytes = 512u * 1024 * 1024;  // all bodies being read
  // A request head must arrive whole within this, counted from the end
  // of the previous reply (an idle keep-alive connection is closed then).
  int header_timeout_s = 10;
  int body_timeout_s = 300;  // a whole body, however fast
  // After header_timeout_s of a body, an upload slower than this is cut
  // (a phone on 2G sends ~10 KB/s; a slowloris sends a byte now and then).
  std::size_t min_body_bytes_per_s = 1024;
  int write_timeout_s = 30;  // a reply the client does not read
  int max_connections = 10'000;
  // A campus NAT can put a lecture hall of phones behind one address.
  int max_connections_per_ip = 2048;
  int max_queued_requests = 4096;  // read, waiting for a handler thread
  // Reverse proxies whose X-Forwarded-For names the client (and whose
  // own connections are not capped per address).
  std::vector<std::string> trusted_proxies;
  std::vector<std::string> cors_origins;
  std::string tls_cert_file;  // both set = HTTPS
  std::string tls_key_file;
  // The built web UI: files served as they are; any other GET outside
  // /api/ (a client-side route such as /checkin) gets its index.html.
  // Empty = no UI, the API alone.
  std::string web_dir;
};

// The request head in `bytes` (request line and headers, through the
// blank line) read as a connection reads one: Beast's parser within
// `max_header_bytes`, the path percent-decoded. Errors: bad_request,
// headers_too_large. For tests and tests/fuzz/request_head_fuzzer.cc.
Result<Request> parse_request_head(std::string_view bytes, std::size_t max_header_bytes);

using Authenticate = std::function<Result<domain::Principal>(const std::string& bearer_token)>;

class Server {
 public:
  Server(ServerOptions options, Router router, Metrics& metrics, Authenticate authenticate);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds the socket; the port actually bound (useful with port 0).
  // Errors: listen_failed, tls_invalid.
  Result<int> bind();
  // Serves until stop(). Requires: bind() succeeded.
  void run();
  // Stops accepting; requests in flight finish before run() returns.
  void stop();

  const Router& router() const { return router_; }

  struct Impl;  // the transport's state (server.cc), named by its connections

 private:
  std::unique_ptr<Impl> impl_;
  Router router_;
};

}  // namespace rollcall::http
