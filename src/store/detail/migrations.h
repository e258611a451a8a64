// src/store/detail/migrations.h
//
// Brings a database up to latest_schema_version(): the numbered
// migrations of migrations.cc, each in its own transaction and recorded in
// schema_migrations(version, applied_ms).
// Invariants: applying is idempotent; a migration is applied at most once
// even when several servers start together (PostgreSQL: an advisory lock
// for the whole run; SQLite: BEGIN IMMEDIATE and a re-check per step).
// Thread safety: uses only the connection it is given.
#pragma once

#include "base/result.h"
#include "store/detail/connection.h"

namespace rollcall::store {

// Errors: migration_failed (naming the migration and the driver's
// message), database_busy, database_error.
Result<void> apply_migrations(Connection& connection);

// Only the migrations up to `version`: how tests make a database as an
// older release left it, to migrate it with data in it.
Result<void> apply_migrations_up_to(Connection& connection, int version);

// The highest applied version; 0 for a database never migrated.
Result<int> applied_version(Connection& connection);

}  // namespace rollcall::store
