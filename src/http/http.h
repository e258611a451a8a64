// src/http/http.h
//
// The http module: Rollcall's REST API (/api/v1), health, readiness,
// metrics and the OpenAPI document, served by Boost.Beast (server.cc).
// Owns: routes and their access rules (router.h), request parsing and
// validation (json_input.h), error codes -> HTTP statuses (errors.h),
// authentication from bearer tokens, rate limits (rate_limiter.h), CORS,
// request ids, access logs and metrics (metrics.h), and the server's life
// (server.h). Leaves to others: every rule about data (domain).
// Depends on: domain, jobs, base; Boost.Beast/Asio only inside server.cc.
// Thread safety: one Server serves many threads; handlers are called
// concurrently and keep no state of their own.
#pragma once

#include "http/router.h"
#include "http/server.h"
