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

}  // namespace rollcall::domain
