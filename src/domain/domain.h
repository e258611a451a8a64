// src/domain/domain.h
//
// The domain module: the rules of Rollcall, independent of how requests
// arrive (HTTP, CLI, bots) and of which database keeps the rows.
// Owns: accounts and tokens (accounts.h), who may do what (principal.h),
// the people and classes of an institution (directory.h), enrollment of
// faces (enrollment.h), bulk import (import.h), the audit trail.
// Leaves to others: transport and status codes (http), SQL (store), pixels
// (face).
// Depends on: base, face, store's interface. Never includes http, bots or a
// database driver.
// Thread safety: every service here is shared by all request threads; they
// keep no per-request state and lean on Store transactions for atomicity.
#pragma once

#include "domain/accounts.h"
#include "domain/directory.h"
#include "domain/enrollment.h"
#include "domain/principal.h"
