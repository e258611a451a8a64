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

namespace {

nlohmann::json parse_or_null(const std::string& text) {
  if (text.empty()) return nullptr;
  return nlohmann::json::parse(text, nullptr, false);
}

// A field of the entry's after (or, when deleted, before) record.
std::string field(const nlohmann::json& after, const nlohmann::json& before, const char* key) {
  for (const auto* j : {&after, &before}) {
    if (j->is_object() && j->contains(key) && (*j)[key].is_string()) {
      return (*j)[key].get<std::string>();
    }
  }
  return "";
}

std::int64_t id_field(const nlohmann::json& after, const nlohmann::json& before, const char* key) {
  for (const auto* j : {&after, &before}) {
    if (j->is_object() && j->contains(key) && (*j)[key].is_number_integer()) {
      return (*j)[key].get<std::int64_t>();
    }
  }
  return 0;
}

std::string joined(const std::string& a, const std::string& b, const std::string& between) {
  if (a.empty()) return b;
  if (b.empty()) return a;
  return a + between + b;
}

Result<std::string> class_label(store::Tx& tx, ClassId id) {
  auto group = tx.find_class(id);
  if (!group) return group.error();
  if (!*group) return std::string();
  return joined((*group)->name, (*group)->section, " · ");
}

Result<std::string> subject_label(store::Tx& tx, SubjectId id) {
  auto subject = tx.find_subject(id);
  if (!subject) return subject.error();
  if (!*subject) return std::string();
  return joined((*subject)->code, (*subject)->name, " ");
}

Result<std::string> teacher_label(store::Tx& tx, TeacherId id) {
  auto teacher = tx.find_teacher(id);
  if (!teacher) return teacher.error();
  return *teacher ? (*teacher)->name : std::string();
}

// {"id", "name", "roll_number"}, or null when the student is gone and
// the entry does not name them.
Result<nlohmann::json> student_about(store::Tx& tx, std::int64_t id, const nlohmann::json& after,
                                     const nlohmann::json& before, bool from_record) {
  if (id == 0) return nlohmann::json(nullptr);
  auto student = tx.find_student(StudentId{id});
  if (!student) return student.error();
  if (*student) {
    return nlohmann::json{
        {"id", id}, {"name", (*student)->name}, {"roll_number", (*student)->roll_number}};
  }
  if (!from_record) return nlohmann::json{{"id", id}, {"name", ""}, {"roll_number", ""}};
  return nlohmann::json{{"id", id},
                        {"name", field(after, before, "name")},
                        {"roll_number", field(after, before, "roll_number")}};
}

std::string student_text(const nlohmann::json& s) {
  if (!s.is_object()) return "";
  const auto name = s.value("name", std::string());
  const auto roll = s.value("roll_number", std::string());
  if (name.empty()) return "a deleted student";
  return roll.empty() ? name : name + " (" + roll + ")";
}

std::string session_text(const nlohmann::json& s) {
  if (!s.is_object()) return "";
  const auto subject = s.value("subject_name", std::string());
  if (subject.empty()) return "a deleted session";
  return joined(
      subject,
      joined(s.value("class_name", std::string()), s.value("class_section", std::string()), " · "),
      ", ");
}

}  // namespace

Result<nlohmann::json> session_about(store::Tx& tx, std::int64_t id) {
  if (id == 0) return nlohmann::json(nullptr);
  auto session = tx.find_session(SessionId{id});
  if (!session) return session.error();
  if (!*session) return nlohmann::json{{"id", id}};
  nlohmann::json out = {{"id", id}, {"starts_at", format_iso8601((*session)->starts_ms)}};
  auto subject = tx.find_subject((*session)->subject);
  if (!subject) return subject.error();
  if (*subject) {
    out["subject_code"] = (*subject)->code;
    out["subject_name"] = (*subject)->name;
  }
  auto group = tx.find_class((*session)->class_id);
  if (!group) return group.error();
  if (*group) {
    out["class_name"] = (*group)->name;
    out["class_section"] = (*group)->section;
  }
  return out;
}

Result<nlohmann::json> describe(store::Tx& tx, const store::AuditEntry& entry) {
  const auto after = parse_or_null(entry.after_json);
  const auto before = parse_or_null(entry.before_json);
  const std::string& e = entry.entity;
  nlohmann::json out = nlohmann::json::object();
  std::string label;
  bool gone = false;
  if (e == "student" || e == "attendance") {
    const bool is_student = e == "student";
    auto student =
        student_about(tx, is_student ? entry.entity_id : id_field(after, before, "student_id"),
                      after, before, is_student);
    if (!student) return student.error();
    out["student"] = *student;
    label = student_text(*student);
    if (is_student) {
      auto found = tx.find_student(StudentId{entry.entity_id});
      if (!found) return found.error();
      gone = !*found;
    }
  }
  if (e == "attendance" || e == "session") {
    std::int64_t session_id = e == "attendance" ? id_field(after, before, "session_id") : 0;
    if (session_id == 0) session_id = entry.entity_id;
    auto session = session_about(tx, session_id);
    if (!session) return session.error();
    out["session"] = *session;
    label = joined(label, session_text(*session), " in ");
    if (e == "session") gone = !session->contains("subject_name");
  } else if (e == "class") {
    auto text = class_label(tx, ClassId{entry.entity_id});
    if (!text) return text.error();
    gone = text->empty();
    label =
        gone ? joined(field(after, before, "name"), field(after, before, "section"), " · ") : *text;
  } else if (e == "subject") {
    auto text = subject_label(tx, SubjectId{entry.entity_id});
    if (!text) return text.error();
    gone = text->empty();
    label = gone ? joined(field(after, before, "code"), field(after, before, "name"), " ") : *text;
  } else if (e == "teacher") {
    auto text = teacher_label(tx, TeacherId{entry.entity_id});
    if (!text) return text.error();
    gone = text->empty();
    label = gone ? field(after, before, "name") : *text;
  } else if (e == "user") {
    auto user = tx.find_user(UserId{entry.entity_id});
    if (!user) return user.error();
    gone = !*user;
    label = *user ? joined((*user)->display_name, (*user)->username, " · ")
                  : field(after, before, "username");
  } else if (e == "assignment") {
    auto teacher = teacher_label(tx, TeacherId{id_field(after, before, "teacher_id")});
    if (!teacher) return teacher.error();
    auto subject = subject_label(tx, SubjectId{id_field(after, before, "subject_id")});
    if (!subject) return subject.error();
    auto group = class_label(tx, ClassId{id_field(after, before, "class_id")});
    if (!group) return group.error();
    label = joined(*teacher, joined(*subject, *group, " in "), " teaches ");
  } else if (e == "webhook") {
    label = field(after, before, "url");
  } else if (e == "settings") {
    label = "runtime settings";
  } else if (e == "backup") {
    label = field(after, before, "name");
  }
  out["label"] = label;
  if (gone) out["gone"] = true;
  return out;
}

Result<void> require_admin(const Principal& who, const std::string& action) {
  if (!who.is_admin()) return forbidden(action);
  return {};
}

}  // namespace rollcall::domain
