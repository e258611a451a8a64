// tests/http/strict_input_api_test.cc
//
// Issue 16, defects 6 and 12 over HTTP on a real `rollcall serve`:
// numbers out of range are refused by field and range (never a 500, never
// wrapped, never copied whole into the reply or the log), times stay in
// the calendar, PATCH /sessions/{id} changes what it accepts, a session's
// teacher teaches its class, and a class-photo upload is bounded in photos
// and pixels before anything is decoded.
#include <string>

#include "server_harness.h"

namespace rollcall::http_testing {
namespace {

std::string text(std::int64_t id) { return std::to_string(id); }

class StrictInputApi : public ServerTest {
 protected:
  std::vector<std::pair<std::string, std::string>> flags() const override {
    return {{"--max-photos-per-upload", "2"}, {"--max-class-photo-pixels", "1000000"}};
  }

  // A class and subject with one teacher assigned to them, and a teacher
  // of another class only.
  struct World {
    std::int64_t class_id = 0, subject = 0, teacher = 0, second_teacher = 0, outsider = 0;
  };
  World world() {
    World w;
    w.class_id = create_class()["id"];
    w.subject = create_subject()["id"];
    w.teacher = create_teacher()["teacher"]["id"];
    w.second_teacher = create_teacher()["teacher"]["id"];
    w.outsider = create_teacher()["teacher"]["id"];
    const std::int64_t other_class = create_class()["id"];
    for (const auto& [teacher, class_id] :
         {std::pair{w.teacher, w.class_id}, std::pair{w.second_teacher, w.class_id},
          std::pair{w.outsider, other_class}}) {
      const auto assigned =
          api().post("/api/v1/assignments",
                     {{"teacher_id", teacher}, {"class_id", class_id}, {"subject_id", w.subject}},
                     admin_token());
      EXPECT_EQ(assigned.status, 201) << assigned;
    }
    return w;
  }

  Response create_session(const World& w, std::int64_t teacher) {
    return api().post("/api/v1/sessions",
                      {{"class_id", w.class_id},
                       {"subject_id", w.subject},
                       {"teacher_id", teacher},
                       {"starts_at", "2026-11-25T09:30:00Z"},
                       {"ends_at", "2026-11-25T10:30:00Z"},
                       {"method", "photo"}},
                      admin_token());
  }

