// src/domain/detail/session_rules.h
//
// What the Sessions files share: finding a session the caller may see or
// change, the lock, and the merge of a session's faces into a result.
// Internal to domain/session*.cc.
// Thread safety: pure functions over a Tx.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "domain/principal.h"
#include "domain/sessions.h"
#include "store/store.h"

namespace rollcall::domain::detail {

// Errors: session_not_found, forbidden.
Result<store::Session> session_for_read(store::Tx& tx, const Principal& who, SessionId id);
// Also session_locked.
Result<store::Session> session_for_change(store::Tx& tx, const Principal& who, SessionId id,
                                          bool allow_locked = false);
// Every student of the class, by id.
Result<std::map<StudentId, store::Student>> class_students(store::Tx& tx, ClassId class_id);

// A face counts for its student when matched, or corrected onto them.
inline bool counts(const store::PhotoFace& face) {
  return face.student && (face.status == "matched" || face.corrected_by.has_value());
}

nlohmann::json face_json(const store::PhotoFace& face,
                         const std::map<StudentId, store::Student>& students);

// The merged view of the session's faces and records.
nlohmann::json merge(const store::Session& session, const std::vector<store::PhotoFace>& faces,
                     const std::vector<store::AttendanceRecord>& records,
                     const std::map<StudentId, store::Student>& students);

// The LMS hears of every record that changes, in the change's transaction
// (domain/webhooks.h: the outbox), so a crash can lose neither.
Result<void> announce_record(store::Tx& tx, const store::AttendanceRecord& record,
                             const std::string& roll_number,
                             const std::optional<store::AttendanceRecord>& before);
// When a session locks, its final counts go out as session.closed.
Result<void> announce_closed(store::Tx& tx, const store::Session& session);

}  // namespace rollcall::domain::detail
