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

// One student's attendance in a session, decided from every source at
// once; the session's result, its save, the check-in verifier, and so the
// reports, exports and webhooks (which read the saved records) all use
// this one rule (docs/API.md "One record per student"), in this order:
//   1. a person's mark (decided_by manual) stands;
//   2. a verified check-in (present or late) stands: the student proved it;
//   3. a face of a class photo that counts for them: present (photo);
//   4. a saved absence stands (e.g. the check-in window's final absent);
//   5. with class photos and none of the above: absent (photo);
//   6. otherwise the saved record, or, with no photos and no record,
//      absent as a person's decision (saving a photo-less session marks the
//      students nobody marked absent: the teacher saw the list).
struct Decision {
  store::AttendanceStatus status = store::AttendanceStatus::absent;
  std::string decided_by;
  std::optional<float> similarity;
};
Decision decide(const store::AttendanceRecord* saved, std::optional<float> best_photo_similarity,
                bool has_photos);
// True when `saved` already says what `decision` says (saving writes nothing).
bool same(const store::AttendanceRecord& saved, const Decision& decision);

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
