// src/domain/directory.cc
#include "domain/directory.h"

#include <algorithm>
#include <set>

#include "base/clock.h"
#include "domain/audit.h"
#include "domain/validate.h"
#include "domain/views.h"

namespace rollcall::domain {
namespace {

using store::Tx;

Error not_found(const std::string& entity, std::int64_t id) {
  return make_error(entity + "_not_found", "no " + entity + " has id " + std::to_string(id));
}

// The store reports unique clashes as `duplicate` naming "table.column";
// the API names them for people.
Error explain_duplicate(const Error& error) {
  struct Clash {
    const char* column;
    const char* code;
    const char* field;
    const char* message;
  };
  static constexpr Clash kClashes[] = {
      {"students.roll_number", "roll_number_taken", "roll_number",
       "another student has this roll number"},
      {"students.registration_number", "registration_number_taken", "registration_number",
       "another student has this registration number"},
      {"classes.", "class_taken", "section", "a class with this name and section exists"},
      {"subjects.code", "subject_code_taken", "code", "another subject has this code"},
      {"assignments.", "assignment_exists", "",
       "this teacher already teaches this subject to this class"},
      {"users.username", "username_taken", "username", "the username is taken; choose another"},
  };
  if (error.code != "duplicate") return error;
  for (const auto& clash : kClashes) {
    if (error.message.find(clash.column) != std::string::npos) {
      return field_error(clash.code, clash.field, clash.message);
    }
  }
  return make_error("conflict",
                    "the change clashes with an existing record (" + error.message + ")");
}

Error missing(const std::string& field) {
  return field_error("missing_field", field, field + " is required");
}

template <typename T>
Result<T> found(Result<std::optional<T>> row, const std::string& entity, std::int64_t id) {
  if (!row) return row.error();
  if (!*row) return not_found(entity, id);
  return std::move(**row);
}

// Applies `clean` to `value` if set and stores the result in `out`.
template <typename Clean>
Result<void> apply(const std::optional<std::string>& value, std::string& out, Clean clean) {
  if (!value) return {};
  auto cleaned = clean(*value);
  if (!cleaned) return cleaned.error();
  out = std::move(*cleaned);
  return {};
}

Result<void> fill_teacher(store::Teacher& teacher, const TeacherFields& fields) {
  ROLLCALL_TRY(apply(fields.name, teacher.name,
                     [](const std::string& v) { return clean_text("name", v, 1, 200); }));
  ROLLCALL_TRY(apply(fields.email, teacher.email,
                     [](const std::string& v) { return clean_email("email", v); }));
  ROLLCALL_TRY(apply(fields.phone, teacher.phone,
                     [](const std::string& v) { return clean_phone("phone", v); }));
  return {};
}

Result<void> fill_class(store::ClassGroup& group, const ClassFields& fields) {
  ROLLCALL_TRY(apply(fields.name, group.name,
                     [](const std::string& v) { return clean_text("name", v, 1, 100); }));
  ROLLCALL_TRY(apply(fields.section, group.section,
                     [](const std::string& v) { return clean_text("section", v, 0, 20); }));
  return {};
}

Result<void> fill_subject(store::Subject& subject, const SubjectFields& fields) {
  ROLLCALL_TRY(apply(fields.code, subject.code,
                     [](const std::string& v) { return clean_identifier("code", v, 32); }));
  ROLLCALL_TRY(apply(fields.name, subject.name,
                     [](const std::string& v) { return clean_text("name", v, 1, 200); }));
  return {};
}

Result<void> fill_student(store::Student& student, const StudentFields& fields) {
  ROLLCALL_TRY(apply(fields.name, student.name,
                     [](const std::string& v) { return clean_text("name", v, 1, 200); }));
  ROLLCALL_TRY(apply(fields.roll_number, student.roll_number,
                     [](const std::string& v) { return clean_identifier("roll_number", v, 32); }));
  ROLLCALL_TRY(
      apply(fields.registration_number, student.registration_number,
            [](const std::string& v) { return clean_identifier("registration_number", v, 32); }));
  ROLLCALL_TRY(apply(fields.phone, student.phone,
                     [](const std::string& v) { return clean_phone("phone", v); }));
  if (fields.class_id) student.class_id = *fields.class_id;
  return {};
}

Result<std::set<std::int64_t>> taught_classes(Tx& tx, TeacherId teacher) {
  auto assignments = tx.list_assignments(teacher, std::nullopt);
  if (!assignments) return assignments.error();
  std::set<std::int64_t> ids;
  for (const auto& a : *assignments) ids.insert(a.class_id.value);
  return ids;
}

Result<std::set<std::int64_t>> taught_subjects(Tx& tx, TeacherId teacher) {
  auto assignments = tx.list_assignments(teacher, std::nullopt);
  if (!assignments) return assignments.error();
  std::set<std::int64_t> ids;
  for (const auto& a : *assignments) ids.insert(a.subject.value);
  return ids;
}

// A teacher's page of their own classes or subjects: few enough to page
// in memory, which keeps the store's list queries simple. `key` gives the
// text searched (the fields the store's search covers) and sorted on (its
// order), so both lists behave alike.
template <typename T, typename Find, typename Key>
Result<store::Page<T>> page_of(const std::set<std::int64_t>& ids, const store::ListQuery& query,
                               Find find, Key key, const std::string& entity) {
  std::vector<std::pair<std::string, T>> matches;
  const std::string needle = lower_ascii(query.search);
  for (auto id : ids) {
    auto row = found<T>(find(id), entity, id);
    if (!row) return row.error();
    std::string text = lower_ascii(key(*row));
    if (needle.empty() || text.find(needle) != std::string::npos) {
      matches.emplace_back(std::move(text), std::move(*row));
    }
  }
  std::stable_sort(matches.begin(), matches.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  store::Page<T> page;
  page.total = static_cast<std::int64_t>(matches.size());
  const auto first = std::min<std::size_t>(static_cast<std::size_t>(query.offset), matches.size());
  const auto last =
      std::min<std::size_t>(first + static_cast<std::size_t>(query.limit), matches.size());
  for (auto i = first; i < last; ++i) page.items.push_back(matches[i].second);
  return page;
}

Result<void> require_class_exists(Tx& tx, ClassId id) {
  auto group = found<store::ClassGroup>(tx.find_class(id), "class", id.value);
  if (!group) return field_error(group.error().code, "class_id", group.error().message);
  return {};
}

Result<void> may_teach(Tx& tx, const Principal& who, ClassId class_id, const std::string& action) {
  if (who.is_admin()) return {};
  if (who.role != store::Role::teacher || !who.teacher) return forbidden(action);
  auto teaches = tx.teaches_class(*who.teacher, class_id);
  if (!teaches) return teaches.error();
  if (!*teaches) return forbidden(action + " outside your own classes");
  return {};
}

}  // namespace

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

// ---- Classes --------------------------------------------------------------

Result<store::ClassGroup> Directory::create_class(const Principal& who, const ClassFields& fields) {
  ROLLCALL_TRY(require_admin(who, "create classes"));
  if (!fields.name) return missing("name");
  store::ClassGroup group;
  ROLLCALL_TRY(fill_class(group, fields));
  group.created_ms = unix_ms_now();
  return store_.write_value<store::ClassGroup>([&](Tx& tx) -> Result<store::ClassGroup> {
    auto id = tx.insert_class(group);
    if (!id) return explain_duplicate(id.error());
    group.id = *id;
    ROLLCALL_TRY(audit(tx, &who, "class.create", "class", id->value, nullptr, to_json(group)));
    return group;
  });
}

Result<store::ClassGroup> Directory::get_class(const Principal& who, ClassId id) {
  return store_.read_value<store::ClassGroup>([&](Tx& tx) -> Result<store::ClassGroup> {
    auto group = found<store::ClassGroup>(tx.find_class(id), "class", id.value);
    if (!group) return group;
    if (who.role == store::Role::student) {
      auto self = who.student ? tx.find_student(*who.student)
                              : Result<std::optional<store::Student>>(std::nullopt);
      if (!self) return self.error();
      if (!*self || (*self)->class_id != id) return forbidden("see other classes");
      return group;
    }
    ROLLCALL_TRY(may_teach(tx, who, id, "see classes"));
    return group;
  });
}

Result<store::Page<store::ClassGroup>> Directory::list_classes(const Principal& who,
                                                               const store::ListQuery& query) {
  if (who.is_admin()) {
    return store_.read_value<store::Page<store::ClassGroup>>(
        [&](Tx& tx) { return tx.list_classes(query); });
  }
  if (who.role != store::Role::teacher || !who.teacher) return forbidden("list classes");
  return store_.read_value<store::Page<store::ClassGroup>>(
      [&](Tx& tx) -> Result<store::Page<store::ClassGroup>> {
        auto ids = taught_classes(tx, *who.teacher);
        if (!ids) return ids.error();
        return page_of<store::ClassGroup>(
            *ids, query, [&](std::int64_t id) { return tx.find_class(ClassId{id}); },
            [](const store::ClassGroup& g) { return g.name + "\x1f" + g.section; }, "class");
      });
}

Result<store::ClassGroup> Directory::update_class(const Principal& who, ClassId id,
                                                  const ClassFields& fields) {
  ROLLCALL_TRY(require_admin(who, "change classes"));
  return store_.write_value<store::ClassGroup>([&](Tx& tx) -> Result<store::ClassGroup> {
    auto group = found<store::ClassGroup>(tx.find_class(id), "class", id.value);
    if (!group) return group;
    const auto before = to_json(*group);
    ROLLCALL_TRY(fill_class(*group, fields));
    if (auto updated = tx.update_class(*group); !updated) return explain_duplicate(updated.error());
    ROLLCALL_TRY(audit(tx, &who, "class.update", "class", id.value, before, to_json(*group)));
    return group;
  });
}

Result<void> Directory::delete_class(const Principal& who, ClassId id) {
  ROLLCALL_TRY(require_admin(who, "delete classes"));
  return store_.write([&](Tx& tx) -> Result<void> {
    auto group = found<store::ClassGroup>(tx.find_class(id), "class", id.value);
    if (!group) return group.error();
    auto deleted = tx.delete_class(id);
    if (!deleted) {
      if (deleted.error().code == "foreign_key") {
        return make_error("class_not_empty",
                          "the class still has students or sessions; move or delete them first");
      }
      return deleted.error();
    }
    return audit(tx, &who, "class.delete", "class", id.value, to_json(*group), nullptr);
  });
}

// ---- Subjects -------------------------------------------------------------

Result<store::Subject> Directory::create_subject(const Principal& who,
                                                 const SubjectFields& fields) {
  ROLLCALL_TRY(require_admin(who, "create subjects"));
  if (!fields.code) return missing("code");
  if (!fields.name) return missing("name");
  store::Subject subject;
  ROLLCALL_TRY(fill_subject(subject, fields));
  subject.created_ms = unix_ms_now();
  return store_.write_value<store::Subject>([&](Tx& tx) -> Result<store::Subject> {
    auto id = tx.insert_subject(subject);
    if (!id) return explain_duplicate(id.error());
    subject.id = *id;
    ROLLCALL_TRY(
        audit(tx, &who, "subject.create", "subject", id->value, nullptr, to_json(subject)));
    return subject;
  });
}

Result<store::Subject> Directory::get_subject(const Principal& who, SubjectId id) {
  return store_.read_value<store::Subject>([&](Tx& tx) -> Result<store::Subject> {
    auto subject = found<store::Subject>(tx.find_subject(id), "subject", id.value);
    if (!subject || who.is_admin()) return subject;
    if (who.role != store::Role::teacher || !who.teacher) return forbidden("see subjects");
    auto ids = taught_subjects(tx, *who.teacher);
    if (!ids) return ids.error();
    if (!ids->count(id.value)) return forbidden("see subjects you do not teach");
    return subject;
  });
}

Result<store::Page<store::Subject>> Directory::list_subjects(const Principal& who,
                                                             const store::ListQuery& query) {
  if (who.is_admin()) {
    return store_.read_value<store::Page<store::Subject>>(
        [&](Tx& tx) { return tx.list_subjects(query); });
  }
  if (who.role != store::Role::teacher || !who.teacher) return forbidden("list subjects");
  return store_.read_value<store::Page<store::Subject>>(
      [&](Tx& tx) -> Result<store::Page<store::Subject>> {
        auto ids = taught_subjects(tx, *who.teacher);
        if (!ids) return ids.error();
        return page_of<store::Subject>(
            *ids, query, [&](std::int64_t id) { return tx.find_subject(SubjectId{id}); },
            [](const store::Subject& subject) { return subject.code + "\x1f" + subject.name; },
            "subject");
      });
}

Result<store::Subject> Directory::update_subject(const Principal& who, SubjectId id,
                                                 const SubjectFields& fields) {
  ROLLCALL_TRY(require_admin(who, "change subjects"));
  return store_.write_value<store::Subject>([&](Tx& tx) -> Result<store::Subject> {
    auto subject = found<store::Subject>(tx.find_subject(id), "subject", id.value);
    if (!subject) return subject;
    const auto before = to_json(*subject);
    ROLLCALL_TRY(fill_subject(*subject, fields));
    if (auto updated = tx.update_subject(*subject); !updated)
      return explain_duplicate(updated.error());
    ROLLCALL_TRY(audit(tx, &who, "subject.update", "subject", id.value, before, to_json(*subject)));
    return subject;
  });
}

Result<void> Directory::delete_subject(const Principal& who, SubjectId id) {
  ROLLCALL_TRY(require_admin(who, "delete subjects"));
  return store_.write([&](Tx& tx) -> Result<void> {
    auto subject = found<store::Subject>(tx.find_subject(id), "subject", id.value);
    if (!subject) return subject.error();
    // The schema cascades assignments (ON DELETE CASCADE), so the foreign
    // key alone would silently drop who teaches it: refuse while taught.
    auto assignments = tx.list_assignments(std::nullopt, std::nullopt);
    if (!assignments) return assignments.error();
    for (const auto& a : *assignments) {
      if (a.subject == id) {
        return make_error("subject_in_use",
                          "the subject has assignments or sessions; remove them first");
      }
    }
    auto deleted = tx.delete_subject(id);
    if (!deleted) {
      if (deleted.error().code == "foreign_key") {
        return make_error("subject_in_use",
                          "the subject has assignments or sessions; remove them first");
      }
      return deleted.error();
    }
    return audit(tx, &who, "subject.delete", "subject", id.value, to_json(*subject), nullptr);
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

// ---- Students -------------------------------------------------------------

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
    if (fields.create_login) {
      if (student.roll_number.size() < 3) {
        return field_error("invalid_field", "roll_number",
                           "a student login uses the roll number as its username, which needs at "
                           "least 3 characters; create the student without a login");
      }
      auto login =
          Accounts::create_user(tx, NewUser{student.roll_number, fields.password.value_or(""),
                                            store::Role::student, student.name});
      if (!login) return explain_duplicate(login.error());
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
  if (fields.create_login || fields.password) {
    return field_error("invalid_field", "password",
                       "a student's login is changed through /api/v1/users");
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
