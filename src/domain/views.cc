// src/domain/views.cc
#include "domain/views.h"

#include "base/clock.h"

namespace rollcall::domain {
namespace {

nlohmann::json parse_or_null(const std::string& text) {
  if (text.empty()) return nullptr;
  return nlohmann::json::parse(text, nullptr, false);
}

}  // namespace

nlohmann::json to_json(const store::User& user) {
  return {{"id", user.id.value},
          {"username", user.username},
          {"role", store::to_string(user.role)},
          {"display_name", user.display_name},
          {"is_active", user.is_active},
          {"must_change_password", user.must_change_password},
          {"created_at", format_iso8601(user.created_ms)}};
}

nlohmann::json to_json(const store::Teacher& teacher) {
  return {{"id", teacher.id.value},
          {"user_id", teacher.user.value},
          {"name", teacher.name},
          {"email", teacher.email},
          {"phone", teacher.phone},
          {"telegram_linked", teacher.telegram_id.has_value()},
          {"created_at", format_iso8601(teacher.created_ms)}};
}

nlohmann::json to_json(const store::ClassGroup& group) {
  return {{"id", group.id.value},
          {"name", group.name},
          {"section", group.section},
          {"created_at", format_iso8601(group.created_ms)}};
}

nlohmann::json to_json(const store::Subject& subject) {
  return {{"id", subject.id.value},
          {"code", subject.code},
          {"name", subject.name},
          {"created_at", format_iso8601(subject.created_ms)}};
}

nlohmann::json to_json(const store::Assignment& assignment) {
  return {{"id", assignment.id},
          {"teacher_id", assignment.teacher.value},
          {"class_id", assignment.class_id.value},
          {"subject_id", assignment.subject.value}};
}

nlohmann::json to_json(const store::Student& student) {
  nlohmann::json user = nullptr;
  if (student.user) user = student.user->value;
  return {{"id", student.id.value},
          {"user_id", user},
          {"name", student.name},
          {"roll_number", student.roll_number},
          {"registration_number", student.registration_number},
          {"class_id", student.class_id.value},
          {"phone", student.phone},
          {"telegram_linked", student.telegram_id.has_value()},
          {"created_at", format_iso8601(student.created_ms)}};
}

nlohmann::json to_json(const store::Student& student, std::int64_t photo_count) {
  auto out = to_json(student);
  out["photo_count"] = photo_count;
  return out;
}

namespace {
nlohmann::json looks_like_of(const std::string& quality_json) {
  const auto parsed = nlohmann::json::parse(quality_json, nullptr, false);
  if (parsed.is_object() && parsed.contains("looks_like")) return parsed["looks_like"];
  return nullptr;
}
}  // namespace

nlohmann::json to_json(const store::EnrollmentPhoto& photo) {
  return {{"id", photo.id.value},
          {"student_id", photo.student.value},
          {"content_type", photo.content_type},
          {"is_kept", photo.is_kept},
          {"quality", parse_or_null(photo.quality_json)},
          // An admin accepted it though it looks like a classmate.
          {"looks_like", looks_like_of(photo.quality_json)},
          {"created_at", format_iso8601(photo.created_ms)}};
}

nlohmann::json to_json(const store::AuditEntry& entry) {
  nlohmann::json actor = nullptr;
  if (entry.actor) actor = entry.actor->value;
  return {{"id", entry.id},
          {"actor_user_id", actor},
          {"action", entry.action},
          {"entity", entry.entity},
          {"entity_id", entry.entity_id},
          {"before", parse_or_null(entry.before_json)},
          {"after", parse_or_null(entry.after_json)},
          {"at", format_iso8601(entry.at_ms)}};
}

nlohmann::json to_json(const store::Job& job) {
  nlohmann::json creator = nullptr;
  if (job.created_by) creator = job.created_by->value;
  return {{"id", job.id.value},
          {"kind", job.kind},
          {"state", store::to_string(job.state)},
          {"done", job.done},
          {"total", job.total},
          {"errors", parse_or_null(job.errors_json)},
          {"created_by", creator},
          {"created_at", format_iso8601(job.created_ms)},
          {"updated_at", format_iso8601(job.updated_ms)}};
}

nlohmann::json to_json(const face::Detection& d) {
  nlohmann::json landmarks = nlohmann::json::array();
  for (const auto& p : d.landmarks) landmarks.push_back({p.x, p.y});
  return {{"box", {{"x", d.box.x}, {"y", d.box.y}, {"w", d.box.width}, {"h", d.box.height}}},
          {"landmarks", landmarks},
          {"score", d.score}};
}

nlohmann::json to_json(const face::QualityMeasures& q) {
  return {{"eye_distance_px", q.eye_distance_px},
          {"sharpness", q.sharpness},
          {"brightness", q.brightness},
          {"contrast", q.contrast},
          {"yaw_deg", q.yaw_deg},
          {"roll_deg", q.roll_deg},
          {"detector_score", q.detector_score}};
}

nlohmann::json to_json(const std::vector<face::QualityIssue>& issues) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& issue : issues)
    out.push_back({{"code", issue.code}, {"message", issue.message}});
  return out;
}

}  // namespace rollcall::domain
