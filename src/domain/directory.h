// src/domain/directory.h
//
// Directory: the people and groups of an institution (teachers, classes,
// subjects, teaching assignments, students) and who may see or change
// them. Admins manage everything. Teachers see the classes and subjects
// they are assigned and the students of those classes, and may add and
// edit students there; only admins delete. Students see their own record.
// Every change is audited in its own transaction (audit.h).
// Thread safety: shared by all request threads; state is in the store.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "domain/accounts.h"
#include "domain/principal.h"
#include "store/store.h"

namespace rollcall::domain {

// Fields to create or change. On update, an empty optional means "leave
// as is"; on create, required fields must be set (else missing_field).
struct TeacherFields {
  std::optional<std::string> name, email, phone;
  // Create only: the login. Password "" = generated and returned once.
  std::optional<std::string> username, password;
};
struct ClassFields {
  std::optional<std::string> name, section;
};
struct SubjectFields {
  std::optional<std::string> code, name;
};
struct StudentFields {
  std::optional<std::string> name, roll_number, registration_number, phone;
  std::optional<ClassId> class_id;
  // Create only: also make a student login. Its username is `username`
  // when given, else the registration number (unique in the school, where
  // roll numbers are unique only within a class). A username implies a login.
  bool create_login = false;
  std::optional<std::string> username, password;
};

struct CreatedTeacher {
  store::Teacher teacher;
  std::string generated_password;  // set iff generated
};
struct CreatedStudent {
  store::Student student;
  std::string generated_password;  // set iff a login was made with a generated password
};

class Directory {
 public:
  explicit Directory(store::Store& store) : store_(store) {}

  // Errors common to all: forbidden, <entity>_not_found, invalid_field,
  // missing_field, and the *_taken codes for unique clashes.
  Result<CreatedTeacher> create_teacher(const Principal& who, const TeacherFields& fields);
  Result<store::Teacher> get_teacher(const Principal& who, TeacherId id);
  Result<store::Page<store::Teacher>> list_teachers(const Principal& who,
                                                    const store::ListQuery& query);
  Result<store::Teacher> update_teacher(const Principal& who, TeacherId id,
                                        const TeacherFields& fields);
  Result<void> delete_teacher(const Principal& who, TeacherId id);  // and the login

  Result<store::ClassGroup> create_class(const Principal& who, const ClassFields& fields);
  Result<store::ClassGroup> get_class(const Principal& who, ClassId id);
  Result<store::Page<store::ClassGroup>> list_classes(const Principal& who,
                                                      const store::ListQuery& query);
  Result<store::ClassGroup> update_class(const Principal& who, ClassId id,
                                         const ClassFields& fields);
  // Errors also: class_not_empty while students are in it.
  Result<void> delete_class(const Principal& who, ClassId id);

  Result<store::Subject> create_subject(const Principal& who, const SubjectFields& fields);
  Result<store::Subject> get_subject(const Principal& who, SubjectId id);
  Result<store::Page<store::Subject>> list_subjects(const Principal& who,
                                                    const store::ListQuery& query);
  Result<store::Subject> update_subject(const Principal& who, SubjectId id,
                                        const SubjectFields& fields);
  Result<void> delete_subject(const Principal& who, SubjectId id);

  Result<store::Assignment> create_assignment(const Principal& who,
                                              const store::Assignment& assignment);
  // Teachers see only their own assignments, whatever they ask for.
  Result<std::vector<store::Assignment>> list_assignments(const Principal& who,
                                                          std::optional<TeacherId> teacher,
                                                          std::optional<ClassId> class_id);
  Result<void> delete_assignment(const Principal& who, std::int64_t id);

  Result<CreatedStudent> create_student(const Principal& who, const StudentFields& fields);
  Result<store::Student> get_student(const Principal& who, StudentId id);
  Result<store::Page<store::Student>> list_students(const Principal& who,
                                                    const store::ListQuery& query,
                                                    std::optional<ClassId> class_id);
  Result<store::Student> update_student(const Principal& who, StudentId id,
                                        const StudentFields& fields);
  // Erases the student's photos and embeddings with the record, and their login.
  Result<void> delete_student(const Principal& who, StudentId id);

  // Inside a transaction: the student if `who` may change it (admin, or a
  // teacher of its class). Enrollment uses this too.
  static Result<store::Student> student_for_change(store::Tx& tx, const Principal& who,
                                                   StudentId id);
  // Inside a transaction: the student if `who` may see it.
  static Result<store::Student> student_for_read(store::Tx& tx, const Principal& who, StudentId id);

 private:
  store::Store& store_;
};

}  // namespace rollcall::domain
