// src/domain/public_url.h
//
// The address students' phones open (the check-in link and its QR code):
// reading a base URL, telling a loopback host from a reachable one, and
// what is wrong with an address, in words for the teacher and the IT
// person (docs/CONFIGURATION.md "public_url").
// Why here and not in http: the link is the domain's (Checkins::link); the
// HTTP layer only says which address a request came in on.
// Thread safety: pure functions.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "base/result.h"

namespace rollcall::domain {

struct BaseUrl {
  std::string scheme;  // "http" or "https", lower case
  std::string host;    // lower case; an IPv6 address without its brackets
  int port = 0;        // 0 = the scheme's default
  std::string path;    // "" or "/prefix" without a trailing '/'

  // scheme://host[:port][path], the port only when not the default.
  std::string text() const;
  // host[:port], as a browser shows it.
  std::string authority() const;
};

// "https://school.example:8443/rollcall/" -> its parts. Errors:
// invalid_field naming `field` (not http(s), no host, a query or fragment).
Result<BaseUrl> parse_base_url(const std::string& field, const std::string& text);

// localhost, *.localhost, 127.0.0.0/8, ::1, 0.0.0.0 and ::: names that
// mean "this computer" to whoever opens them.
bool is_loopback_host(const std::string& host);

// What is wrong with `link` as the address of the check-in link, one
// sentence each; empty when nothing is. `seen`: the address the teacher's
// browser is using ("" when unknown): a configured link that differs from
// it is worth a word too.
std::vector<std::string> link_warnings(const std::string& link, const std::string& seen);

}  // namespace rollcall::domain
