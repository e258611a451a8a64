// src/http/routes_sessions.cc
//
// Sessions and class-photo attendance. Photos arrive as
// multipart/form-data, one or more file parts named "photos".
// Before replies.h: its templates find to_json(Session) by qualified name.
#include "domain/sessions.h"
#include "http/json_input.h"
#include "http/replies.h"
#include "http/routes.h"

namespace rollcall::http {
namespace {

// A time as Unix ms (integer) or ISO 8601 text, under either name.
Result<std::optional<std::int64_t>> time_field(const JsonInput& input, const char* iso_name,
                                               const char* ms_name) {
  auto ms = input.time_ms(ms_name);
  if (!ms) return ms.error();
  auto text = input.text(iso_name);
  if (!text) return text.error();
  if (*text && *ms) {
    // Both would leave one silently unused.
    return field_error("invalid_field", ms_name,
                       std::string("send ") + iso_name + " or " + ms_name + ", not both");
  }
  if (*text) {
    auto parsed = domain::parse_iso8601(iso_name, **text);
    if (!parsed) return parsed.error();
    return std::optional<std::int64_t>(*parsed);
  }
  return *ms;
}

Result<domain::SessionFields> session_fields(const Call& call) {
  auto input = JsonInput::parse(call, {"class_id", "subject_id", "teacher_id", "starts_at",
                                       "ends_at", "starts_ms", "ends_ms", "method", "is_locked"});
  if (!input) return input.error();
  domain::SessionFields f;
  auto class_id = input->id("class_id");
  if (!class_id) return class_id.error();
  if (*class_id) f.class_id = ClassId{**class_id};
  auto subject = input->id("subject_id");
  if (!subject) return subject.error();
  if (*subject) f.subject = SubjectId{**subject};
  auto teacher = input->id("teacher_id");
  if (!teacher) return teacher.error();
  if (*teacher) f.teacher = TeacherId{**teacher};
  auto starts = time_field(*input, "starts_at", "starts_ms");
  if (!starts) return starts.error();
  f.starts_ms = *starts;
  auto ends = time_field(*input, "ends_at", "ends_ms");
  if (!ends) return ends.error();
  f.ends_ms = *ends;
  auto method = input->text("method");
  if (!method) return method.error();
  f.method = *method;
  auto locked = input->boolean("is_locked");
  if (!locked) return locked.error();
  f.is_locked = *locked;
  return f;
}

Result<std::optional<std::int64_t>> query_time(const Call& call, const std::string& name) {
  auto value = call.query_value(name);
  if (!value) return std::optional<std::int64_t>();
  auto parsed = domain::parse_iso8601(name, *value);
  if (!parsed) return parsed.error();
  return std::optional<std::int64_t>(*parsed);
}

Result<Reply> image_reply(const Result<store::ClassPhoto>& photo) {
  if (!photo) return photo.error();
  Reply reply;
  reply.body.assign(photo->bytes.begin(), photo->bytes.end());
  reply.content_type = photo->content_type;
  reply.headers.emplace_back("Cache-Control", "private, no-store");
  return reply;
}

}  // namespace

void add_session_routes(Router& router, Services& services) {
  auto& s = services;
  auto& sessions = services.sessions;

  router.add("GET", "/api/v1/sessions", kAnyUser,
             "List sessions, newest first (filters: class_id, teacher_id, from, to; teachers: "
             "their own or a class they teach; students: their class)",
             [&sessions](Call& call) -> Result<Reply> {
               auto query = list_query(call);
               if (!query) return query.error();
               store::SessionFilter filter;
               auto class_id = query_id(call, "class_id");
               if (!class_id) return class_id.error();
               if (*class_id) filter.class_id = ClassId{**class_id};
               auto teacher = query_id(call, "teacher_id");
               if (!teacher) return teacher.error();
               if (*teacher) filter.teacher = TeacherId{**teacher};
               auto from = query_time(call, "from");
               if (!from) return from.error();
               filter.from_ms = *from;
               auto to = query_time(call, "to");
               if (!to) return to.error();
               filter.to_ms = *to;
               return page_reply(sessions.list(call.who(), filter, *query));
             });
  router.add("POST", "/api/v1/sessions", kStaff,
             "Create a session (teachers: for a class and subject they are assigned)",
             [&sessions](Call& call) -> Result<Reply> {
               auto fields = session_fields(call);
               if (!fields) return fields.error();
               return item_reply(sessions.create(call.who(), *fields), 201);
             });
  router.add("GET", "/api/v1/sessions/{id}", kAnyUser,
             "One session (students: only of their class)", [&sessions](Call& call) {
               return item_reply(sessions.get(call.who(), SessionId{call.id("id")}));
             });
  router.add("PATCH", "/api/v1/sessions/{id}", kStaff,
             "Change a session's teacher (admins: one who teaches its class), subject, times, "
             "method or lock (only an admin unlocks)",
             [&sessions](Call& call) -> Result<Reply> {
               auto fields = session_fields(call);
               if (!fields) return fields.error();
               return item_reply(sessions.update(call.who(), SessionId{call.id("id")}, *fields));
             });
  router.add("DELETE", "/api/v1/sessions/{id}", kStaff,
             "Delete a session with its photos and records", [&sessions](Call& call) {
               return done_reply(sessions.remove(call.who(), SessionId{call.id("id")}));
             });
  router.add("POST", "/api/v1/sessions/{id}/photos", kStaff,
             "Recognise class photos (multipart field \"photos\") against the session's class",
             [&s, &sessions](Call& call) -> Result<Reply> {
               auto uploads = photo_uploads(call);
               if (!uploads) return uploads.error();
               auto processed = sessions.add_photos(call.who(), SessionId{call.id("id")}, *uploads);
               if (!processed) return processed.error();
               nlohmann::json photos = nlohmann::json::array();
               for (const auto& p : *processed) {
                 auto photo = p.photo;
                 photo["timings"] = {{"decode_ms", p.timings.decode_ms},
                                     {"detect_ms", p.timings.detect_ms},
                                     {"embed_ms", p.timings.embed_ms},
                                     {"match_ms", p.timings.match_ms},
                                     {"total_ms", p.timings.total_ms}};
                 photos.push_back(std::move(photo));
                 s.metrics.observe_stage("class_photo_decode", p.timings.decode_ms / 1000.0);
                 s.metrics.observe_stage("class_photo_detect", p.timings.detect_ms / 1000.0);
                 s.metrics.observe_stage("class_photo_embed", p.timings.embed_ms / 1000.0);
                 s.metrics.observe_stage("class_photo_match", p.timings.match_ms / 1000.0);
                 s.metrics.observe_stage("class_photo_total", p.timings.total_ms / 1000.0);
               }
               return Reply::json({{"session_id", call.id("id")}, {"photos", photos}}, 201);
             });
  router.add("GET", "/api/v1/sessions/{id}/photos", kStaff,
             "The session's class photos with their faces, oldest first",
             [&sessions](Call& call) -> Result<Reply> {
               auto photos = sessions.photos(call.who(), SessionId{call.id("id")});
               if (!photos) return photos.error();
               return Reply::json(*photos);
             });
  router.add("GET", "/api/v1/sessions/{id}/photos/{photo}", kStaff,
             "A class photo with every face found in it", [&sessions](Call& call) {
               auto photo = sessions.photo(call.who(), SessionId{call.id("id")}, call.id("photo"));
               if (!photo) return Result<Reply>(photo.error());
               return Result<Reply>(Reply::json(*photo));
             });
  router.add("GET", "/api/v1/sessions/{id}/photos/{photo}/image", kStaff,
             "The bytes of a kept class photo", [&sessions](Call& call) {
               return image_reply(sessions.photo_image(call.who(), SessionId{call.id("id")},
                                                       call.id("photo"), false));
             });
  router.add("GET", "/api/v1/sessions/{id}/photos/{photo}/annotated.jpg", kStaff,
             "The class photo with a box and name per face (JPEG)", [&sessions](Call& call) {
               return image_reply(sessions.photo_image(call.who(), SessionId{call.id("id")},
                                                       call.id("photo"), true));
             });
  router.add("PATCH", "/api/v1/sessions/{id}/faces/{face}", kStaff,
             "Correct a face: put it on another student of the class, or on nobody (null)",
             [&sessions](Call& call) -> Result<Reply> {
               auto input = JsonInput::parse(call, {"student_id"});
               if (!input) return input.error();
               auto student = input->id("student_id");
               if (!student) return student.error();
               std::optional<StudentId> id;
               if (*student) id = StudentId{**student};
               auto face =
                   sessions.correct_face(call.who(), SessionId{call.id("id")}, call.id("face"), id);
               if (!face) return face.error();
               return Reply::json(*face);
             });
  router.add(
      "PUT", "/api/v1/sessions/{id}/attendance/{student}", kStaff,
      "Mark a student present, absent, late or excused by hand",
      [&sessions](Call& call) -> Result<Reply> {
        auto input = JsonInput::parse(call, {"status"});
        if (!input) return input.error();
        // A missing status is reported after the role check (invalid_field).
        auto status = input->text("status");
        if (!status) return status.error();
        return item_reply(sessions.mark(call.who(), SessionId{call.id("id")},
                                        StudentId{call.id("student")}, status->value_or("")));
      });
  router.add("POST", "/api/v1/sessions/{id}/save", kStaff,
             "Save the attendance: one record per student of the class (idempotent)",
             [&sessions](Call& call) -> Result<Reply> {
               auto saved = sessions.save(call.who(), SessionId{call.id("id")});
               if (!saved) return saved.error();
               return Reply::json(*saved);
             });
  router.add("GET", "/api/v1/sessions/{id}/result", kStaff,
             "Each student's attendance from every source (marks, check-in, photos), what "
             "a save would change, unknown and borderline faces, conflicts",
             [&sessions](Call& call) -> Result<Reply> {
               auto result = sessions.result(call.who(), SessionId{call.id("id")});
               if (!result) return result.error();
               return Reply::json(*result);
             });
  router.add("GET", "/api/v1/sessions/{id}/attendance", kAnyUser,
             "The saved attendance records (students: only their own)", [&sessions](Call& call) {
               return list_reply(sessions.attendance(call.who(), SessionId{call.id("id")}));
             });
}

}  // namespace rollcall::http
