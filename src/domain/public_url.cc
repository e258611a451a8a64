// src/domain/public_url.cc
#include "domain/public_url.h"

#include <algorithm>
#include <cctype>

namespace rollcall::domain {
namespace {

std::string lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

int default_port(const std::string& scheme) { return scheme == "https" ? 443 : 80; }

}  // namespace

std::string BaseUrl::authority() const {
  std::string out = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  if (port != 0 && port != default_port(scheme)) out += ":" + std::to_string(port);
  return out;
}

std::string BaseUrl::text() const { return scheme + "://" + authority() + path; }

Result<BaseUrl> parse_base_url(const std::string& field, const std::string& text) {
  const auto bad = [&](const std::string& why) {
    return field_error(
        "invalid_field", field,
        field + " must be an address like https://attendance.college.edu (" + why + ")");
  };
  BaseUrl url;
  const auto colon = text.find("://");
  if (colon == std::string::npos) return bad("it has no http:// or https://");
  url.scheme = lower(text.substr(0, colon));
  if (url.scheme != "http" && url.scheme != "https") return bad("only http and https work");
  std::string rest = text.substr(colon + 3);
  if (rest.find_first_of("?#") != std::string::npos) return bad("no ? or # part");
  const auto slash = rest.find('/');
  std::string authority = rest.substr(0, slash);
  if (slash != std::string::npos) url.path = rest.substr(slash);
  while (!url.path.empty() && url.path.back() == '/') url.path.pop_back();
  if (authority.find('@') != std::string::npos) return bad("no user name or password in it");
  std::string port;
  if (!authority.empty() && authority.front() == '[') {
    const auto close = authority.find(']');
    if (close == std::string::npos) return bad("an IPv6 address needs its closing ]");
    url.host = authority.substr(1, close - 1);
    if (close + 1 < authority.size()) {
      if (authority[close + 1] != ':') return bad("a port follows a ':'");
      port = authority.substr(close + 2);
    }
  } else {
    const auto at = authority.rfind(':');
    url.host = authority.substr(0, at);
    if (at != std::string::npos) port = authority.substr(at + 1);
  }
  url.host = lower(url.host);
  if (url.host.empty()) return bad("it has no host name");
  for (const unsigned char c : url.host) {
    if (!std::isalnum(c) && c != '.' && c != '-' && c != ':' && c != '_') {
      return bad("the host name has a character a host name cannot have");
    }
  }
  if (!port.empty()) {
    if (port.size() > 5 || !std::all_of(port.begin(), port.end(), ::isdigit)) {
      return bad("the port is a number");
    }
    url.port = std::stoi(port);
    if (url.port < 1 || url.port > 65535) return bad("the port is 1 to 65535");
  }
  return url;
}

bool is_loopback_host(const std::string& raw) {
  const std::string host = lower(raw);
  if (host == "localhost" || host.ends_with(".localhost") || host == "::1" || host == "::" ||
      host == "0.0.0.0" || host == "ip6-localhost") {
    return true;
  }
  return host.starts_with("127.") &&
         std::all_of(host.begin(), host.end(), [](char c) { return std::isdigit(c) || c == '.'; });
}

std::vector<std::string> link_warnings(const std::string& link, const std::string& seen) {
  std::vector<std::string> out;
  auto url = parse_base_url("public_url", link);
  if (!url) {
    out.push_back("The check-in link " + link + " is not a web address: " + url.error().message +
                  ".");
    return out;
  }
  if (is_loopback_host(url->host)) {
    out.push_back("The check-in link points at " + url->authority() +
                  ", which is this computer itself: students' phones cannot open it. Set "
                  "public_url to the address phones use, for example "
                  "https://attendance.your-college.edu.");
  } else if (url->scheme == "http") {
    out.push_back(
        "The check-in link uses plain http: phones allow the camera and location only over "
        "https, so students cannot check in from it. Put the server behind HTTPS (see "
        "docs/OPERATIONS.md) and set public_url to its https address.");
  }
  if (!seen.empty()) {
    auto browser = parse_base_url("seen", seen);
    // A teacher on the server itself (localhost) says nothing about phones.
    if (browser && !is_loopback_host(browser->host) && browser->authority() != url->authority()) {
      out.push_back("The check-in link points at " + url->text() + ", but you are using " +
                    browser->text() + ": make sure students' phones can open " + url->text() + ".");
    }
  }
  return out;
}

}  // namespace rollcall::domain
