// src/http/errors.h
//
// Errors on the wire: every Error code has one HTTP status, and every
// error body has one shape,
//   {"error": {"code": "...", "message": "...", "field": "...", "request_id": "..."}}
// ("field" only when one input field is at fault). The codes and their
// statuses are listed in docs/API.md.
// Thread safety: pure functions.
#pragma once

#include <string>

#include "base/result.h"
#include "http/router.h"

namespace rollcall::http {

int status_of(const std::string& code);

Reply error_reply(const Error& error, const std::string& request_id);

// `reply` telling the client when to come back (429, 503).
inline Reply with_retry_after(Reply reply, int retry_after_s) {
  reply.headers.emplace_back("Retry-After", std::to_string(retry_after_s));
  return reply;
}

}  // namespace rollcall::http
