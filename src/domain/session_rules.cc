// src/domain/session_rules.cc
#include "domain/detail/session_rules.h"

#include <algorithm>
#include <set>

#include "base/clock.h"
#include "domain/webhooks.h"

namespace rollcall::domain::detail {
namespace {

bool teaches(store::Tx& tx, TeacherId teacher, const store::Session& session, Result<void>& err) {
  auto assignments = tx.list_assignments(teacher, session.class_id);
  if (!assignments) {
    err = assignments.error();
    return false;
  }
  return std::any_of(assignments->begin(), assignments->end(),
                     [&](const store::Assignment& a) { return a.subject == session.subject; });
}

nlohmann::json student_ref(std::optional<StudentId> id,
                           const std::map<StudentId, store::Student>& students) {
  if (!id) return nullptr;
  auto it = students.find(*id);
  if (it == students.end()) return {{"id", id->value}, {"name", nullptr}, {"roll_number", nullptr}};
  return {{"id", id->value}, {"name", it->second.name}, {"roll_number", it->second.roll_number}};
}

nlohmann::json parse_or_null(const std::string& text) {
  if (text.empty()) return nullptr;
  return nlohmann::json::parse(text, nullptr, false);
}

}  // namespace

Result<store::Session> session_for_read(store::Tx& tx, const Principal& who, SessionId id) {
  auto found = tx.find_session(id);
  if (!found) return found.error();
  if (!*found) {
    return make_error("session_not_found", "no session has id " + std::to_string(id.value));
  }
  const store::Session& session = **found;
  if (who.is_admin()) return session;
  if (who.role == store::Role::student) {
    if (!who.student) return forbidden("see sessions without a student profile");
    auto me = tx.find_student(*who.student);
    if (!me) return me.error();
    if (!*me || (*me)->class_id != session.class_id) {
      return forbidden("see sessions of another class");
    }
    return session;
  }
  if (!who.teacher) return forbidden("see sessions without a teacher profile");
  if (session.teacher == *who.teacher) return session;
  auto taught = tx.teaches_class(*who.teacher, session.class_id);
  if (!taught) return taught.error();
  if (!*taught) return forbidden("see sessions outside your own classes");
  return session;
}

Result<store::Session> session_for_change(store::Tx& tx, const Principal& who, SessionId id,
                                          bool allow_locked) {
  if (who.role == store::Role::student) return forbidden("change sessions");
  auto session = session_for_read(tx, who, id);
  if (!session) return session.error();
  if (!who.is_admin() && session->teacher != *who.teacher) {
    Result<void> err;
    const bool ok = teaches(tx, *who.teacher, *session, err);
    if (!err) return err.error();
    if (!ok) return forbidden("change sessions of a subject you do not teach");
  }
  if (session->is_locked && !allow_locked) {
    return make_error("session_locked",
                      "session " + std::to_string(id.value) + " is locked; an admin may unlock it");
  }
  return session;
}

Result<std::map<StudentId, store::Student>> class_students(store::Tx& tx, ClassId class_id) {
  store::ListQuery query;
  query.limit = 1'000'000;
  auto page = tx.list_students(query, class_id);
  if (!page) return page.error();
  std::map<StudentId, store::Student> out;
  for (auto& student : page->items) out.emplace(student.id, std::move(student));
  return out;
}

nlohmann::json face_json(const store::PhotoFace& face,
                         const std::map<StudentId, store::Student>& students) {
  nlohmann::json out = {{"id", face.id},
                        {"photo_id", face.class_photo},
                        {"index", face.face_index},
                        {"box", {{"x", face.x}, {"y", face.y}, {"w", face.w}, {"h", face.h}}},
                        {"landmarks", parse_or_null(face.landmarks_json)},
                        {"detector_score", face.detector_score},
                        {"quality", parse_or_null(face.quality_json)},
                        {"status", face.status},
                        {"student", student_ref(face.student, students)},
                        {"similarity", face.similarity},
                        {"runner_up", student_ref(face.runner_up, students)},
                        {"runner_up_similarity", nullptr},
                        {"margin", face.margin},
                        {"corrected", face.corrected_by.has_value()}};
  if (face.runner_up_similarity) out["runner_up_similarity"] = *face.runner_up_similarity;
  if (face.corrected_by) {
    out["corrected_by"] = face.corrected_by->value;
    out["corrected_at"] = format_iso8601(face.corrected_ms.value_or(0));
  }
  return out;
}

Decision decide(const store::AttendanceRecord* saved, std::optional<float> best_photo_similarity,
                bool has_photos) {
  using store::AttendanceStatus;
  const auto kept = [&] { return Decision{saved->status, saved->decided_by, saved->similarity}; };
  if (saved && saved->decided_by == "manual") return kept();
  if (saved && saved->decided_by == "checkin" &&
      (saved->status == AttendanceStatus::present || saved->status == AttendanceStatus::late)) {
    return kept();
  }
  if (best_photo_similarity) {
    return {AttendanceStatus::present, "photo", best_photo_similarity};
  }
  if (saved && saved->status == AttendanceStatus::absent) return kept();
  if (has_photos) return {AttendanceStatus::absent, "photo", std::nullopt};
  if (saved) return kept();
  return {AttendanceStatus::absent, "manual", std::nullopt};
}

bool same(const store::AttendanceRecord& saved, const Decision& decision) {
  return saved.status == decision.status && saved.decided_by == decision.decided_by &&
         saved.similarity == decision.similarity;
}

nlohmann::json merge(const store::Session& session, const std::vector<store::PhotoFace>& faces,
                     const std::vector<store::AttendanceRecord>& records,
                     const std::map<StudentId, store::Student>& students) {
  std::map<StudentId, std::vector<const store::PhotoFace*>> found;
  nlohmann::json unknown = nlohmann::json::array();
  nlohmann::json borderline = nlohmann::json::array();
  for (const auto& face : faces) {
    if (counts(face)) {
      found[*face.student].push_back(&face);
    } else if (face.status == "borderline") {
      borderline.push_back(face_json(face, students));
    } else {
      unknown.push_back(face_json(face, students));
    }
  }
  std::map<StudentId, const store::AttendanceRecord*> saved;
  for (const auto& record : records) saved[record.student] = &record;

  nlohmann::json rows = nlohmann::json::array();
  nlohmann::json conflicts = nlohmann::json::array();
  std::map<std::string, int> tally = {{"present", 0}, {"late", 0}, {"absent", 0}, {"excused", 0}};
  int pending = 0;
  for (const auto& [id, student] : students) {
    const auto it = found.find(id);
    const bool is_found = it != found.end();
    nlohmann::json where = nlohmann::json::array();
    std::optional<float> best;
    if (is_found) {
      std::set<std::int64_t> photos;
      bool same_photo = false, corrected = false, automatic = false;
      for (const auto* face : it->second) {
        where.push_back({{"photo_id", face->class_photo},
                         {"face_id", face->id},
                         {"index", face->face_index},
                         {"similarity", face->similarity},
                         {"corrected", face->corrected_by.has_value()}});
        best = std::max(best.value_or(face->similarity), face->similarity);
        same_photo = same_photo || !photos.insert(face->class_photo).second;
        (face->corrected_by ? corrected : automatic) = true;
      }
      if (same_photo || (corrected && automatic)) {
        conflicts.push_back({{"student", student_ref(id, students)},
                             {"faces", where},
                             {"reason", same_photo ? student.name + " is on two faces of one photo"
                                                   : "a person put a face on " + student.name +
                                                         " while another face was matched to " +
                                                         student.name + " automatically"}});
      }
    }
    const auto s = saved.find(id);
    const store::AttendanceRecord* record = s == saved.end() ? nullptr : s->second;
    const Decision decision = decide(record, best, !faces.empty());
    const bool is_pending = record == nullptr || !same(*record, decision);
    pending += is_pending ? 1 : 0;
    ++tally[store::to_string(decision.status)];
    nlohmann::json row = {{"student", student_ref(id, students)},
                          {"found", is_found},
                          {"faces", where},
                          {"similarity", best ? nlohmann::json(*best) : nlohmann::json()},
                          {"status", store::to_string(decision.status)},
                          {"decided_by", decision.decided_by},
                          {"pending", is_pending},
                          {"saved", record ? to_json(*record) : nlohmann::json()}};
    rows.push_back(std::move(row));
  }
  return {{"session", to_json(session)},
          {"students", rows},
          {"present", tally["present"] + tally["late"]},
          {"absent", tally["absent"]},
          {"counts", tally},
          {"pending", pending},
          {"unknown_faces", unknown},
          {"borderline_faces", borderline},
          {"conflicts", conflicts},
          {"saved", !records.empty()}};
}

// The LMS hears of every record that changes, in the change's transaction
// (domain/webhooks.h: the outbox), so a crash can lose neither.
Result<void> announce_record(store::Tx& tx, const store::AttendanceRecord& record,
                             const std::string& roll_number,
                             const std::optional<store::AttendanceRecord>& before) {
  nlohmann::json previous = nullptr;
  if (before) previous = store::to_string(before->status);
  nlohmann::json changed_by = nullptr;
  if (record.changed_by) changed_by = record.changed_by->value;
  return Webhooks::enqueue(tx, "record.changed",
                           {{"session_id", record.session.value},
                            {"student_id", record.student.value},
                            {"roll_number", roll_number},
                            {"status", store::to_string(record.status)},
                            {"previous_status", previous},
                            {"decided_by", record.decided_by},
                            {"changed_by", changed_by},
                            {"changed_ms", record.changed_ms}});
}

// When a session locks, its final counts go out as session.closed.
Result<void> announce_closed(store::Tx& tx, const store::Session& session) {
  auto records = tx.list_attendance(session.id);
  if (!records) return records.error();
  std::map<std::string, int> counts = {{"present", 0}, {"absent", 0}, {"late", 0}, {"excused", 0}};
  for (const auto& r : *records) ++counts[store::to_string(r.status)];
  return Webhooks::enqueue(tx, "session.closed",
                           {{"session_id", session.id.value},
                            {"class_id", session.class_id.value},
                            {"subject_id", session.subject.value},
                            {"starts_ms", session.starts_ms},
                            {"ends_ms", session.ends_ms},
                            {"counts", counts}});
}

}  // namespace rollcall::domain::detail
