// src/http/router.h
//
// Routes: a method, a path pattern, who may call it, a line for the
// OpenAPI document, and the handler. Handlers see a Call (the parsed
// request, without the transport's types) and return a Reply or an Error,
// which the server turns into the uniform error body.
// Invariants: patterns use {name} for integer path parameters, except the
// names in kOpaqueParams, which take a short token (a letter or digit, then
// [A-Za-z0-9_.-], up to 64 characters: never "." or "..") into Call::refs;
// every registered route appears in the OpenAPI document (tested).
// Thread safety: the Router is filled before serving, then read only.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/result.h"
#include "domain/principal.h"
#include "store/records.h"

namespace rollcall::http {

struct UploadedFile {
  std::string_view field;  // form field name
  std::string_view filename;
  std::string_view content_type;
  std::string_view content;
};

// One request, as handlers see it. Views point into the server's request,
// which outlives the handler call.
struct Call {
  std::string_view method;
  std::string_view path;
  std::string_view body;
  std::string content_type;  // media type only, lower case, no parameters
  std::multimap<std::string, std::string> query;
  std::vector<UploadedFile> files;          // multipart/form-data file parts
  std::map<std::string, std::string> form;  // multipart/form-data text parts
  std::map<std::string, std::int64_t> ids;  // integer path parameters
  std::map<std::string, std::string> refs;  // opaque path parameters (kOpaqueParams)
  std::string remote_ip;
  std::string request_id;
  bool secure = false;                         // came in over this server's own TLS
  std::optional<domain::Principal> principal;  // set on authenticated routes
  // A request header by name (any case); "" when absent.
  std::function<std::string(const std::string&)> header;

  // Requires: the route is authenticated.
  const domain::Principal& who() const { return *principal; }
  std::int64_t id(const std::string& name) const { return ids.at(name); }
  const std::string& ref(const std::string& name) const { return refs.at(name); }
  std::optional<std::string> query_value(const std::string& name) const;
  // The address the client used, "https://school.lan:8443": the scheme
  // from X-Forwarded-Proto (a reverse proxy's) or this server's TLS, the
  // host from X-Forwarded-Host or Host; "" without a usable host. It is
  // only ever shown back to the same client (the check-in link), so a
  // forged header misleads nobody else.
  std::string base_url() const;
};

struct Reply {
  int status = 200;
  std::string body;
  std::string content_type = "application/json";
  std::vector<std::pair<std::string, std::string>> headers;

  // A streamed body (Server-Sent Events): called again and again from the
  // connection's thread; appends what to send next (possibly nothing) and
  // returns false when the stream is over. `is_open` is false once the
  // client has gone.
  std::function<bool(std::string& chunk, const std::function<bool()>& is_open)> stream;

  static Reply json(const nlohmann::json& value, int status = 200);
  static Reply no_content();
};

using Handler = std::function<Result<Reply>(Call&)>;

// Path parameters that are opaque tokens, not ids: a check-in submission
// is named by an unguessable id so that its verdict is not public to all;
// a backup by its file name (which the domain checks again, exactly).
inline const std::vector<std::string> kOpaqueParams{"submission", "backup"};

// Who may call a route. Empty = anyone, without a token.
using Roles = std::vector<store::Role>;
inline const Roles kAnyone{};
inline const Roles kAnyUser{store::Role::admin, store::Role::teacher, store::Role::student};
inline const Roles kStaff{store::Role::admin, store::Role::teacher};
inline const Roles kAdmin{store::Role::admin};

struct Route {
  std::string method;   // GET, POST, PATCH, PUT, DELETE
  std::string pattern;  // /api/v1/students/{id}
  Roles roles;
  std::string summary;  // one line, for people reading the OpenAPI document
  Handler handler;
  std::vector<std::string> segments;  // the pattern split at '/'; "{name}" for a parameter
  std::string tag;                    // rate-limit and metrics group: the pattern
  // The largest body this route reads; 0 = the server's rule by media
  // type (max_json_body_bytes, or max_body_bytes for uploads).
  std::size_t max_body_bytes = 0;
};

class Router {
 public:
  void add(std::string method, std::string pattern, Roles roles, std::string summary,
           Handler handler);
  const std::vector<Route>& routes() const { return routes_; }
  // Gives a registered route its own body limit. Requires: the route exists.
  void limit_body(std::string_view method, std::string_view pattern, std::size_t max_body_bytes);

  // The route for a method and path, with its path parameters; nullopt if
  // none. `path_exists` is set when some other method matches the path.
  const Route* match(std::string_view method, const std::string& path,
                     std::map<std::string, std::int64_t>& ids,
                     std::map<std::string, std::string>& refs, bool& path_exists) const;

 private:
  std::vector<Route> routes_;
};

}  // namespace rollcall::http
