// src/store/tx_people.cc
//
// Tx: teachers, classes, subjects, teacher assignments and students.
#include <algorithm>
#include <cctype>

#include "store/detail/sql.h"
#include "store/store.h"

namespace rollcall::store {
namespace {

// Roll numbers compare ignoring ASCII case, folded here rather than with
// SQL LOWER (which folds non-ASCII letters differently on the two back
// ends); roll numbers are ASCII identifiers anyway (domain/validate.h).
std::string roll_key(std::string roll_number) {
  std::transform(roll_number.begin(), roll_number.end(), roll_number.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return roll_number;
}

constexpr const char* kTeacherColumns = "id, user_id, name, email, phone, telegram_id, created_ms";

Teacher read_teacher(RowReader& row) {
  Teacher teacher;
  teacher.id = row.id<TeacherTag>();
  teacher.user = row.id<UserTag>();
  teacher.name = row.text();
  teacher.email = row.text();
  teacher.phone = row.text();
  teacher.telegram_id = row.optional_integer();
  teacher.created_ms = row.integer();
  return teacher;
}

constexpr const char* kClassColumns = "id, name, section, created_ms";

ClassGroup read_class(RowReader& row) {
  ClassGroup group;
  group.id = row.id<ClassTag>();
  group.name = row.text();
  group.section = row.text();
  group.created_ms = row.integer();
  return group;
}

constexpr const char* kSubjectColumns = "id, code, name, created_ms";

Subject read_subject(RowReader& row) {
  Subject subject;
  subject.id = row.id<SubjectTag>();
  subject.code = row.text();
  subject.name = row.text();
  subject.created_ms = row.integer();
  return subject;
}

constexpr const char* kAssignmentColumns = "id, teacher_id, class_id, subject_id";

Assignment read_assignment(RowReader& row) {
  Assignment assignment;
  assignment.id = row.integer();
  assignment.teacher = row.id<TeacherTag>();
  assignment.class_id = row.id<ClassTag>();
  assignment.subject = row.id<SubjectTag>();
  return assignment;
}

constexpr const char* kStudentColumns =
    "id, user_id, name, roll_number, registration_number, class_id, phone, telegram_id, "
    "created_ms";

Student read_student(RowReader& row) {
  Student student;
  student.id = row.id<StudentTag>();
  student.user = row.optional_id<UserTag>();
  student.name = row.text();
  student.roll_number = row.text();
  student.registration_number = row.text();
  student.class_id = row.id<ClassTag>();
  student.phone = row.text();
  student.telegram_id = row.optional_integer();
  student.created_ms = row.integer();
  return student;
}

// The filters both student lists share.
Filter student_filter(const ListQuery& query, std::optional<ClassId> class_id) {
  Filter filter;
  if (class_id) filter.add("class_id = ?", param(*class_id));
  filter.search({"name", "roll_number", "registration_number"}, query.search);
  return filter;
}

constexpr const char* kStudentOrder = "roll_number, id";

}  // namespace

// Teachers.

Result<TeacherId> Tx::insert_teacher(const Teacher& teacher) {
  auto id =
      insert_id(connection_,
                "INSERT INTO teachers (user_id, name, email, phone, telegram_id, created_ms) "
                "VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
                {param(teacher.user), param(teacher.name), param(teacher.email),
                 param(teacher.phone), param(teacher.telegram_id), param(teacher.created_ms)});
  if (!id) return id.error();
  return TeacherId{*id};
}

Result<std::optional<Teacher>> Tx::find_teacher(TeacherId id) {
  return select_one(connection_, select_from(kTeacherColumns, "teachers WHERE id = $1"),
                    {param(id)}, read_teacher);
}

Result<std::optional<Teacher>> Tx::find_teacher_by_user(UserId user) {
  return select_one(connection_, select_from(kTeacherColumns, "teachers WHERE user_id = $1"),
                    {param(user)}, read_teacher);
}

Result<std::optional<Teacher>> Tx::find_teacher_by_telegram(std::int64_t telegram_id) {
  return select_one(connection_, select_from(kTeacherColumns, "teachers WHERE telegram_id = $1"),
                    {param(telegram_id)}, read_teacher);
}

Result<Page<Teacher>> Tx::list_teachers(const ListQuery& query) {
  Filter filter;
  filter.search({"name", "email", "phone"}, query.search);
  return select_page(connection_, kTeacherColumns, "teachers", filter, "name, id", query,
                     read_teacher);
}

Result<void> Tx::update_teacher(const Teacher& teacher) {
  return change_one(connection_,
                    "UPDATE teachers SET user_id = $2, name = $3, email = $4, phone = $5, "
                    "telegram_id = $6 WHERE id = $1",
                    {param(teacher.id), param(teacher.user), param(teacher.name),
                     param(teacher.email), param(teacher.phone), param(teacher.telegram_id)},
                    "teacher with id " + std::to_string(teacher.id.value));
}

Result<bool> Tx::delete_teacher(TeacherId id) {
  return delete_by_id(connection_, "teachers", id.value);
}

// Classes.

Result<ClassId> Tx::insert_class(const ClassGroup& group) {
  auto id = insert_id(connection_,
                      "INSERT INTO classes (name, section, created_ms) VALUES ($1, $2, $3) "
                      "RETURNING id",
                      {param(group.name), param(group.section), param(group.created_ms)});
  if (!id) return id.error();
  return ClassId{*id};
}

Result<std::optional<ClassGroup>> Tx::find_class(ClassId id) {
  return select_one(connection_, select_from(kClassColumns, "classes WHERE id = $1"), {param(id)},
                    read_class);
}

Result<Page<ClassGroup>> Tx::list_classes(const ListQuery& query) {
  Filter filter;
  filter.search({"name", "section"}, query.search);
  return select_page(connection_, kClassColumns, "classes", filter, "name, section, id", query,
                     read_class);
}

Result<void> Tx::update_class(const ClassGroup& group) {
  return change_one(connection_, "UPDATE classes SET name = $2, section = $3 WHERE id = $1",
                    {param(group.id), param(group.name), param(group.section)},
                    "class with id " + std::to_string(group.id.value));
}

Result<bool> Tx::delete_class(ClassId id) { return delete_by_id(connection_, "classes", id.value); }

// Subjects.

Result<SubjectId> Tx::insert_subject(const Subject& subject) {
  auto id = insert_id(connection_,
                      "INSERT INTO subjects (code, name, created_ms) VALUES ($1, $2, $3) "
                      "RETURNING id",
                      {param(subject.code), param(subject.name), param(subject.created_ms)});
  if (!id) return id.error();
  return SubjectId{*id};
}

Result<std::optional<Subject>> Tx::find_subject(SubjectId id) {
  return select_one(connection_, select_from(kSubjectColumns, "subjects WHERE id = $1"),
                    {param(id)}, read_subject);
}

Result<Page<Subject>> Tx::list_subjects(const ListQuery& query) {
  Filter filter;
  filter.search({"code", "name"}, query.search);
  return select_page(connection_, kSubjectColumns, "subjects", filter, "code, id", query,
                     read_subject);
}

Result<void> Tx::update_subject(const Subject& subject) {
  return change_one(connection_, "UPDATE subjects SET code = $2, name = $3 WHERE id = $1",
                    {param(subject.id), param(subject.code), param(subject.name)},
                    "subject with id " + std::to_string(subject.id.value));
}

Result<bool> Tx::delete_subject(SubjectId id) {
  return delete_by_id(connection_, "subjects", id.value);
}

// Teacher assignments.

Result<std::int64_t> Tx::insert_assignment(const Assignment& assignment) {
  return insert_id(
      connection_,
      "INSERT INTO assignments (teacher_id, class_id, subject_id) VALUES ($1, $2, $3) "
      "RETURNING id",
      {param(assignment.teacher), param(assignment.class_id), param(assignment.subject)});
}

Result<std::optional<Assignment>> Tx::find_assignment(std::int64_t id) {
  return select_one(connection_, select_from(kAssignmentColumns, "assignments WHERE id = $1"),
                    {param(id)}, read_assignment);
}

Result<std::vector<Assignment>> Tx::list_assignments(std::optional<TeacherId> teacher,
                                                     std::optional<ClassId> class_id) {
  Filter filter;
  if (teacher) filter.add("teacher_id = ?", param(*teacher));
  if (class_id) filter.add("class_id = ?", param(*class_id));
  return select_all(
      connection_, select_from(kAssignmentColumns, "assignments" + filter.where() + " ORDER BY id"),
      filter.params(), read_assignment);
}

Result<bool> Tx::delete_assignment(std::int64_t id) {
  return delete_by_id(connection_, "assignments", id);
}

Result<bool> Tx::teaches_class(TeacherId teacher, ClassId class_id) {
  auto count = select_integer(connection_,
                              "SELECT COUNT(*) FROM assignments WHERE teacher_id = $1 AND "
                              "class_id = $2",
                              {param(teacher), param(class_id)});
  if (!count) return count.error();
  return *count > 0;
}

// Students.

Result<StudentId> Tx::insert_student(const Student& student) {
  auto id = insert_id(
      connection_,
      "INSERT INTO students (user_id, name, roll_number, roll_key, registration_number, class_id, "
      "phone, telegram_id, created_ms) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
      {param(student.user), param(student.name), param(student.roll_number),
       param(roll_key(student.roll_number)), param(student.registration_number),
       param(student.class_id), param(student.phone), param(student.telegram_id),
       param(student.created_ms)});
  if (!id) return id.error();
  return StudentId{*id};
}

Result<std::optional<Student>> Tx::find_student(StudentId id) {
  return select_one(connection_, select_from(kStudentColumns, "students WHERE id = $1"),
                    {param(id)}, read_student);
}

Result<std::optional<Student>> Tx::find_student_by_roll(ClassId class_id,
                                                        const std::string& roll_number) {
  return select_one(connection_,
                    select_from(kStudentColumns, "students WHERE class_id = $1 AND roll_key = $2"),
                    {param(class_id), param(roll_key(roll_number))}, read_student);
}

Result<std::optional<Student>> Tx::find_student_by_roll_in_session(SessionId session,
                                                                   const std::string& roll_number) {
  return select_one(
      connection_,
      select_from(kStudentColumns,
                  "students WHERE roll_key = $2 ORDER BY CASE WHEN class_id = (SELECT class_id "
                  "FROM sessions WHERE id = $1) THEN 0 ELSE 1 END, id LIMIT 1"),
      {param(session), param(roll_key(roll_number))}, read_student);
}

Result<std::vector<Student>> Tx::list_students_by_roll(const std::string& roll_number, int limit) {
  return select_all(
      connection_,
      select_from(kStudentColumns, "students WHERE roll_key = $1 ORDER BY id LIMIT $2"),
      {param(roll_key(roll_number)), param(std::int64_t{limit})}, read_student);
}

Result<std::optional<Student>> Tx::find_student_by_registration(
    const std::string& registration_number) {
  // Registration numbers are unique as spelt; LOWER is safe here because
  // they are ASCII identifiers, and this runs on a handful of rows.
  auto matches = select_all(
      connection_,
      select_from(kStudentColumns, "students WHERE LOWER(registration_number) = $1 ORDER BY id"),
      {param(roll_key(registration_number))}, read_student);
  if (!matches) return matches.error();
  for (auto& student : *matches) {
    if (student.registration_number == registration_number) return std::optional(student);
  }
  if (matches->size() == 1) return std::optional(matches->front());
  return std::optional<Student>();
}

Result<std::optional<Student>> Tx::find_student_by_user(UserId user) {
  return select_one(connection_, select_from(kStudentColumns, "students WHERE user_id = $1"),
                    {param(user)}, read_student);
}

Result<std::optional<Student>> Tx::find_student_by_telegram(std::int64_t telegram_id) {
  return select_one(connection_, select_from(kStudentColumns, "students WHERE telegram_id = $1"),
                    {param(telegram_id)}, read_student);
}

Result<Page<Student>> Tx::list_students(const ListQuery& query, std::optional<ClassId> class_id) {
  return select_page(connection_, kStudentColumns, "students", student_filter(query, class_id),
                     kStudentOrder, query, read_student);
}

Result<Page<Student>> Tx::list_students_of_teacher(const ListQuery& query, TeacherId teacher,
                                                   std::optional<ClassId> class_id) {
  Filter filter = student_filter(query, class_id);
  filter.add("class_id IN (SELECT class_id FROM assignments WHERE teacher_id = ?)", param(teacher));
  return select_page(connection_, kStudentColumns, "students", filter, kStudentOrder, query,
                     read_student);
}

Result<void> Tx::update_student(const Student& student) {
  return change_one(
      connection_,
      "UPDATE students SET user_id = $2, name = $3, roll_number = $4, "
      "roll_key = $5, registration_number = $6, class_id = $7, phone = $8, "
      "telegram_id = $9 WHERE id = $1",
      {param(student.id), param(student.user), param(student.name), param(student.roll_number),
       param(roll_key(student.roll_number)), param(student.registration_number),
       param(student.class_id), param(student.phone), param(student.telegram_id)},
      "student with id " + std::to_string(student.id.value));
}

Result<bool> Tx::delete_student(StudentId id) {
  return delete_by_id(connection_, "students", id.value);
}

Result<std::int64_t> Tx::count_students() {
  return select_integer(connection_, "SELECT COUNT(*) FROM students", {});
}

}  // namespace rollcall::store
