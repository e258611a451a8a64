// src/http/server.h
//
// Server: the HTTP front door. cpp-httplib accepts connections and parses
// HTTP on a fixed pool of threads; every request then goes through one
// dispatch function, which gives it a request id, applies CORS, finds the
// route, authenticates the bearer token, checks the role, runs the
// handler, maps errors to the uniform body, and logs and measures it.
// Owns: the listening socket and the thread pool. Leaves to others: the
// routes (routes_*.cc), what a token means (the `authenticate` callback).
// Thread safety: run() blocks one thread; stop() may be called from any
// thread (a signal watcher) and lets requests in flight finish.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "base/result.h"
#include "domain/principal.h"
#include "http/metrics.h"
#include "http/router.h"

namespace rollcall::http {

struct ServerOptions {
  std::string host = "127.0.0.1";
  int port = 8080;  // 0 = any free port (tests)
  int threads = 8;
  std::size_t max_body_bytes = 64u * 1024 * 1024;
  std::vector<std::string> cors_origins;
  std::string tls_cert_file;  // both set = HTTPS
  std::string tls_key_file;
  // The built web UI: files served as they are; any other GET outside
  // /api/ (a client-side route such as /checkin) gets its index.html.
  // Empty = no UI, the API alone.
  std::string web_dir;
};

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

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  Router router_;
};

}  // namespace rollcall::http
