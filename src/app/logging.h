// src/app/logging.h
//
// The server's logs: spdlog's default logger writing to stderr, as JSON
// lines or readable text (settings log_level, log_format).
// Owns: the formatters and the default logger's set-up. Leaves to others:
// what is logged (everyone calls spdlog::info etc.).
// JSON lines are {"ts": "2026-11-25T09:30:00.123Z", "level": "info",
// "msg": ..., ...}. A message that is itself a JSON object is merged into
// the line, so callers log structured events with
//   spdlog::info(nlohmann::json{{"event", "request"}, {"status", 200}}.dump());
// Its "msg" (else its "event") becomes the line's msg; its own "ts" or
// "level" keys would clash and go under "fields" instead.
// Thread safety: call setup_logging once at start, before other threads
// log; the formatters themselves are used under spdlog's sink lock.
#pragma once

#include <memory>
#include <string>

#include <spdlog/formatter.h>

#include "base/result.h"

namespace rollcall::app {

// "json" or "text". Errors: setting_invalid.
Result<std::unique_ptr<spdlog::formatter>> make_log_formatter(const std::string& format);

// Makes the default logger write `format` lines at `level` (trace, debug,
// info, warn, error) and above to stderr. Errors: setting_invalid.
Result<void> setup_logging(const std::string& level, const std::string& format);

}  // namespace rollcall::app
