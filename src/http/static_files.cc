// src/http/static_files.cc
#include "http/static_files.h"

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string_view>
#include <unordered_map>

namespace rollcall::http {
namespace fs = std::filesystem;
namespace {

// What Vite's build puts in web/dist; anything else is a download.
std::string media_type_of(const fs::path& file) {
  static const std::unordered_map<std::string, std::string> kTypes = {
      {".html", "text/html; charset=utf-8"},
      {".js", "text/javascript; charset=utf-8"},
      {".mjs", "text/javascript; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},
      {".json", "application/json"},
      {".webmanifest", "application/manifest+json"},
      {".svg", "image/svg+xml"},
      {".png", "image/png"},
      {".jpg", "image/jpeg"},
      {".jpeg", "image/jpeg"},
      {".webp", "image/webp"},
      {".ico", "image/x-icon"},
      {".woff", "font/woff"},
      {".woff2", "font/woff2"},
      {".txt", "text/plain; charset=utf-8"},
      {".map", "application/json"},
      {".wasm", "application/wasm"},
  };
  const auto it = kTypes.find(file.extension().string());
  return it == kTypes.end() ? "application/octet-stream" : it->second;
}

bool is_api(const std::string& path) { return path.starts_with("/api/") || path == "/api"; }

std::optional<Reply> file_reply(const fs::path& file, std::string cache_control) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return std::nullopt;
  Reply reply;
  reply.body.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  reply.content_type = media_type_of(file);
  reply.headers = {{"Cache-Control", std::move(cache_control)}};
  return reply;
}

}  // namespace

std::optional<Reply> static_file(const std::string& web_dir, const Request& request) {
  if (web_dir.empty() || (request.method != "GET" && request.method != "HEAD") ||
      is_api(request.path)) {
    return std::nullopt;
  }
  // Every segment must be a plain name: no "..", ".", empty or hidden.
  fs::path relative;
  std::string_view rest = request.path;
  while (!rest.empty()) {
    rest.remove_prefix(1);  // the '/'
    const auto slash = rest.find('/');
    const auto segment = rest.substr(0, slash);
    rest = slash == std::string_view::npos ? std::string_view{} : rest.substr(slash);
    if (segment.empty() && rest.empty()) break;  // a trailing '/'
    if (segment.empty() || segment.front() == '.' || segment.find('\\') != segment.npos) {
      return std::nullopt;
    }
    relative /= std::string(segment);
  }
  std::error_code error;
  const fs::path root = fs::canonical(web_dir, error);
  if (error) return std::nullopt;
  fs::path file = root / relative;
  if (fs::is_directory(file, error)) file /= "index.html";
  const fs::path real = fs::canonical(file, error);
  if (error || !fs::is_regular_file(real, error)) return std::nullopt;
  const auto [root_end, real_it] =
      std::mismatch(root.begin(), root.end(), real.begin(), real.end());
  if (root_end != root.end()) return std::nullopt;  // a symlink out of web_dir
  // Vite names built assets by their content hash: they never change.
  return file_reply(real, request.path.starts_with("/assets/")
                              ? "public, max-age=31536000, immutable"
                              : "no-cache");
}

std::optional<Reply> web_app_page(const std::string& web_dir, const Request& request) {
  if (web_dir.empty() || (request.method != "GET" && request.method != "HEAD") ||
      is_api(request.path)) {
    return std::nullopt;
  }
  const auto last_slash = request.path.rfind('/');
  if (request.path.find('.', last_slash == std::string::npos ? 0 : last_slash) !=
      std::string::npos) {
    return std::nullopt;
  }
  return file_reply(fs::path(web_dir) / "index.html", "no-cache");
}

}  // namespace rollcall::http
