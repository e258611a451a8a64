// src/domain/directory_students.cc
//
// Directory: Students, and who may see or change each.
#include "base/clock.h"
#include "domain/audit.h"
#include "domain/detail/directory_rules.h"

namespace rollcall::domain {

using namespace detail;  // NOLINT: this file implements Directory with its rules

// ---- Students -------------------------------------------------------------

namespace {

// The student's login: named `username` when the form gave one, else the
// registration number. A clash or a bad name is reported on the field the
// caller sent, never on a username field the form does not have.
Result<CreatedUser> create_student_login(Tx& tx, const store::Student& student,
                                         const StudentFields& fields) {
  const bool is_named = fields.username && !trim_spaces(*fields.username).empty();
  const std::string name = is_named ? *fields.username : student.registration_number;
  if (!is_named && lower_ascii(name).size() < 3) {
    return field_error("invalid_field", "registration_number",
                       "a student's login is named after their registration number, which needs "
                       "at least 3 characters for that; give the student a username, or add "
                       "them without a login");
  }
  auto login = Accounts::create_user(
      tx, NewUser{name, fields.password.value_or(""), store::Role::student, student.name});
  if (login || is_named || login.error().field != "username") return login;
  if (login.error().code == "username_taken") {
    return field_error("username_taken", "registration_number",
                       "another account already signs in as \"" + lower_ascii(name) +
                           "\", this registration number; give the student a username of "
                           "their own");
  }
  return field_error(login.error().code, "registration_number",
                     "the registration number cannot name a login: " + login.error().message);
}

}  // namespace

Result<store::Student> Directory::student_for_read(Tx& tx, const Principal& who, StudentId id) {
  auto student = found<store::Student>(tx.find_student(id), "student", id.value);
  if (!student || who.is_admin()) return student;
  if (who.role == store::Role::student) {
    if (who.student != id) return forbidden("see other students");
    return student;
  }
  ROLLCALL_TRY(may_teach(tx, who, student->class_id, "see students"));
  return student;
}

Result<store::Student> Directory::student_for_change(Tx& tx, const Principal& who, StudentId id) {
  auto student = found<store::Student>(tx.find_student(id), "student", id.value);
  if (!student) return student;
  ROLLCALL_TRY(may_teach(tx, who, student->class_id, "change students"));
  return student;
}

Result<CreatedStudent> Directory::create_student(const Principal& who,
                                                 const StudentFields& fields) {
  for (const auto& [value, name] : {std::pair{&fields.name, "name"},
                                    {&fields.roll_number, "roll_number"},
                                    {&fields.registration_number, "registration_number"}}) {
    if (!*value) return missing(name);
  }
  if (!fields.class_id) return missing("class_id");
  CreatedStudent created;
  store::Student& student = created.student;
  ROLLCALL_TRY(fill_student(student, fields));
  student.created_ms = unix_ms_now();
  return store_.write_value<CreatedStudent>([&](Tx& tx) -> Result<CreatedStudent> {
    ROLLCALL_TRY(require_class_exists(tx, student.class_id));
    ROLLCALL_TRY(may_teach(tx, who, student.class_id, "add students"));
    if (fields.create_login || fields.username) {
      auto login = create_student_login(tx, student, fields);
      if (!login) return login.error();
      student.user = login->user.id;
      created.generated_password = login->generated_password;
    }
    auto id = tx.insert_student(student);
    if (!id) return explain_duplicate(id.error());
    student.id = *id;
    ROLLCALL_TRY(
        audit(tx, &who, "student.create", "student", id->value, nullptr, to_json(student)));
    return created;
  });
}

Result<store::Student> Directory::get_student(const Principal& who, StudentId id) {
  return store_.read_value<store::Student>([&](Tx& tx) { return student_for_read(tx, who, id); });
}

Result<store::Page<store::Student>> Directory::list_students(const Principal& who,
                                                             const store::ListQuery& query,
                                                             std::optional<ClassId> class_id) {
  if (who.is_admin()) {
    return store_.read_value<store::Page<store::Student>>(
        [&](Tx& tx) { return tx.list_students(query, class_id); });
  }
  if (who.role != store::Role::teacher || !who.teacher) return forbidden("list students");
  return store_.read_value<store::Page<store::Student>>(
      [&](Tx& tx) { return tx.list_students_of_teacher(query, *who.teacher, class_id); });
}

Result<store::Student> Directory::update_student(const Principal& who, StudentId id,
                                                 const StudentFields& fields) {
  if (fields.create_login || fields.password || fields.username) {
    return field_error("invalid_field", fields.username ? "username" : "password",
                       "a student's login is changed on the Users page (/api/v1/users)");
  }
  return store_.write_value<store::Student>([&](Tx& tx) -> Result<store::Student> {
    auto student = student_for_change(tx, who, id);
    if (!student) return student;
    const auto before = to_json(*student);
    ROLLCALL_TRY(fill_student(*student, fields));
    if (fields.class_id) {
      ROLLCALL_TRY(require_class_exists(tx, *fields.class_id));
      ROLLCALL_TRY(may_teach(tx, who, *fields.class_id, "move students"));
    }
    if (auto updated = tx.update_student(*student); !updated)
      return explain_duplicate(updated.error());
    ROLLCALL_TRY(audit(tx, &who, "student.update", "student", id.value, before, to_json(*student)));
    return student;
  });
}

Result<void> Directory::delete_student(const Principal& who, StudentId id) {
  ROLLCALL_TRY(require_admin(who, "delete students"));
  return store_.write([&](Tx& tx) -> Result<void> {
    auto student = found<store::Student>(tx.find_student(id), "student", id.value);
    if (!student) return student.error();
    ROLLCALL_TRY(tx.delete_student(id));
    if (student->user) ROLLCALL_TRY(tx.delete_user(*student->user));
    return audit(tx, &who, "student.delete", "student", id.value, to_json(*student), nullptr);
  });
}

}  // namespace rollcall::domain
