// src/http/routes_students.cc
//
// Students and their enrollment photos. Photos arrive as
// multipart/form-data, one or more file parts named "photos".
#include "http/json_input.h"
#include "http/replies.h"
#include "http/routes.h"

namespace rollcall::http {
namespace {

Result<domain::StudentFields> student_fields(const Call& call, bool is_create) {
  auto input =
      is_create ? JsonInput::parse(call, {"name", "roll_number", "registration_number", "class_id",
                                          "phone", "create_login", "username", "password"})
                : JsonInput::parse(
                      call, {"name", "roll_number", "registration_number", "class_id", "phone"});
  if (!input) return input.error();
  domain::StudentFields f;
  for (const auto& [name, out] : {std::pair{"name", &f.name},
                                  {"roll_number", &f.roll_number},
                                  {"registration_number", &f.registration_number},
                                  {"phone", &f.phone},
                                  {"username", &f.username},
                                  {"password", &f.password}}) {
    auto value = input->text(name);
    if (!value) return value.error();
    *out = *value;
  }
  auto class_id = input->integer("class_id");
  if (!class_id) return class_id.error();
  if (*class_id) f.class_id = ClassId{**class_id};
  auto login = input->boolean("create_login");
  if (!login) return login.error();
  f.create_login = login->value_or(false);
  return f;
}

nlohmann::json outcome_json(const domain::PhotoOutcome& outcome) {
  nlohmann::json out = {{"filename", outcome.filename},
                        {"accepted", outcome.is_accepted()},
                        {"ms", outcome.timings.embed_ms}};
  if (outcome.photo) out["photo"] = domain::to_json(*outcome.photo);
  if (outcome.rejection) {
    out["reason"] = {{"code", outcome.rejection->code}, {"message", outcome.rejection->message}};
  }
  if (!outcome.face.is_null()) out["face"] = outcome.face;
  if (outcome.duplicate) {
    out["possible_duplicate"] = {{"student_id", outcome.duplicate->student.value},
                                 {"name", outcome.duplicate->name},
                                 {"roll_number", outcome.duplicate->roll_number},
                                 {"similarity", outcome.duplicate->similarity}};
  }
  return out;
}

}  // namespace

void add_student_routes(Router& router, Services& s) {
  auto& d = s.directory;
  auto& e = s.enrollment;

  router.add("GET", "/api/v1/students", kStaff,
             "List students (search: name, roll or registration number; filter: class_id)",
             [&d, &s](Call& call) -> Result<Reply> {
               auto query = list_query(call);
               if (!query) return query.error();
               auto class_id = query_id(call, "class_id");
               if (!class_id) return class_id.error();
               std::optional<ClassId> c;
               if (*class_id) c = ClassId{**class_id};
               auto page = d.list_students(call.who(), *query, c);
               if (!page) return page.error();
               // With each student's photo count: 0 is a student the
               // recogniser cannot find yet.
               auto items =
                   s.store.read_value<nlohmann::json>([&](store::Tx& tx) -> Result<nlohmann::json> {
                     nlohmann::json out = nlohmann::json::array();
                     for (const auto& student : page->items) {
                       auto count = tx.count_photos(student.id);
                       if (!count) return count.error();
                       out.push_back(domain::to_json(student, *count));
                     }
                     return out;
                   });
               if (!items) return items.error();
               return Reply::json({{"items", *items}, {"total", page->total}});
             });
  router.add("POST", "/api/v1/students", kStaff,
             "Add a student (teachers: to their own classes); optionally with a login",
             [&d](Call& call) -> Result<Reply> {
               auto fields = student_fields(call, true);
               if (!fields) return fields.error();
               auto created = d.create_student(call.who(), *fields);
               if (!created) return created.error();
               auto body = domain::to_json(created->student);
               if (!created->generated_password.empty()) {
                 body["generated_password"] = created->generated_password;
               }
               return Reply::json(body, 201);
             });
  router.add(
      "GET", "/api/v1/students/{id}", kAnyUser, "One student (students: only themselves)",
      [&d](Call& call) { return item_reply(d.get_student(call.who(), StudentId{call.id("id")})); });
  router.add("PATCH", "/api/v1/students/{id}", kStaff, "Change a student's details or class",
             [&d](Call& call) -> Result<Reply> {
               auto fields = student_fields(call, false);
               if (!fields) return fields.error();
               return item_reply(d.update_student(call.who(), StudentId{call.id("id")}, *fields));
             });
  router.add("DELETE", "/api/v1/students/{id}", kAdmin,
             "Delete a student with their photos, embeddings and login", [&d](Call& call) {
               return done_reply(d.delete_student(call.who(), StudentId{call.id("id")}));
             });

  router.add(
      "GET", "/api/v1/students/{id}/photos", kAnyUser, "A student's enrollment photos",
      [&e](Call& call) { return list_reply(e.list_photos(call.who(), StudentId{call.id("id")})); });
  router.add(
      "POST", "/api/v1/students/{id}/photos", kStaff,
      "Enroll 1-5 photos (multipart field \"photos\"); each accepted or rejected with the reason",
      [&s, &e](Call& call) -> Result<Reply> {
        auto uploads = photo_uploads(call);
        if (!uploads) return uploads.error();
        // An admin's "yes, it is this student" for a look-alike photo.
        domain::EnrollOverrides overrides;
        if (const auto it = call.form.find("allow_lookalike"); it != call.form.end()) {
          if (it->second != "true" && it->second != "false") {
            return field_error("invalid_field", "allow_lookalike",
                               "allow_lookalike is true or false");
          }
          overrides.allow_lookalike = it->second == "true";
        }
        auto report = e.add_photos(call.who(), StudentId{call.id("id")}, *uploads, overrides);
        if (!report) return report.error();
        nlohmann::json photos = nlohmann::json::array();
        int accepted = 0;
        for (const auto& outcome : report->photos) {
          photos.push_back(outcome_json(outcome));
          accepted += outcome.is_accepted() ? 1 : 0;
          s.metrics.observe_stage("enroll_photo", outcome.timings.embed_ms / 1000.0);
        }
        return Reply::json({{"student_id", report->student.value},
                            {"accepted", accepted},
                            {"rejected", static_cast<int>(report->photos.size()) - accepted},
                            {"photo_count", report->photo_count},
                            {"model_id", report->model_id},
                            {"photos", photos}},
                           accepted > 0 ? 201 : 422);
      });
  router.add("GET", "/api/v1/students/{id}/photos/{photo}/image", kStaff,
             "The bytes of a kept enrollment photo", [&e](Call& call) -> Result<Reply> {
               auto photo =
                   e.photo_image(call.who(), StudentId{call.id("id")}, PhotoId{call.id("photo")});
               if (!photo) return photo.error();
               Reply reply;
               reply.body.assign(photo->bytes.begin(), photo->bytes.end());
               reply.content_type = photo->content_type;
               reply.headers.emplace_back("Cache-Control", "private, no-store");
               return reply;
             });
  router.add("DELETE", "/api/v1/students/{id}/photos/{photo}", kStaff,
             "Remove an enrollment photo and its embedding", [&e](Call& call) {
               return done_reply(
                   e.delete_photo(call.who(), StudentId{call.id("id")}, PhotoId{call.id("photo")}));
             });
}

}  // namespace rollcall::http
