// src/domain/directory_teachers.cc
//
// Directory: Teachers and teaching assignments.
#include "base/clock.h"
#include "domain/audit.h"
#include "domain/detail/directory_rules.h"

namespace rollcall::domain {

using namespace detail;  // NOLINT: this file implements Directory with its rules

// ---- Teachers -------------------------------------------------------------

Result<CreatedTeacher> Directory::create_teacher(const Principal& who,
                                                 const TeacherFields& fields) {
  ROLLCALL_TRY(require_admin(who, "create teachers"));
  if (!fields.name) return missing("name");
  if (!fields.username) return missing("username");
  return store_.write_value<CreatedTeacher>([&](Tx& tx) -> Result<CreatedTeacher> {
    CreatedTeacher created;
    ROLLCALL_TRY(fill_teacher(created.teacher, fields));
    auto login = Accounts::create_user(tx, NewUser{*fields.username, fields.password.value_or(""),
                                                   store::Role::teacher, created.teacher.name});
    if (!login) return explain_duplicate(login.error());
    created.generated_password = login->generated_password;
    created.teacher.user = login->user.id;
    created.teacher.created_ms = unix_ms_now();
    auto id = tx.insert_teacher(created.teacher);
    if (!id) return explain_duplicate(id.error());
    created.teacher.id = *id;
    ROLLCALL_TRY(
        audit(tx, &who, "teacher.create", "teacher", id->value, nullptr, to_json(created.teacher)));
    return created;
  });
}

Result<store::Teacher> Directory::get_teacher(const Principal& who, TeacherId id) {
  if (!who.is_admin() && who.teacher != id) return forbidden("see other teachers");
  return store_.read_value<store::Teacher>(
      [&](Tx& tx) { return found<store::Teacher>(tx.find_teacher(id), "teacher", id.value); });
}

Result<store::Page<store::Teacher>> Directory::list_teachers(const Principal& who,
                                                             const store::ListQuery& query) {
  ROLLCALL_TRY(require_admin(who, "list teachers"));
  return store_.read_value<store::Page<store::Teacher>>(
      [&](Tx& tx) { return tx.list_teachers(query); });
}

Result<store::Teacher> Directory::update_teacher(const Principal& who, TeacherId id,
                                                 const TeacherFields& fields) {
  // A teacher may fix their own name, e-mail and phone.
  if (!who.is_admin() && who.teacher != id) return forbidden("change other teachers");
  if (fields.username || fields.password) {
    return field_error("invalid_field", fields.username ? "username" : "password",
                       "the login of a teacher is changed through /api/v1/users or /auth/password");
  }
  return store_.write_value<store::Teacher>([&](Tx& tx) -> Result<store::Teacher> {
    auto teacher = found<store::Teacher>(tx.find_teacher(id), "teacher", id.value);
    if (!teacher) return teacher;
    const auto before = to_json(*teacher);
    ROLLCALL_TRY(fill_teacher(*teacher, fields));
    if (auto updated = tx.update_teacher(*teacher); !updated)
      return explain_duplicate(updated.error());
    ROLLCALL_TRY(audit(tx, &who, "teacher.update", "teacher", id.value, before, to_json(*teacher)));
    return teacher;
  });
}

Result<void> Directory::delete_teacher(const Principal& who, TeacherId id) {
  ROLLCALL_TRY(require_admin(who, "delete teachers"));
  return store_.write([&](Tx& tx) -> Result<void> {
    auto teacher = found<store::Teacher>(tx.find_teacher(id), "teacher", id.value);
    if (!teacher) return teacher.error();
    auto deleted = tx.delete_teacher(id);
    if (!deleted) {
      if (deleted.error().code == "foreign_key") {
        return make_error("teacher_in_use",
                          "this teacher has sessions; keep the teacher for the "
                          "record, or delete the sessions first");
      }
      return deleted.error();
    }
    ROLLCALL_TRY(tx.delete_user(teacher->user));
    return audit(tx, &who, "teacher.delete", "teacher", id.value, to_json(*teacher), nullptr);
  });
}

// ---- Assignments ----------------------------------------------------------

Result<store::Assignment> Directory::create_assignment(const Principal& who,
                                                       const store::Assignment& request) {
  ROLLCALL_TRY(require_admin(who, "assign teachers"));
  return store_.write_value<store::Assignment>([&](Tx& tx) -> Result<store::Assignment> {
    auto teacher =
        found<store::Teacher>(tx.find_teacher(request.teacher), "teacher", request.teacher.value);
    if (!teacher) return field_error(teacher.error().code, "teacher_id", teacher.error().message);
    ROLLCALL_TRY(require_class_exists(tx, request.class_id));
    auto subject =
        found<store::Subject>(tx.find_subject(request.subject), "subject", request.subject.value);
    if (!subject) return field_error(subject.error().code, "subject_id", subject.error().message);
    store::Assignment assignment = request;
    auto id = tx.insert_assignment(assignment);
    if (!id) return explain_duplicate(id.error());
    assignment.id = *id;
    ROLLCALL_TRY(
        audit(tx, &who, "assignment.create", "assignment", *id, nullptr, to_json(assignment)));
    return assignment;
  });
}

Result<std::vector<store::Assignment>> Directory::list_assignments(
    const Principal& who, std::optional<TeacherId> teacher, std::optional<ClassId> class_id) {
  if (!who.is_admin()) {
    if (who.role != store::Role::teacher || !who.teacher) return forbidden("list assignments");
    teacher = who.teacher;
  }
  return store_.read_value<std::vector<store::Assignment>>(
      [&](Tx& tx) { return tx.list_assignments(teacher, class_id); });
}

Result<void> Directory::delete_assignment(const Principal& who, std::int64_t id) {
  ROLLCALL_TRY(require_admin(who, "remove assignments"));
  return store_.write([&](Tx& tx) -> Result<void> {
    auto assignment = found<store::Assignment>(tx.find_assignment(id), "assignment", id);
    if (!assignment) return assignment.error();
    ROLLCALL_TRY(tx.delete_assignment(id));
    return audit(tx, &who, "assignment.delete", "assignment", id, to_json(*assignment), nullptr);
  });
}

}  // namespace rollcall::domain
