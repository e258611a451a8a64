// src/http/dispatch.h
//
// Dispatcher: what happens to a request once the transport has read it
// whole. It gives it a request id, applies CORS and the security headers,
// serves the web UI's files, finds the route, authenticates the bearer
// token, checks the role, parses the query and multipart parts, runs the
// handler, maps errors to the uniform body, and logs and measures it.
// Owns: nothing but references to the router, the metrics and the
// authenticate callback. Leaves to others: connections, framing, limits
// and deadlines (server.cc), what a token means (`authenticate`).
// Thread safety: dispatch() runs concurrently on the handler threads.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "base/result.h"
#include "http/metrics.h"
#include "http/request.h"
#include "http/router.h"
#include "http/server.h"

namespace rollcall::http {

// The most parts a multipart upload may have: a class photo request's
// photos plus its few text fields (the per-route photo caps are lower).
inline constexpr std::size_t kMaxMultipartParts = 64;

class Dispatcher {
 public:
  Dispatcher(const ServerOptions& options, const Router& router, Metrics& metrics,
             Authenticate authenticate);

  // The reply to `request`, logged and measured.
  Reply dispatch(const Request& request) const;

  // The reply to a request the transport refused before it was whole
  // (bad HTTP, a body over its limit, a busy server): the uniform error
  // body with `status`, the security headers, logged and measured.
  // `request` may hold only what was read of it (its method and path).
  Reply refuse(const Request& request, const Error& error, int status) const;

  // The body limit for a request with these headers, before reading the
  // body: a route's own limit, else max_body_bytes for uploads
  // (multipart/form-data and other non-JSON bodies) and
  // max_json_body_bytes for the rest.
  std::size_t body_limit(const Request& head) const;

 private:
  Result<Reply> handle(const Request& request, Call& call, const Route*& route,
                       std::string& log_user) const;
  void finish(const Request& request, Reply& reply) const;
  void log(const Request& request, const std::string& request_id, const std::string& route,
           int status, double seconds, const std::string& user) const;
  bool is_allowed_origin(const std::string& origin) const;

  const ServerOptions& options_;
  const Router& router_;
  Metrics& metrics_;
  Authenticate authenticate_;
};

}  // namespace rollcall::http
