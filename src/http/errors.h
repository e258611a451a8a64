// src/http/errors.h
//
// Errors on the wire: every Error code has one HTTP status, and every
// error body has one shape,
//   {"error": {"code": "...", "message": "...", "field": "...", "request_id": "..."}}
// ("field" only when one input field is at fault). The codes and their
// statuses are listed in docs/API.md. The store's own words never reach a
// client: database_unavailable (503, Retry-After), storage_full (507) and
// database_error (500, its detail logged with the request id) answer a
// sentence for people instead.
// Thread safety: safe from any thread (error_reply may log).
#pragma once

#include <string>

#include "base/result.h"
#include "http/router.h"

namespace rollcall::http {

int status_of(const std::string& code);

// The uniform error body and status of `error`; Retry-After on
// database_unavailable.
Reply error_reply(const Error& error, const std::string& request_id);

// `reply` telling the client when to come back (429, 503).
inline Reply with_retry_after(Reply reply, int retry_after_s) {
  reply.headers.emplace_back("Retry-After", std::to_string(retry_after_s));
  return reply;
}

}  // namespace rollcall::http
