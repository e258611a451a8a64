// src/http/router.cc
#include "http/router.h"

#include <algorithm>
#include <cctype>
#include <charconv>

#include "domain/public_url.h"

namespace rollcall::http {

std::optional<std::string> Call::query_value(const std::string& name) const {
  auto it = query.find(name);
  if (it == query.end()) return std::nullopt;
  return it->second;
}

std::string Call::base_url() const {
  if (!header) return "";
  const auto first = [](std::string value) {  // "a, b" (one per proxy) -> "a"
    value = value.substr(0, value.find(','));
    const auto begin = value.find_first_not_of(' ');
    const auto end = value.find_last_not_of(' ');
    return begin == std::string::npos ? std::string() : value.substr(begin, end - begin + 1);
  };
  std::string scheme = first(header("X-Forwarded-Proto"));
  if (scheme != "http" && scheme != "https") scheme = secure ? "https" : "http";
  std::string host = first(header("X-Forwarded-Host"));
  if (host.empty()) host = first(header("Host"));
  auto url = domain::parse_base_url("Host", scheme + "://" + host);
  if (!url || !url->path.empty()) return "";
  return url->text();
}

Reply Reply::json(const nlohmann::json& value, int status) {
  Reply reply;
  reply.status = status;
  // Replace invalid UTF-8 rather than throw: names come from users.
  reply.body = value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return reply;
}

Reply Reply::no_content() {
  Reply reply;
  reply.status = 204;
  reply.content_type.clear();
  return reply;
}

namespace {

std::vector<std::string_view> split_path(std::string_view path) {
  std::vector<std::string_view> parts;
  std::size_t start = 1;  // paths start with '/'
  while (start <= path.size()) {
    const auto slash = path.find('/', start);
    const auto end = slash == std::string_view::npos ? path.size() : slash;
    parts.push_back(path.substr(start, end - start));
    start = end + 1;
  }
  return parts;
}

bool is_param(std::string_view segment) {
  return segment.size() > 2 && segment.front() == '{' && segment.back() == '}';
}

// Path parameters are positive integers below 10^18 (ids).
std::optional<std::int64_t> parse_id(std::string_view text) {
  std::int64_t value = 0;
  if (text.empty() || text.size() > 18) return std::nullopt;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || value <= 0) return std::nullopt;
  return value;
}

bool is_opaque(std::string_view name) {
  return std::find(kOpaqueParams.begin(), kOpaqueParams.end(), name) != kOpaqueParams.end();
}

// Dots for file names (backups); a token starts with a letter or digit,
// so "." and ".." never are one.
bool is_token(std::string_view text) {
  return !text.empty() && text.size() <= 64 && std::isalnum(static_cast<unsigned char>(text[0])) &&
         std::all_of(text.begin(), text.end(), [](unsigned char c) {
           return std::isalnum(c) || c == '_' || c == '-' || c == '.';
         });
}

}  // namespace

// Segment by segment rather than std::regex: a request is matched
// against every route, and regex matching cost more than the handler of a
// simple GET.
void Router::add(std::string method, std::string pattern, Roles roles, std::string summary,
                 Handler handler) {
  Route route;
  for (auto part : split_path(pattern)) route.segments.emplace_back(part);
  route.method = std::move(method);
  route.tag = pattern;
  route.pattern = std::move(pattern);
  route.roles = std::move(roles);
  route.summary = std::move(summary);
  route.handler = std::move(handler);
  routes_.push_back(std::move(route));
}

void Router::limit_body(std::string_view method, std::string_view pattern,
                        std::size_t max_body_bytes) {
  for (auto& route : routes_) {
    if (route.method == method && route.pattern == pattern) route.max_body_bytes = max_body_bytes;
  }
}

const Route* Router::match(std::string_view method, const std::string& path,
                           std::map<std::string, std::int64_t>& ids,
                           std::map<std::string, std::string>& refs, bool& path_exists) const {
  path_exists = false;
  const auto parts = split_path(path);
  for (const auto& route : routes_) {
    if (route.segments.size() != parts.size()) continue;
    std::map<std::string, std::int64_t> found;
    std::map<std::string, std::string> found_refs;
    bool is_match = true;
    for (std::size_t i = 0; i < parts.size() && is_match; ++i) {
      const auto& segment = route.segments[i];
      if (is_param(segment)) {
        const auto name = segment.substr(1, segment.size() - 2);
        if (is_opaque(name)) {
          is_match = is_token(parts[i]);
          if (is_match) found_refs[name] = std::string(parts[i]);
          continue;
        }
        const auto value = parse_id(parts[i]);
        if (value) found[name] = *value;
        is_match = value.has_value();
      } else {
        is_match = segment == parts[i];
      }
    }
    if (!is_match) continue;
    if (route.method != method) {
      path_exists = true;
      continue;
    }
    ids = std::move(found);
    refs = std::move(found_refs);
    return &route;
  }
  return nullptr;
}

}  // namespace rollcall::http
