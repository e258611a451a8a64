// src/http/static_files.h
//
// The built web UI (web/dist) served from disk: a file by its path, and
// the app's index.html for client-side routes (/students, /checkin?...),
// so a reload or a QR link opens the app.
// Invariants: only regular files under web_dir are ever read (no "..",
// no symlink out of it); /api/ paths are never files.
// Thread safety: pure functions over the file system.
#pragma once

#include <optional>
#include <string>

#include "http/request.h"
#include "http/router.h"

namespace rollcall::http {

// The file `request.path` names under `web_dir` (GET or HEAD), with its
// media type and caching rule; nullopt when there is none.
std::optional<Reply> static_file(const std::string& web_dir, const Request& request);

// index.html for a GET of a path that is not a file (no dot in its last
// segment) and not the API; nullopt otherwise.
std::optional<Reply> web_app_page(const std::string& web_dir, const Request& request);

}  // namespace rollcall::http