  Response post_raw(const std::string& path, const std::string& body,
                    const std::string& token = "") {
    return api().send("POST", path, body, "application/json", token);
  }
};

// ---- Defect 6: numbers out of range crash the request ----

TEST_P(StrictInputApi, Defect6ANumberTooLargeForADoubleIsInvalidJsonNotA500) {
  for (const std::string& huge : {std::string("1e400"), std::string(10'000, '7')}) {
    const auto anonymous =
        post_raw("/api/v1/auth/login", R"({"username": "admin", "password": )" + huge + "}");
    EXPECT_EQ(anonymous.status, 400) << anonymous;
    EXPECT_EQ(anonymous.error_code(), "invalid_json") << anonymous;
    const auto staff = post_raw("/api/v1/sessions", R"({"class_id": )" + huge + "}", admin_token());
    EXPECT_EQ(staff.status, 400) << staff;
    EXPECT_EQ(staff.error_code(), "invalid_json") << staff;
    EXPECT_LT(staff.body.size(), 400u) << staff;
  }
  // Nothing of the 10 000 digits reached the log either.
  EXPECT_EQ(server().log().find(std::string(100, '7')), std::string::npos);
  EXPECT_EQ(server().log().find("handler_exception"), std::string::npos);
}

TEST_P(StrictInputApi, Defect6TwoToTheSixtyThirdIsRefusedNotWrappedToANegativeId) {
  const auto reply = post_raw("/api/v1/sessions",
                              R"({"class_id": 9223372036854775808, "subject_id": 1,)"
                              R"( "teacher_id": 1, "starts_ms": 1764000000000,)"
                              R"( "ends_ms": 1764003600000})",
                              admin_token());
  EXPECT_EQ(reply.status, 400) << reply;
  EXPECT_EQ(reply.error_code(), "invalid_field") << reply;
  EXPECT_EQ(reply.error_field(), "class_id") << reply;
  EXPECT_NE(reply.json()["error"]["message"].get<std::string>().find("999999999999999999"),
            std::string::npos)
      << reply;  // names the allowed range
  const auto negative = post_raw("/api/v1/sessions", R"({"class_id": -5})", admin_token());
  EXPECT_EQ(negative.error_code(), "invalid_field") << negative;
}

TEST_P(StrictInputApi, Defect6PathAndQueryIdsOverInt64AreRefusedNeverWrapped) {
  for (const std::string id :
       {"9223372036854775808", "18446744073709551617", "99999999999999999999999999", "-1", "0"}) {
    const auto reply = api().get("/api/v1/sessions/" + id, admin_token());
    EXPECT_EQ(reply.status, 404) << id << ": " << reply;
  }
  for (const std::string query :
       {"class_id=9223372036854775808", "teacher_id=-9223372036854775809", "offset=1e3",
        "offset=99999999999999999999", "limit=18446744073709551616", "class_id=+1"}) {
    const auto reply = api().get("/api/v1/sessions?" + query, admin_token());
    EXPECT_EQ(reply.status, 400) << query << ": " << reply;
    EXPECT_EQ(reply.error_code(), "invalid_field") << query << ": " << reply;
  }
}

TEST_P(StrictInputApi, Defect6TimesOutsideTheCalendarAreRefusedBeforeTheDayLengthCheck) {
  const auto w = world();
  const auto reply = api().post("/api/v1/sessions",
                                {{"class_id", w.class_id},
                                 {"subject_id", w.subject},
                                 {"teacher_id", w.teacher},
                                 {"starts_ms", -9'000'000'000'000'000'000LL},
                                 {"ends_ms", 9'000'000'000'000'000'000LL}},
                                admin_token());
  EXPECT_EQ(reply.status, 400) << reply;
  EXPECT_EQ(reply.error_code(), "invalid_field") << reply;
  EXPECT_EQ(reply.error_field(), "starts_ms") << reply;
  const auto iso = api().post("/api/v1/sessions",
                              {{"class_id", w.class_id},
                               {"subject_id", w.subject},
                               {"teacher_id", w.teacher},
                               {"starts_at", "1999-12-31T23:00:00Z"},
                               {"ends_at", "2000-01-01T00:30:00Z"}},
                              admin_token());
  EXPECT_EQ(iso.error_code(), "invalid_field") << iso;
  EXPECT_EQ(iso.error_field(), "starts_at") << iso;
  const auto both = api().post("/api/v1/sessions",
                               {{"class_id", w.class_id},
                                {"subject_id", w.subject},
                                {"teacher_id", w.teacher},
                                {"starts_at", "2026-11-25T09:30:00Z"},
                                {"starts_ms", 1'764'000'000'000},
                                {"ends_at", "2026-11-25T10:30:00Z"}},
                               admin_token());
  EXPECT_EQ(both.error_code(), "invalid_field") << both;
  EXPECT_EQ(both.error_field(), "starts_ms") << both;
}

TEST_P(StrictInputApi, Defect6AnErrorRepeatsAtMostFortyCharactersOfTheInput) {
  const std::string key(10'000, 'k');
  const auto reply = post_raw("/api/v1/sessions", "{\"" + key + "\": 1}", admin_token());
  EXPECT_EQ(reply.error_code(), "unknown_field") << reply;
  EXPECT_EQ(reply.body.find(std::string(41, 'k')), std::string::npos) << reply;
  EXPECT_LT(reply.body.size(), 600u) << reply;
  const auto broken =
      post_raw("/api/v1/sessions", "{\"a\": " + std::string(5000, '[') + "x", admin_token());
  EXPECT_EQ(broken.error_code(), "invalid_json") << broken;
  EXPECT_LT(broken.body.size(), 400u) << broken;
}

// ---- Defect 12: PATCH that changes nothing; a teacher of another class ----

TEST_P(StrictInputApi, Defect12AnAdminsPatchOfTheTeacherChangesTheTeacher) {
  const auto w = world();
  const auto made = create_session(w, w.teacher);
  ASSERT_EQ(made.status, 201) << made;
  const std::int64_t id = made.json()["id"];
  const auto patched = api().patch("/api/v1/sessions/" + text(id),
                                   {{"teacher_id", w.second_teacher}}, admin_token());
  ASSERT_EQ(patched.status, 200) << patched;
  EXPECT_EQ(patched.json()["teacher_id"], w.second_teacher) << patched;
  const auto read = api().get("/api/v1/sessions/" + text(id), admin_token());
  EXPECT_EQ(read.json()["teacher_id"], w.second_teacher) << read;
}

TEST_P(StrictInputApi, Defect12ASessionCannotGoToATeacherWhoDoesNotTeachItsClass) {
  const auto w = world();
  const auto refused = create_session(w, w.outsider);
  EXPECT_EQ(refused.status, 409) << refused;
  EXPECT_EQ(refused.error_code(), "teacher_not_of_class") << refused;
  EXPECT_EQ(refused.error_field(), "teacher_id") << refused;

  const auto made = create_session(w, w.teacher);
  ASSERT_EQ(made.status, 201) << made;
  const std::int64_t id = made.json()["id"];
  const auto patched =
      api().patch("/api/v1/sessions/" + text(id), {{"teacher_id", w.outsider}}, admin_token());
  EXPECT_EQ(patched.status, 409) << patched;
  EXPECT_EQ(patched.error_code(), "teacher_not_of_class") << patched;
  EXPECT_EQ(api().get("/api/v1/sessions/" + text(id), admin_token()).json()["teacher_id"],
            w.teacher);
}

TEST_P(StrictInputApi, Defect12APatchRefusesWhatItCannotChangeInsteadOfIgnoringIt) {
  const auto w = world();
  const auto made = create_session(w, w.teacher);
  ASSERT_EQ(made.status, 201) << made;
  const std::string path = "/api/v1/sessions/" + text(made.json()["id"].get<std::int64_t>());
  const auto unknown = api().patch(path, {{"room", "B12"}}, admin_token());
  EXPECT_EQ(unknown.status, 400) << unknown;
  EXPECT_EQ(unknown.error_code(), "unknown_field") << unknown;
  const auto other_class = api().patch(path, {{"class_id", w.class_id + 1}}, admin_token());
  EXPECT_EQ(other_class.error_code(), "invalid_field") << other_class;
  EXPECT_EQ(other_class.error_field(), "class_id") << other_class;
}

// ---- Defect 12: a class-photo upload without a cap ----

Part photo_part(const std::string& relative) {
  const auto path = data_path(relative);
  return {"photos", path.filename().string(), file_bytes(path), "image/jpeg"};
}

TEST_P(StrictInputApi, Defect12AClassPhotoUploadIsCappedInPhotosAndPixelsBeforeDecoding) {
  const auto w = world();
  const auto made = create_session(w, w.teacher);
  ASSERT_EQ(made.status, 201) << made;
  const std::string path =
      "/api/v1/sessions/" + text(made.json()["id"].get<std::int64_t>()) + "/photos";
  const auto small = photo_part("groups/bbt2.jpg");  // 675x469
  const auto many = api().post_multipart(path, {small, small, small}, admin_token());
  EXPECT_EQ(many.status, 413) << many;
  EXPECT_EQ(many.error_code(), "too_many_photos_in_upload") << many;
  EXPECT_NE(many.body.find("at most 2"), std::string::npos) << many;

  // 2000x1428 = 2.9 MP over the 1 MP cap: refused whole, so the small
  // photo before it is not stored either.
  const auto big = api().post_multipart(path, {small, photo_part("groups/obama_biden_crowd.jpg")},
                                        admin_token());
  EXPECT_EQ(big.status, 413) << big;
  EXPECT_EQ(big.error_code(), "image_too_many_pixels") << big;
  EXPECT_NE(big.body.find("obama_biden_crowd.jpg"), std::string::npos) << big;
  const auto stored = api().get(path, admin_token());
  ASSERT_EQ(stored.status, 200) << stored;
  EXPECT_TRUE(stored.json()["items"].empty()) << stored;
}

ROLLCALL_ON_BOTH_BACKENDS(StrictInputApi);

}  // namespace
}  // namespace rollcall::http_testing
