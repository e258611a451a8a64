// src/http/url.h
//
// The parts of a request target that handlers read: the path, percent-
// decoded, and the query string as name/value pairs (RFC 3986 section
// 2.1; '+' in a query is a space, as HTML forms send it).
// Written here rather than taken from a library: Boost.URL arrived in
// Boost 1.81 and Debian 12's libboost-dev is 1.74; these are 60 lines.
// Thread safety: pure functions.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace rollcall::http {

// `text` with every %XX replaced by its byte (and '+' by ' ' when
// `plus_is_space`); nullopt on a malformed escape or a NUL byte.
std::optional<std::string> percent_decode(std::string_view text, bool plus_is_space);

// "a=1&b=x%20y&c" -> {a: 1, b: "x y", c: ""}; pairs that do not decode
// are dropped (as a browser would never send them).
std::multimap<std::string, std::string> parse_query(std::string_view query);

}  // namespace rollcall::http
