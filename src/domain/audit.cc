// src/domain/audit.cc
#include "domain/audit.h"

#include "base/clock.h"

namespace rollcall::domain {

Result<void> audit(store::Tx& tx, const Principal* who, const std::string& action,
                   const std::string& entity, std::int64_t entity_id, const nlohmann::json& before,
                   const nlohmann::json& after) {
  store::AuditEntry entry;
  if (who) entry.actor = who->user;
  entry.action = action;
  entry.entity = entity;
  entry.entity_id = entity_id;
  entry.before_json = before.is_null() ? "" : before.dump();
  entry.after_json = after.is_null() ? "" : after.dump();
  entry.at_ms = unix_ms_now();
  auto inserted = tx.insert_audit(entry);
  if (!inserted) return inserted.error();
  return {};
}

Result<void> require_admin(const Principal& who, const std::string& action) {
  if (!who.is_admin()) return forbidden(action);
  return {};
}

}  // namespace rollcall::domain
