// src/http/request.h
//
// Request: one HTTP request as the transport (server.cc) hands it to the
// dispatcher, in standard types only, so that routing, authentication and
// the handlers never see Boost.Beast.
// Invariants: `path` is percent-decoded and starts with '/'; `body` is
// complete and within the limits the transport enforced.
// Thread safety: a Request belongs to one dispatch.
#pragma once

#include <algorithm>
#include <cctype>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace rollcall::http {

struct Request {
  std::string method;        // GET, HEAD, POST, ...
  std::string path;          // decoded
  std::string query_string;  // after '?', still encoded
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::string remote_ip;  // the client: the peer, or what a trusted proxy says
  bool secure = false;    // came in over this server's own TLS

  // The first header of that name (any case); "" when absent.
  std::string header(std::string_view name) const {
    const auto it = std::find_if(headers.begin(), headers.end(), [name](const auto& h) {
      return h.first.size() == name.size() &&
             std::equal(h.first.begin(), h.first.end(), name.begin(),
                        [](unsigned char a, unsigned char b) {
                          return std::tolower(a) == std::tolower(b);
                        });
    });
    return it == headers.end() ? "" : it->second;
  }
};

}  // namespace rollcall::http
