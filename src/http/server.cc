// src/http/server.cc
#include "http/server.h"

#include <httplib.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>

#include "base/clock.h"
#include "domain/passwords.h"
#include "http/errors.h"

namespace rollcall::http {
namespace {

constexpr const char* kAllowedHeaders = "Authorization, Content-Type, X-Request-Id";
constexpr const char* kAllowedMethods = "GET, POST, PUT, PATCH, DELETE, OPTIONS";

// A client's X-Request-Id is kept when it is short and plain, so a
// reverse proxy's id follows the request into our logs; else we make one.
std::string request_id_of(const httplib::Request& req) {
  const auto given = req.get_header_value("X-Request-Id");
  const bool is_plain = !given.empty() && given.size() <= 64 &&
                        std::all_of(given.begin(), given.end(), [](unsigned char c) {
                          return std::isalnum(c) || c == '-' || c == '_' || c == '.';
                        });
  return is_plain ? given : domain::random_token(12);
}

std::string media_type(const std::string& header) {
  std::string type = header.substr(0, header.find(';'));
  type.erase(
      std::remove_if(type.begin(), type.end(), [](unsigned char c) { return std::isspace(c); }),
      type.end());
  std::transform(type.begin(), type.end(), type.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  return type;
}

std::string bearer_token(const httplib::Request& req) {
  const auto header = req.get_header_value("Authorization");
  constexpr std::string_view kScheme = "Bearer ";
  if (header.size() <= kScheme.size()) return "";
  std::string scheme = header.substr(0, kScheme.size());
  std::transform(scheme.begin(), scheme.end(), scheme.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  return scheme == "bearer " ? header.substr(kScheme.size()) : "";
}

void write(const Reply& reply, httplib::Response& res) {
  res.status = reply.status;
  for (const auto& [name, value] : reply.headers) res.set_header(name, value);
  if (reply.stream) {
    auto stream = reply.stream;
    res.set_chunked_content_provider(
        reply.content_type, [stream](std::size_t, httplib::DataSink& sink) {
          std::string chunk;
          const bool more = stream(chunk, [&sink] { return sink.is_writable(); });
          if (!chunk.empty() && !sink.write(chunk.data(), chunk.size())) return false;
          if (!more) sink.done();
          return true;
        });
    return;
  }
  if (reply.status != 204 && reply.status != 304)
    res.set_content(reply.body, reply.content_type.c_str());
}

}  // namespace

namespace {

// What a user who must change their password may still do.
bool is_allowed_before_password_change(const Route& route) {
  return (route.method == "POST" && route.pattern == "/api/v1/auth/password") ||
         (route.method == "GET" && route.pattern == "/api/v1/me");
}

}  // namespace

struct Server::Impl {
  ServerOptions options;
  Metrics& metrics;
  Authenticate authenticate;
  std::unique_ptr<httplib::Server> server;
  socket_t listen_socket = INVALID_SOCKET;

  Impl(ServerOptions o, Metrics& m, Authenticate a)
      : options(std::move(o)), metrics(m), authenticate(std::move(a)) {}

  bool is_allowed_origin(const std::string& origin) const {
    return std::find(options.cors_origins.begin(), options.cors_origins.end(), origin) !=
           options.cors_origins.end();
  }
  void dispatch(const Router& router, const httplib::Request& req, httplib::Response& res);
  std::optional<Reply> web_app_page(const httplib::Request& req) const;
  Result<Reply> handle(const Router& router, const httplib::Request& req, Call& call,
                       const Route*& route, std::string& log_user);
};

Result<Reply> Server::Impl::handle(const Router& router, const httplib::Request& req, Call& call,
                                   const Route*& route, std::string& log_user) {
  bool path_exists = false;
  route = router.match(req.method, req.path, call.ids, call.refs, path_exists);
  if (!route) {
    if (path_exists) {
      return make_error("method_not_allowed", req.method + " is not allowed on " + req.path);
    }
    if (auto page = web_app_page(req)) return std::move(page).value();
    return make_error("not_found", "no route " + req.path + "; see /api/openapi.json");
  }
  if (!route->roles.empty()) {
    const auto token = bearer_token(req);
    if (token.empty()) {
      return make_error("unauthenticated",
                        "send an access token in the Authorization header (Bearer ...); get one "
                        "from POST /api/v1/auth/login");
    }
    auto principal = authenticate(token);
    if (!principal) return principal.error();
    log_user = principal->username;
    if (std::find(route->roles.begin(), route->roles.end(), principal->role) ==
        route->roles.end()) {
      return domain::forbidden(req.method + " " + route->pattern);
    }
    // A password someone else chose (a reset, the first admin's) is
    // replaced before anything else is served.
    if (principal->must_change_password && !is_allowed_before_password_change(*route)) {
      return make_error("password_change_required",
                        "your password was set by someone else; choose a new password of your "
                        "own (Your account, Change password) before going on");
    }
    call.principal = std::move(principal).value();
  } else if (const auto token = bearer_token(req); !token.empty()) {
    // A public route serves a signed-in caller as themselves (a student
    // checking in from their account); a stale token is ignored here, as
    // the route needs none (a client refreshing still sends its old one).
    if (auto principal = authenticate(token); principal && !principal->must_change_password) {
      log_user = principal->username;
      call.principal = std::move(principal).value();
    }
  }
  for (const auto& [name, value] : req.params) call.query.emplace(name, value);
  for (const auto& [name, part] : req.files) {
    if (part.filename.empty()) {
      call.form[name] = part.content;
    } else {
      call.files.push_back({name, part.filename, part.content_type, part.content});
    }
  }
  return route->handler(call);
}

// The UI routes in the browser (/students, /checkin?...): a reload or a
// QR link must open the app, so such paths answer with index.html. Paths
// that look like files (a dot in the last segment) stay 404s, and the API
// keeps its JSON errors.
std::optional<Reply> Server::Impl::web_app_page(const httplib::Request& req) const {
  if (options.web_dir.empty() || (req.method != "GET" && req.method != "HEAD") ||
      req.path.starts_with("/api/") || req.path == "/api") {
    return std::nullopt;
  }
  const auto last_slash = req.path.rfind('/');
  if (req.path.find('.', last_slash == std::string::npos ? 0 : last_slash) != std::string::npos) {
    return std::nullopt;
  }
  std::ifstream in(std::filesystem::path(options.web_dir) / "index.html", std::ios::binary);
  if (!in) return std::nullopt;
  Reply page;
  page.body.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  page.content_type = "text/html; charset=utf-8";
  page.headers = {{"Cache-Control", "no-cache"}};
  return page;
}

void Server::Impl::dispatch(const Router& router, const httplib::Request& req,
                            httplib::Response& res) {
  Stopwatch clock;
  Call call;
  call.method = req.method;
  call.path = req.path;
  call.body = req.body;
  call.content_type = media_type(req.get_header_value("Content-Type"));
  call.remote_ip = req.remote_addr;
  call.secure = !options.tls_cert_file.empty();
  call.request_id = request_id_of(req);
  call.header = [&req](const std::string& name) { return req.get_header_value(name); };
  res.set_header("X-Request-Id", call.request_id);

  const auto origin = req.get_header_value("Origin");
  const bool is_cors = !origin.empty() && is_allowed_origin(origin);
  if (is_cors) {
    res.set_header("Access-Control-Allow-Origin", origin);
    res.set_header("Vary", "Origin");
    res.set_header("Access-Control-Expose-Headers", "X-Request-Id, Retry-After");
  }

  const Route* route = nullptr;
  std::string user;
  Result<Reply> reply = Reply{};
  if (req.method == "OPTIONS") {
    // A CORS preflight. Refusing a stranger's is the browser's cue to block.
    if (!is_cors) {
      reply = make_error("cors_origin_denied",
                         "the origin \"" + origin.substr(0, 100) + "\" is not in cors_origins");
    } else {
      Reply preflight = Reply::no_content();
      preflight.headers = {{"Access-Control-Allow-Methods", kAllowedMethods},
                           {"Access-Control-Allow-Headers", kAllowedHeaders},
                           {"Access-Control-Max-Age", "600"}};
      reply = preflight;
    }
  } else {
    try {
      reply = handle(router, req, call, route, user);
    } catch (const std::exception& e) {
      spdlog::error(nlohmann::json{
          {"event", "handler_exception"}, {"request_id", call.request_id}, {"what", e.what()}}
                        .dump());
      reply = make_error("internal", "the server failed on this request; quote request id " +
                                         call.request_id + " to the administrator");
    }
  }
  if (reply) {
    write(*reply, res);
  } else {
    auto body = error_reply(reply.error(), call.request_id);
    if (reply.error().code == "unauthenticated" || reply.error().code.rfind("token_", 0) == 0) {
      body.headers.emplace_back("WWW-Authenticate", "Bearer");
    }
    write(body, res);
  }
  const double seconds = clock.elapsed_ms() / 1000.0;
  const std::string tag = route ? route->tag : "unmatched";
  metrics.observe_request(req.method, tag, res.status, seconds);
  spdlog::info(nlohmann::json{{"event", "request"},
                              {"request_id", call.request_id},
                              {"method", req.method},
                              {"path", req.path},
                              {"route", tag},
                              {"status", res.status},
                              {"ms", std::round(seconds * 1e5) / 100},
                              {"ip", req.remote_addr},
                              {"user", user},
                              {"bytes_in", req.body.size()}}
                   .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

Server::Server(ServerOptions options, Router router, Metrics& metrics, Authenticate authenticate)
    : impl_(std::make_unique<Impl>(std::move(options), metrics, std::move(authenticate))),
      router_(std::move(router)) {}

Server::~Server() = default;

Result<int> Server::bind() {
  auto& o = impl_->options;
  if (!o.tls_cert_file.empty() || !o.tls_key_file.empty()) {
    if (o.tls_cert_file.empty() || o.tls_key_file.empty()) {
      return make_error("tls_invalid", "set both tls_cert_file and tls_key_file, or neither");
    }
    auto secure =
        std::make_unique<httplib::SSLServer>(o.tls_cert_file.c_str(), o.tls_key_file.c_str());
    if (!secure->is_valid()) {
      return make_error("tls_invalid", "cannot load the TLS certificate " + o.tls_cert_file +
                                           " or key " + o.tls_key_file);
    }
    impl_->server = std::move(secure);
  } else {
    impl_->server = std::make_unique<httplib::Server>();
  }
  auto& server = *impl_->server;
  const int threads = std::max(1, o.threads);
  server.new_task_queue = [threads] {
    return new httplib::ThreadPool(static_cast<std::size_t>(threads));
  };
  // httplib 0.11 listens with a backlog of 5, so a burst of connections
  // (a class checking in at once) is refused by the kernel before a thread
  // can accept it. The socket-options hook sees the listening socket; after
  // bind we listen again on it with the system's maximum.
  server.set_socket_options([this](socket_t socket) {
    int yes = 1;
    setsockopt(socket, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);  // httplib's default
    impl_->listen_socket = socket;
  });
  server.set_payload_max_length(o.max_body_bytes);
  server.set_keep_alive_max_count(1000);
  // httplib keeps a thread per idle keep-alive connection; phones that
  // check in and go quiet must not hold the pool for 5 s (its default).
  server.set_keep_alive_timeout(2);
  // httplib writes a response's headers and body in separate send()s; with
  // Nagle on, the body waits for the client's delayed ACK (40 ms on Linux)
  // on every keep-alive request (`rollcall bench server`).
  server.set_tcp_nodelay(true);
  server.set_read_timeout(30, 0);
  server.set_write_timeout(30, 0);
  // Errors httplib answers itself (413 for a body over the limit, 400 for
  // bad HTTP) get the same JSON body as ours.
  server.set_error_handler(httplib::Server::HandlerWithResponse([this](const httplib::Request& req,
                                                                       httplib::Response& res) {
    if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
    const auto id = req.get_header_value("X-Request-Id");
    Error error = res.status == 413 ? make_error("body_too_large",
                                                 "the request body is larger than " +
                                                     std::to_string(impl_->options.max_body_bytes) +
                                                     " bytes (max_body_bytes)")
                                    : make_error("bad_request", "the request is not valid HTTP");
    write(error_reply(error, id), res);
    impl_->metrics.observe_request(req.method, "unmatched", res.status, 0);
    return httplib::Server::HandlerResponse::Handled;
  }));
  // RFC 9112 section 6.3: a request with neither Content-Length nor
  // Transfer-Encoding has no body. httplib 0.11 instead reads such a POST
  // until the client closes, and answers 400 after the read timeout; so
  // these requests are dispatched here, with their empty body, before
  // httplib tries to read one (fetch() and curl -X POST send them).
  server.set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
    const bool may_have_body = req.method == "POST" || req.method == "PUT" ||
                               req.method == "PATCH" || req.method == "DELETE";
    if (!may_have_body || req.has_header("Content-Length") || req.has_header("Transfer-Encoding")) {
      return httplib::Server::HandlerResponse::Unhandled;
    }
    impl_->dispatch(router_, req, res);
    return httplib::Server::HandlerResponse::Handled;
  });
  if (!o.web_dir.empty()) {
    if (!server.set_mount_point("/", o.web_dir)) {
      return make_error("web_dir_unusable", "web_dir " + o.web_dir + " is not a directory");
    }
    // Vite names built assets by their content hash: they never change.
    server.set_file_request_handler([](const httplib::Request& req, httplib::Response& res) {
      res.set_header("Cache-Control", req.path.starts_with("/assets/")
                                          ? "public, max-age=31536000, immutable"
                                          : "no-cache");
    });
  }
  auto dispatch = [this](const httplib::Request& req, httplib::Response& res) {
    impl_->dispatch(router_, req, res);
  };
  server.Get(".*", dispatch);
  server.Post(".*", dispatch);
  server.Put(".*", dispatch);
  server.Patch(".*", dispatch);
  server.Delete(".*", dispatch);
  server.Options(".*", dispatch);
  int port = o.port == 0 ? server.bind_to_any_port(o.host)
                         : (server.bind_to_port(o.host, o.port) ? o.port : -1);
  if (port > 0 && ::listen(impl_->listen_socket, SOMAXCONN) != 0) port = -1;
  if (port <= 0) {
    return make_error("listen_failed", "cannot listen on " + o.host + ":" + std::to_string(o.port) +
                                           " (in use, or not allowed)");
  }
  return port;
}

void Server::run() { impl_->server->listen_after_bind(); }

void Server::stop() {
  if (impl_->server) impl_->server->stop();
}

}  // namespace rollcall::http
