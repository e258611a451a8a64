// src/http/routes_people.cc
//
// Teachers, classes, subjects and teaching assignments: CRUD over
// domain::Directory, which decides who may do what.
#include "http/json_input.h"
#include "http/replies.h"
#include "http/routes.h"

namespace rollcall::http {
namespace {

// Reads the optional text fields `names` of `input` into `fields`, in order.
Result<void> read_texts(
    const JsonInput& input,
    std::initializer_list<std::pair<const char*, std::optional<std::string>*>> fields) {
  for (const auto& [name, out] : fields) {
    auto value = input.text(name);
    if (!value) return value.error();
    *out = *value;
  }
  return {};
}

Result<domain::TeacherFields> teacher_fields(const Call& call, bool is_create) {
  auto input = is_create
                   ? JsonInput::parse(call, {"name", "email", "phone", "username", "password"})
                   : JsonInput::parse(call, {"name", "email", "phone"});
  if (!input) return input.error();
  domain::TeacherFields f;
  ROLLCALL_TRY(read_texts(*input, {{"name", &f.name},
                                   {"email", &f.email},
                                   {"phone", &f.phone},
                                   {"username", &f.username},
                                   {"password", &f.password}}));
  return f;
}

Result<domain::ClassFields> class_fields(const Call& call) {
  auto input = JsonInput::parse(call, {"name", "section"});
  if (!input) return input.error();
  domain::ClassFields f;
  ROLLCALL_TRY(read_texts(*input, {{"name", &f.name}, {"section", &f.section}}));
  return f;
}

Result<domain::SubjectFields> subject_fields(const Call& call) {
  auto input = JsonInput::parse(call, {"code", "name"});
  if (!input) return input.error();
  domain::SubjectFields f;
  ROLLCALL_TRY(read_texts(*input, {{"code", &f.code}, {"name", &f.name}}));
  return f;
}

Reply created_with_password(nlohmann::json body, const std::string& generated_password) {
  if (!generated_password.empty()) body["generated_password"] = generated_password;
  return Reply::json(body, 201);
}

}  // namespace

void add_people_routes(Router& router, Services& s) {
  auto& d = s.directory;

  router.add("GET", "/api/v1/teachers", kAdmin, "List teachers (search: name, e-mail, phone)",
             [&d](Call& call) -> Result<Reply> {
               auto query = list_query(call);
               if (!query) return query.error();
               return page_reply(d.list_teachers(call.who(), *query));
             });
  router.add("POST", "/api/v1/teachers", kAdmin,
             "Create a teacher and their login (password generated when omitted)",
             [&d](Call& call) -> Result<Reply> {
               auto fields = teacher_fields(call, true);
               if (!fields) return fields.error();
               auto created = d.create_teacher(call.who(), *fields);
               if (!created) return created.error();
               return created_with_password(domain::to_json(created->teacher),
                                            created->generated_password);
             });
  router.add(
      "GET", "/api/v1/teachers/{id}", kStaff, "One teacher (teachers: only themselves)",
      [&d](Call& call) { return item_reply(d.get_teacher(call.who(), TeacherId{call.id("id")})); });
  router.add("PATCH", "/api/v1/teachers/{id}", kStaff, "Change a teacher's name, e-mail or phone",
             [&d](Call& call) -> Result<Reply> {
               auto fields = teacher_fields(call, false);
               if (!fields) return fields.error();
               return item_reply(d.update_teacher(call.who(), TeacherId{call.id("id")}, *fields));
             });
  router.add("DELETE", "/api/v1/teachers/{id}", kAdmin, "Delete a teacher and their login",
             [&d](Call& call) {
               return done_reply(d.delete_teacher(call.who(), TeacherId{call.id("id")}));
             });

  router.add("GET", "/api/v1/classes", kStaff, "List classes (teachers: their own)",
             [&d](Call& call) -> Result<Reply> {
               auto query = list_query(call);
               if (!query) return query.error();
               return page_reply(d.list_classes(call.who(), *query));
             });
  router.add("POST", "/api/v1/classes", kAdmin, "Create a class (name + section, unique together)",
             [&d](Call& call) -> Result<Reply> {
               auto fields = class_fields(call);
               if (!fields) return fields.error();
               return item_reply(d.create_class(call.who(), *fields), 201);
             });
  router.add("GET", "/api/v1/classes/{id}", kAnyUser, "One class", [&d](Call& call) {
    return item_reply(d.get_class(call.who(), ClassId{call.id("id")}));
  });
  router.add("PATCH", "/api/v1/classes/{id}", kAdmin, "Rename a class or change its section",
             [&d](Call& call) -> Result<Reply> {
               auto fields = class_fields(call);
               if (!fields) return fields.error();
               return item_reply(d.update_class(call.who(), ClassId{call.id("id")}, *fields));
             });
  router.add("DELETE", "/api/v1/classes/{id}", kAdmin, "Delete an empty class", [&d](Call& call) {
    return done_reply(d.delete_class(call.who(), ClassId{call.id("id")}));
  });

  router.add("GET", "/api/v1/subjects", kStaff, "List subjects (teachers: those they teach)",
             [&d](Call& call) -> Result<Reply> {
               auto query = list_query(call);
               if (!query) return query.error();
               return page_reply(d.list_subjects(call.who(), *query));
             });
  router.add("POST", "/api/v1/subjects", kAdmin, "Create a subject (code unique)",
             [&d](Call& call) -> Result<Reply> {
               auto fields = subject_fields(call);
               if (!fields) return fields.error();
               return item_reply(d.create_subject(call.who(), *fields), 201);
             });
  router.add("GET", "/api/v1/subjects/{id}", kStaff, "One subject", [&d](Call& call) {
    return item_reply(d.get_subject(call.who(), SubjectId{call.id("id")}));
  });
  router.add("PATCH", "/api/v1/subjects/{id}", kAdmin, "Change a subject's code or name",
             [&d](Call& call) -> Result<Reply> {
               auto fields = subject_fields(call);
               if (!fields) return fields.error();
               return item_reply(d.update_subject(call.who(), SubjectId{call.id("id")}, *fields));
             });
  router.add("DELETE", "/api/v1/subjects/{id}", kAdmin, "Delete a subject nobody teaches",
             [&d](Call& call) {
               return done_reply(d.delete_subject(call.who(), SubjectId{call.id("id")}));
             });

  router.add("GET", "/api/v1/assignments", kStaff,
             "List teaching assignments (filter: teacher_id, class_id; teachers: their own)",
             [&d](Call& call) -> Result<Reply> {
               auto teacher = query_id(call, "teacher_id");
               if (!teacher) return teacher.error();
               auto class_id = query_id(call, "class_id");
               if (!class_id) return class_id.error();
               std::optional<TeacherId> t;
               std::optional<ClassId> c;
               if (*teacher) t = TeacherId{**teacher};
               if (*class_id) c = ClassId{**class_id};
               return list_reply(d.list_assignments(call.who(), t, c));
             });
  router.add("POST", "/api/v1/assignments", kAdmin, "Assign a teacher a subject in a class",
             [&d](Call& call) -> Result<Reply> {
               auto input = JsonInput::parse(call, {"teacher_id", "class_id", "subject_id"});
               if (!input) return input.error();
               store::Assignment a;
               for (const auto& [name, out] : {std::pair{"teacher_id", &a.teacher.value},
                                               {"class_id", &a.class_id.value},
                                               {"subject_id", &a.subject.value}}) {
                 auto value = input->required_integer(name);
                 if (!value) return value.error();
                 *out = *value;
               }
               return item_reply(d.create_assignment(call.who(), a), 201);
             });
  router.add(
      "DELETE", "/api/v1/assignments/{id}", kAdmin, "Remove a teaching assignment",
      [&d](Call& call) { return done_reply(d.delete_assignment(call.who(), call.id("id"))); });
}

}  // namespace rollcall::http
