// src/domain/audit.h
//
// The audit trail: every change to people, classes and attendance is
// written, in the same transaction as the change, with who made it, what
// it was before and what it is after.
// Thread safety: pure functions over a Tx.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "base/result.h"
#include "domain/principal.h"
#include "store/store.h"

namespace rollcall::domain {

// `before`/`after` are null when there was nothing before / is nothing after.
Result<void> audit(store::Tx& tx, const Principal* who, const std::string& action,
                   const std::string& entity, std::int64_t entity_id, const nlohmann::json& before,
                   const nlohmann::json& after);

// Whom an entry is about, as people name it, read when the log is read:
// {"label": "Amy Farrah Fowler (21IT001)", "student": {id, name,
// roll_number}, "session": {id, subject_code, subject_name, class_name,
// class_section, starts_at}, "gone": true}. "student" and "session" appear
// when the entry concerns them (an attendance entry has both); a record
// deleted since is named from the entry's own before/after, with "gone".
// Errors: the store's.
Result<nlohmann::json> describe(store::Tx& tx, const store::AuditEntry& entry);

// A session (a lecture) as people name it: {id, starts_at, subject_code,
// subject_name, class_name, class_section}; {id} once deleted; null for 0.
Result<nlohmann::json> session_about(store::Tx& tx, std::int64_t id);

}  // namespace rollcall::domain
