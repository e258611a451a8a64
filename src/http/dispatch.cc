// src/http/dispatch.cc
#include "http/dispatch.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <exception>
#include <optional>

#include "base/clock.h"
#include "domain/passwords.h"
#include "http/errors.h"
#include "http/multipart.h"
#include "http/static_files.h"
#include "http/url.h"

namespace rollcall::http {
namespace {

constexpr const char* kAllowedHeaders = "Authorization, Content-Type, X-Request-Id";
constexpr const char* kAllowedMethods = "GET, POST, PUT, PATCH, DELETE, OPTIONS";

// The web UI loads only its own scripts and styles, talks only to this
// server, shows camera previews and QR codes from blob: and data: URLs,
// and is never framed (clickjacking). The e2e test fails on a violation.
constexpr const char* kContentSecurityPolicy =
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "media-src 'self' blob:; connect-src 'self'; font-src 'self'; object-src 'none'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

// A client's X-Request-Id is kept when it is short and plain, so a
// reverse proxy's id follows the request into our logs; else we make one.
std::string request_id_of(const Request& request) {
  const auto given = request.header("X-Request-Id");
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

std::string bearer_token(const Request& request) {
  const auto header = request.header("Authorization");
  constexpr std::string_view kScheme = "Bearer ";
  if (header.size() <= kScheme.size()) return "";
  std::string scheme = header.substr(0, kScheme.size());
  std::transform(scheme.begin(), scheme.end(), scheme.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  return scheme == "bearer " ? header.substr(kScheme.size()) : "";
}

// What a user who must change their password may still do.
bool is_allowed_before_password_change(const Route& route) {
  return (route.method == "POST" && route.pattern == "/api/v1/auth/password") ||
         (route.method == "GET" && route.pattern == "/api/v1/me");
}

// A HEAD is answered as the GET it stands for, without the body.
std::string_view routing_method(const Request& request) {
  return request.method == "HEAD" ? std::string_view("GET") : std::string_view(request.method);
}

bool is_https(const Request& request) {
  if (request.secure) return true;
  auto proto = request.header("X-Forwarded-Proto");
  std::transform(proto.begin(), proto.end(), proto.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  return proto.starts_with("https");
}

}  // namespace

Dispatcher::Dispatcher(const ServerOptions& options, const Router& router, Metrics& metrics,
                       Authenticate authenticate)
    : options_(options),
      router_(router),
      metrics_(metrics),
      authenticate_(std::move(authenticate)) {}

bool Dispatcher::is_allowed_origin(const std::string& origin) const {
  return std::find(options_.cors_origins.begin(), options_.cors_origins.end(), origin) !=
         options_.cors_origins.end();
}

std::size_t Dispatcher::body_limit(const Request& head) const {
  std::map<std::string, std::int64_t> ids;
  std::map<std::string, std::string> refs;
  bool path_exists = false;
  const Route* route = router_.match(routing_method(head), head.path, ids, refs, path_exists);
  // max_body_bytes bounds every body; a route or JSON may ask for less.
  if (route && route->max_body_bytes > 0) {
    return std::min(route->max_body_bytes, options_.max_body_bytes);
  }
  const auto type = media_type(head.header("Content-Type"));
  const bool is_json =
      type.empty() || type == "application/json" || type == "application/x-www-form-urlencoded";
  return is_json ? std::min(options_.max_json_body_bytes, options_.max_body_bytes)
                 : options_.max_body_bytes;
}

Result<Reply> Dispatcher::handle(const Request& request, Call& call, const Route*& route,
                                 std::string& log_user) const {
  bool path_exists = false;
  route = router_.match(routing_method(request), request.path, call.ids, call.refs, path_exists);
  if (!route) {
    if (path_exists) {
      return make_error("method_not_allowed",
                        request.method + " is not allowed on " + request.path);
    }
    if (auto file = static_file(options_.web_dir, request)) return std::move(file).value();
    if (auto page = web_app_page(options_.web_dir, request)) return std::move(page).value();
    return make_error("not_found", "no route " + request.path + "; see /api/openapi.json");
  }
  if (!route->roles.empty()) {
    const auto token = bearer_token(request);
    if (token.empty()) {
      return make_error("unauthenticated",
                        "send an access token in the Authorization header (Bearer ...); get one "
                        "from POST /api/v1/auth/login");
    }
    auto principal = authenticate_(token);
    if (!principal) return principal.error();
    log_user = principal->username;
    if (std::find(route->roles.begin(), route->roles.end(), principal->role) ==
        route->roles.end()) {
      return domain::forbidden(request.method + " " + route->pattern);
    }
    // A password someone else chose (a reset, the first admin's) is
    // replaced before anything else is served.
    if (principal->must_change_password && !is_allowed_before_password_change(*route)) {
      return make_error("password_change_required",
                        "your password was set by someone else; choose a new password of your "
                        "own (Your account, Change password) before going on");
    }
    call.principal = std::move(principal).value();
  } else if (const auto token = bearer_token(request); !token.empty()) {
    // A public route serves a signed-in caller as themselves (a student
    // checking in from their account); a stale token is ignored here, as
    // the route needs none (a client refreshing still sends its old one).
    if (auto principal = authenticate_(token); principal && !principal->must_change_password) {
      log_user = principal->username;
      call.principal = std::move(principal).value();
    }
  }
  call.query = parse_query(request.query_string);
  std::vector<MultipartPart> parts;
  if (call.content_type == "multipart/form-data") {
    auto parsed = parse_multipart(request.body, multipart_boundary(request.header("Content-Type")),
                                  kMaxMultipartParts);
    if (!parsed) return parsed.error();
    parts = std::move(parsed).value();
  }
  for (const auto& part : parts) {
    if (!part.has_filename || part.filename.empty()) {
      call.form[part.name] = std::string(part.content);
    } else {
      call.files.push_back({part.name, part.filename, part.content_type, part.content});
    }
  }
  return route->handler(call);
}

void Dispatcher::finish(const Request& request, Reply& reply) const {
  reply.headers.emplace_back("X-Content-Type-Options", "nosniff");
  reply.headers.emplace_back("Referrer-Policy", "same-origin");
  reply.headers.emplace_back("Content-Security-Policy", kContentSecurityPolicy);
  reply.headers.emplace_back("X-Frame-Options", "DENY");
  if (is_https(request)) {
    reply.headers.emplace_back("Strict-Transport-Security", "max-age=31536000");
  }
  const auto origin = request.header("Origin");
  if (!origin.empty() && is_allowed_origin(origin)) {
    reply.headers.emplace_back("Access-Control-Allow-Origin", origin);
    reply.headers.emplace_back("Vary", "Origin");
    reply.headers.emplace_back("Access-Control-Expose-Headers", "X-Request-Id, Retry-After");
  }
}

Reply Dispatcher::dispatch(const Request& request) const {
  Stopwatch clock;
  Call call;
  call.method = request.method;
  call.path = request.path;
  call.body = request.body;
  call.content_type = media_type(request.header("Content-Type"));
  call.remote_ip = request.remote_ip;
  call.secure = request.secure;
  call.request_id = request_id_of(request);
  call.header = [&request](const std::string& name) { return request.header(name); };

  const Route* route = nullptr;
  std::string user;
  Result<Reply> reply = Reply{};
  if (request.method == "OPTIONS") {
    // A CORS preflight. Refusing a stranger's is the browser's cue to block.
    const auto origin = request.header("Origin");
    if (origin.empty() || !is_allowed_origin(origin)) {
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
      reply = handle(request, call, route, user);
    } catch (const std::exception& e) {
      spdlog::error(nlohmann::json{{"event", "handler_exception"},
                                   {"request_id", call.request_id},
                                   // A library's message may quote the input: never all of it.
                                   {"what", std::string(e.what()).substr(0, 500)}}
                        .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
      reply = make_error("internal", "the server failed on this request; quote request id " +
                                         call.request_id + " to the administrator");
    }
  }
  Reply out;
  if (reply) {
    out = std::move(reply).value();
  } else {
    out = error_reply(reply.error(), call.request_id);
    if (reply.error().code == "unauthenticated" || reply.error().code.rfind("token_", 0) == 0) {
      out.headers.emplace_back("WWW-Authenticate", "Bearer");
    }
  }
  out.headers.emplace_back("X-Request-Id", call.request_id);
  finish(request, out);
  log(request, call.request_id, route ? route->tag : "unmatched", out.status,
      clock.elapsed_ms() / 1000.0, user);
  return out;
}

Reply Dispatcher::refuse(const Request& request, const Error& error, int status) const {
  const auto id = request_id_of(request);
  Reply out = error_reply(error, id);
  out.status = status;
  out.headers.emplace_back("X-Request-Id", id);
  finish(request, out);
  log(request, id, "unmatched", status, 0, "");
  return out;
}

void Dispatcher::log(const Request& request, const std::string& request_id,
                     const std::string& route, int status, double seconds,
                     const std::string& user) const {
  metrics_.observe_request(request.method, route, status, seconds);
  spdlog::info(nlohmann::json{{"event", "request"},
                              {"request_id", request_id},
                              {"method", request.method},
                              {"path", request.path.substr(0, 512)},
                              {"route", route},
                              {"status", status},
                              {"ms", std::round(seconds * 1e5) / 100},
                              {"ip", request.remote_ip},
                              {"user", user},
                              {"bytes_in", request.body.size()}}
                   .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

}  // namespace rollcall::http
