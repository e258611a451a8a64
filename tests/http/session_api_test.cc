// tests/http/session_api_test.cc
//
// Sessions and class-photo attendance over HTTP with real photos: a class
// built from ../shared/data identities (2 enrollment photos each), real
// group photos (groups/bbt1..5.jpg) recognised against it, corrections,
// manual marks, saving (twice: one record per student), the audit trail,
// roles and locks. The marking precision/recall printed by
// MarkingPrecisionAndRecallOverBbt1To5 is what docs/ACCURACY.md reports.
#include <algorithm>
#include <cstdio>
#include <set>
#include <thread>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "server_harness.h"

namespace rollcall::http_testing {
namespace {

std::string text(std::int64_t id) { return std::to_string(id); }

const std::vector<std::string> kCast = {"amy",   "bernadette", "howard",  "leonard",
                                        "penny", "raj",        "sheldon", "stuart"};

// groups.csv: who is in each bbt photo.
const std::map<std::string, std::set<std::string>> kPresent = {
    {"bbt1", {"howard", "sheldon", "leonard", "raj"}},
    {"bbt2", {"sheldon", "leonard", "raj"}},
    {"bbt3", {"raj", "howard", "leonard", "penny", "sheldon"}},
    {"bbt4", {"bernadette", "raj", "amy", "penny", "leonard", "sheldon"}},
    {"bbt5", {"raj", "howard", "leonard", "penny", "sheldon"}},
};

Part photo_part(const std::string& relative) {
  const auto path = data_path(relative);
  return {"photos", path.filename().string(), file_bytes(path),
          path.extension() == ".png" ? "image/png" : "image/jpeg"};
}

struct ClassWorld {
  std::int64_t class_id = 0, other_class = 0, subject = 0, teacher = 0, howard = 0;
  std::string teacher_token, other_teacher_token;
  std::map<std::string, std::int64_t> students;  // name -> id, in class_id
  std::map<std::int64_t, std::string> names;     // id -> name, every enrolled student
};

class SessionApi : public ServerTest {
 protected:
  void SetUp() override {
    ServerTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    auto& world = worlds()[GetParam()];
    if (world.teacher_token.empty()) {
      ASSERT_NO_FATAL_FAILURE(build(world));
    }
    w_ = &world;
  }
  static void TearDownTestSuite() {
    worlds().clear();
    ServerTest::TearDownTestSuite();
  }
  static std::map<Backend, ClassWorld>& worlds() {
    static std::map<Backend, ClassWorld> made;
    return made;
  }

  std::int64_t add_student(std::int64_t class_id, const std::string& person, int photos = 2) {
    const auto student = create_student(class_id);
    const std::int64_t id = student["id"];
    std::vector<Part> parts;
    for (int i = 1; i <= photos; ++i) {
      parts.push_back(photo_part("identities/" + person + "/0" + std::to_string(i) + ".png"));
    }
    const auto reply =
        api().post_multipart("/api/v1/students/" + text(id) + "/photos", parts, admin_token());
    EXPECT_EQ(reply.status, 201) << reply;
    return id;
  }

  // The class: everyone of the cast but howard, who is enrolled in
  // ANOTHER class (his face must stay unknown here).
  void build(ClassWorld& w) {
    w.class_id = create_class()["id"];
    w.other_class = create_class()["id"];
    w.subject = create_subject()["id"];
    const auto teacher = create_teacher();
    const auto other = create_teacher();
    w.teacher = teacher["teacher"]["id"];
    auto assigned =
        api().post("/api/v1/assignments",
                   {{"teacher_id", w.teacher}, {"class_id", w.class_id}, {"subject_id", w.subject}},
                   admin_token());
    ASSERT_EQ(assigned.status, 201) << assigned;
    assigned = api().post("/api/v1/assignments",
                          {{"teacher_id", other["teacher"]["id"]},
                           {"class_id", w.other_class},
                           {"subject_id", w.subject}},
                          admin_token());
    ASSERT_EQ(assigned.status, 201) << assigned;
    for (const auto& person : kCast) {
      const auto class_id = person == "howard" ? w.other_class : w.class_id;
      const auto id = add_student(class_id, person);
      w.names[id] = person;
      if (person == "howard") w.howard = id;
      if (class_id == w.class_id) w.students[person] = id;
    }
    w.teacher_token = api().login(teacher["username"], teacher["password"]);
    w.other_teacher_token = api().login(other["username"], other["password"]);
    ASSERT_FALSE(w.teacher_token.empty());
  }

  std::int64_t new_session(const std::string& token) {
    const auto reply = api().post("/api/v1/sessions",
                                  {{"class_id", w_->class_id},
                                   {"subject_id", w_->subject},
                                   {"starts_at", "2026-11-25T09:30:00+05:30"},
                                   {"ends_at", "2026-11-25T10:30:00+05:30"},
                                   {"method", "photo"}},
                                  token);
    EXPECT_EQ(reply.status, 201) << reply;
    return reply.json().value("id", std::int64_t{0});
  }

  Response upload(std::int64_t session, const std::vector<std::string>& photos) {
    std::vector<Part> parts;
    for (const auto& p : photos) parts.push_back(photo_part("groups/" + p + ".jpg"));
    return api().post_multipart("/api/v1/sessions/" + text(session) + "/photos", parts,
                                w_->teacher_token);
  }

  // Names of the students matched in a photo reply; fails on a repeat.
  std::set<std::string> matched_in(const nlohmann::json& photo) {
    std::set<std::string> names;
    for (const auto& face : photo["faces"]) {
      if (face["status"] != "matched") continue;
      const std::string name = w_->names[face["student"]["id"].get<std::int64_t>()];
      EXPECT_TRUE(names.insert(name).second) << name << " assigned twice";
    }
    return names;
  }

  ClassWorld* w_ = nullptr;
};

TEST_P(SessionApi, CreatesWithIsoTimesAndTeachersOnlyForTheirAssignment) {
  const auto id = new_session(w_->teacher_token);
  const auto got = api().get("/api/v1/sessions/" + text(id), w_->teacher_token);
  ASSERT_EQ(got.status, 200) << got;
  EXPECT_EQ(got.json()["starts_at"], "2026-11-25T04:00:00.000Z");
  EXPECT_EQ(got.json()["teacher_id"], w_->teacher);
  const auto denied = api().post("/api/v1/sessions",
                                 {{"class_id", w_->class_id},
                                  {"subject_id", w_->subject},
                                  {"starts_ms", 1'764'000'000'000},
                                  {"ends_ms", 1'764'003'600'000}},
                                 w_->other_teacher_token);
  EXPECT_EQ(denied.status, 403) << denied;
  EXPECT_EQ(api().get("/api/v1/sessions/" + text(id), w_->other_teacher_token).status, 403);
  const auto bad = api().post("/api/v1/sessions",
                              {{"class_id", w_->class_id},
                               {"subject_id", w_->subject},
                               {"starts_at", "yesterday"},
                               {"ends_ms", 2000}},
                              w_->teacher_token);
  EXPECT_EQ(bad.status, 400) << bad;
  const auto list = api().get("/api/v1/sessions?class_id=" + text(w_->class_id), admin_token());
  ASSERT_EQ(list.status, 200) << list;
  EXPECT_GE(list.json()["total"].get<int>(), 1);
}

TEST_P(SessionApi, AnImpossibleDateIsRefusedNotMovedToMarch) {
  const auto reply = api().post("/api/v1/sessions",
                                {{"class_id", w_->class_id},
                                 {"subject_id", w_->subject},
                                 {"starts_at", "2026-02-31T09:00:00Z"},
                                 {"ends_at", "2026-02-31T10:00:00Z"}},
                                w_->teacher_token);
  EXPECT_EQ(reply.status, 400) << reply;
  EXPECT_EQ(reply.error_code(), "invalid_field");
  EXPECT_EQ(reply.error_field(), "starts_at");
  EXPECT_NE(reply.json()["error"].value("message", "").find("February 2026 has 28 days"),
            std::string::npos)
      << reply;
  const auto listed =
      api().get("/api/v1/sessions?class_id=" + text(w_->class_id) + "&from=2026-02-30T00:00:00Z",
                w_->teacher_token);
  EXPECT_EQ(listed.status, 400) << listed;
  EXPECT_EQ(listed.error_field(), "from");
}

TEST_P(SessionApi, FindsThePresentStudentsAndLeavesAnotherClassesStudentUnknown) {
  const auto session = new_session(w_->teacher_token);
  const auto reply = upload(session, {"bbt1"});
  ASSERT_EQ(reply.status, 201) << reply;
  const auto photo = reply.json()["photos"][0];
  EXPECT_TRUE(photo["timings"].contains("detect_ms"));
  EXPECT_GE(photo["faces"].size(), 4u);
  // bbt1: howard, sheldon, leonard, raj; howard is not in this class.
  EXPECT_EQ(matched_in(photo), (std::set<std::string>{"sheldon", "leonard", "raj"}));
  for (const auto& face : photo["faces"]) {
    EXPECT_TRUE(face.contains("box") && face.contains("landmarks") && face.contains("margin"));
  }
  const auto annotated = api().get("/api/v1/sessions/" + text(session) + "/photos/" +
                                       text(photo["id"].get<std::int64_t>()) + "/annotated.jpg",
                                   w_->teacher_token);
  ASSERT_EQ(annotated.status, 200);
  EXPECT_EQ(annotated.header("Content-Type"), "image/jpeg");
  ASSERT_GE(annotated.body.size(), 2u);
  EXPECT_EQ(static_cast<unsigned char>(annotated.body[0]), 0xFF);
  EXPECT_EQ(static_cast<unsigned char>(annotated.body[1]), 0xD8);
  const auto original = api().get("/api/v1/sessions/" + text(session) + "/photos/" +
                                      text(photo["id"].get<std::int64_t>()) + "/image",
                                  w_->teacher_token);
  EXPECT_EQ(original.status, 200);
  EXPECT_EQ(original.body, file_bytes(data_path("groups/bbt1.jpg")));
  const auto metrics = api().get("/metrics");
  EXPECT_NE(metrics.body.find("class_photo_detect"), std::string::npos);
  EXPECT_EQ(
      api().get("/api/v1/sessions/" + text(session) + "/result", w_->other_teacher_token).status,
      403);
}

TEST_P(SessionApi, MergesPhotosCorrectsSavesOnceAndAudits) {
  const auto session = new_session(w_->teacher_token);
  const std::string base = "/api/v1/sessions/" + text(session);
  const auto reply = upload(session, {"bbt2", "bbt4"});
  ASSERT_EQ(reply.status, 201) << reply;
  ASSERT_EQ(reply.json()["photos"].size(), 2u);
  auto result = api().get(base + "/result", w_->teacher_token);
  ASSERT_EQ(result.status, 200) << result;
  std::set<std::string> present;
  const auto body1 = result.json();
  for (const auto& row : body1["students"]) {
    if (row["status"] == "present") present.insert(row["student"]["name"].get<std::string>());
  }
  // bbt2 + bbt4: sheldon, leonard, raj (in both: one record each),
  // bernadette, amy, penny. Stuart is absent.
  EXPECT_EQ(present.size(), 6u) << result;
  EXPECT_TRUE(result.json()["conflicts"].empty()) << result;

  // Save twice: one record per student, nothing changed the second time.
  auto saved = api().post(base + "/save", nlohmann::json::object(), w_->teacher_token);
  ASSERT_EQ(saved.status, 200) << saved;
  EXPECT_EQ(saved.json()["changed"], 7);
  saved = api().post(base + "/save", nlohmann::json::object(), w_->teacher_token);
  EXPECT_EQ(saved.json()["changed"], 0);
  auto records = api().get(base + "/attendance", w_->teacher_token);
  ASSERT_EQ(records.json()["total"], 7);
  const auto body2 = records.json();
  for (const auto& r : body2["items"]) {
    const bool is_stuart = r["student_id"] == w_->students["stuart"];
    EXPECT_EQ(r["status"], is_stuart ? "absent" : "present") << r;
    EXPECT_EQ(r["decided_by"], "photo");
  }

  // Correct sheldon's face in bbt2 onto stuart: stuart becomes present
  // through the correction; sheldon stays present through bbt4.
  const auto first_photo = reply.json()["photos"][0];
  std::int64_t sheldon_face = 0;
  for (const auto& face : first_photo["faces"]) {
    if (face["status"] == "matched" && face["student"]["id"] == w_->students["sheldon"]) {
      sheldon_face = face["id"];
    }
  }
  ASSERT_NE(sheldon_face, 0);
  auto corrected = api().patch(base + "/faces/" + text(sheldon_face),
                               {{"student_id", w_->students["stuart"]}}, w_->teacher_token);
  ASSERT_EQ(corrected.status, 200) << corrected;
  EXPECT_EQ(corrected.json()["corrected"], true);
  // A student of another class cannot be put on a face.
  const auto outsider = api().patch(base + "/faces/" + text(sheldon_face),
                                    {{"student_id", w_->howard}}, w_->teacher_token);
  EXPECT_EQ(outsider.status, 400) << outsider;
  saved = api().post(base + "/save", nlohmann::json::object(), w_->teacher_token);
  ASSERT_EQ(saved.status, 200) << saved;
  EXPECT_EQ(saved.json()["changed"], 1);  // stuart: absent -> present
  records = api().get(base + "/attendance", w_->teacher_token);
  ASSERT_EQ(records.json()["total"], 7);
  const auto body3 = records.json();
  for (const auto& r : body3["items"]) {
    if (r["student_id"] == w_->students["stuart"]) {
      EXPECT_EQ(r["status"], "present");
    }
  }

  // Manual marks are kept by save.
  const auto marked = api().send("PUT", base + "/attendance/" + text(w_->students["penny"]),
                                 R"({"status":"late"})", "application/json", w_->teacher_token);
  ASSERT_EQ(marked.status, 200) << marked;
  EXPECT_EQ(marked.json()["decided_by"], "manual");
  saved = api().post(base + "/save", nlohmann::json::object(), w_->teacher_token);
  records = api().get(base + "/attendance", w_->teacher_token);
  ASSERT_EQ(records.json()["total"], 7);
  const auto body4 = records.json();
  for (const auto& r : body4["items"]) {
    if (r["student_id"] == w_->students["penny"]) {
      EXPECT_EQ(r["status"], "late");
    }
  }

  const auto audit = api().get("/api/v1/audit?entity=attendance&limit=200", admin_token());
  ASSERT_EQ(audit.status, 200) << audit;
  int for_session = 0;
  const auto body5 = audit.json();
  for (const auto& entry : body5["items"]) {
    if (entry.value("entity_id", std::int64_t{0}) == session) ++for_session;
  }
  EXPECT_EQ(for_session, 7 + 1 + 1);  // first save, the correction's save, the mark

  // Locked: every change refused; an admin unlocks.
  ASSERT_EQ(api().patch(base, {{"is_locked", true}}, w_->teacher_token).status, 200);
  const auto locked = api().post(base + "/save", nlohmann::json::object(), w_->teacher_token);
  EXPECT_EQ(locked.status, 409);
  EXPECT_EQ(locked.error_code(), "session_locked");
  EXPECT_EQ(api().patch(base, {{"is_locked", false}}, w_->teacher_token).error_code(),
            "session_locked");
  EXPECT_EQ(api().patch(base, {{"is_locked", false}}, admin_token()).status, 200);
  EXPECT_EQ(api().del(base, w_->teacher_token).status, 204);
  EXPECT_EQ(api().get(base, admin_token()).status, 404);
}

// A person puts a face of one photo on a student the engine matched in
// another photo: flagged as a conflict, not refused. Within one photo, a
// second face for a student already counted there is refused.
TEST_P(SessionApi, ListsTheSessionsPhotosOldestFirstWithTheirFilenames) {
  const auto session = new_session(w_->teacher_token);
  const std::string base = "/api/v1/sessions/" + text(session) + "/photos";
  auto listed = api().get(base, w_->teacher_token);
  ASSERT_EQ(listed.status, 200) << listed;
  EXPECT_TRUE(listed.json()["items"].empty()) << listed;
  ASSERT_EQ(upload(session, {"bbt2"}).status, 201);
  const auto second = upload(session, {"bbt4"});
  ASSERT_EQ(second.status, 201) << second;
  EXPECT_EQ(second.json()["photos"][0]["filename"], "bbt4.jpg");

  listed = api().get(base, w_->teacher_token);
  ASSERT_EQ(listed.status, 200) << listed;
  const auto items = listed.json()["items"];
  ASSERT_EQ(items.size(), 2u) << listed;
  EXPECT_EQ(items[0]["filename"], "bbt2.jpg");
  EXPECT_EQ(items[1]["filename"], "bbt4.jpg");
  EXPECT_LT(items[0]["id"].get<std::int64_t>(), items[1]["id"].get<std::int64_t>());
  EXPECT_EQ(matched_in(items[1]), matched_in(second.json()["photos"][0]));
  for (const auto& item : items) {
    for (const char* key : {"id", "filename", "created_at", "width", "height", "faces"}) {
      EXPECT_TRUE(item.contains(key)) << key << " missing from " << item;
    }
    EXPECT_GT(item["width"].get<int>(), 0);
    EXPECT_FALSE(item["faces"].empty());
  }
  const auto one = api().get(base + "/" + text(items[1]["id"]), w_->teacher_token);
  ASSERT_EQ(one.status, 200) << one;
  EXPECT_EQ(one.json()["filename"], "bbt4.jpg");

  // Another class's teacher sees neither the list nor the photo.
  EXPECT_EQ(api().get(base, w_->other_teacher_token).status, 403);
  EXPECT_EQ(api().get("/api/v1/sessions/999999999/photos", w_->teacher_token).status, 404);
}

// The web UI's fetch() and `curl -X POST` send a bodiless POST without
// Content-Length; httplib used to wait for a body until its read timeout
// and answer 400 bad_request.
TEST_P(SessionApi, SavesOnAPostWithNoBodyAndNoContentLength) {
  const auto session = new_session(w_->teacher_token);
  const auto started = std::chrono::steady_clock::now();
  const auto reply = api().raw("POST /api/v1/sessions/" + text(session) +
                               "/save HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " +
                               w_->teacher_token + "\r\nConnection: close\r\n\r\n");
  ASSERT_EQ(reply.status, 200) << reply;
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(5));
  EXPECT_TRUE(reply.json().contains("changed")) << reply;
}

TEST_P(SessionApi, AnEmptyBodyReadsAsAnEmptyObjectButOtherBodiesStayStrict) {
  const auto session = new_session(w_->teacher_token);
  const auto save = "/api/v1/sessions/" + text(session) + "/save";
  // Content-Length: 0, with and without a Content-Type.
  auto reply = api().send("POST", save, "", "", w_->teacher_token);
  EXPECT_EQ(reply.status, 200) << reply;
  reply = api().send("POST", save, "", "application/json", w_->teacher_token);
  EXPECT_EQ(reply.status, 200) << reply;
  // A JSON route reads no body as {}: its required fields are missing.
  reply = api().send(
      "PUT", "/api/v1/sessions/" + text(session) + "/attendance/" + text(w_->students["amy"]), "",
      "", w_->teacher_token);
  EXPECT_EQ(reply.status, 400) << reply;
  EXPECT_EQ(reply.error_code(), "invalid_field") << reply;
  // A body that is there is held to the rules.
  reply = api().send("PATCH", "/api/v1/sessions/" + text(session), "{", "application/json",
                     w_->teacher_token);
  EXPECT_EQ(reply.error_code(), "invalid_json") << reply;
  reply = api().send("PATCH", "/api/v1/sessions/" + text(session), "x=1", "text/plain",
                     w_->teacher_token);
  EXPECT_EQ(reply.error_code(), "unsupported_media_type") << reply;
}

TEST_P(SessionApi, FlagsACorrectionThatDisagreesWithAnAutomaticMatch) {
  const auto session = new_session(w_->teacher_token);
  const std::string base = "/api/v1/sessions/" + text(session);
  const auto reply = upload(session, {"bbt2", "bbt4"});
  ASSERT_EQ(reply.status, 201) << reply;
  const auto body = reply.json();
  std::int64_t raj_in_bbt2 = 0, sheldon_in_bbt2 = 0;
  for (const auto& face : body["photos"][0]["faces"]) {
    if (face["status"] != "matched") continue;
    if (face["student"]["id"] == w_->students["raj"]) raj_in_bbt2 = face["id"];
    if (face["student"]["id"] == w_->students["sheldon"]) sheldon_in_bbt2 = face["id"];
  }
  ASSERT_NE(raj_in_bbt2, 0);
  ASSERT_NE(sheldon_in_bbt2, 0);
  const auto taken = api().patch(base + "/faces/" + text(raj_in_bbt2),
                                 {{"student_id", w_->students["sheldon"]}}, w_->teacher_token);
  EXPECT_EQ(taken.status, 409) << taken;
  EXPECT_EQ(taken.error_code(), "student_taken");
  // amy is matched automatically in bbt4 only.
  const auto corrected = api().patch(base + "/faces/" + text(raj_in_bbt2),
                                     {{"student_id", w_->students["amy"]}}, w_->teacher_token);
  ASSERT_EQ(corrected.status, 200) << corrected;
  const auto result = api().get(base + "/result", w_->teacher_token).json();
  ASSERT_EQ(result["conflicts"].size(), 1u) << result;
  EXPECT_EQ(result["conflicts"][0]["student"]["id"], w_->students["amy"]);
  EXPECT_EQ(result["conflicts"][0]["faces"].size(), 2u);
}

// Students read the sessions of their own class and only their own record.
TEST_P(SessionApi, AStudentSeesTheirClassesSessionsAndOnlyTheirOwnRecord) {
  const std::int64_t class_id = create_class()["id"];
  const auto me = create_student(class_id, unique("me"), true);
  const std::int64_t other = create_student(class_id)["id"];
  const auto token = api().login(me["registration_number"], me.value("generated_password", ""));
  ASSERT_FALSE(token.empty());
  const auto assigned =
      api().post("/api/v1/assignments",
                 {{"teacher_id", w_->teacher}, {"class_id", class_id}, {"subject_id", w_->subject}},
                 admin_token());
  ASSERT_EQ(assigned.status, 201) << assigned;
  const auto made = api().post("/api/v1/sessions",
                               {{"class_id", class_id},
                                {"subject_id", w_->subject},
                                {"teacher_id", w_->teacher},
                                {"starts_ms", 1'764'000'000'000},
                                {"ends_ms", 1'764'003'600'000},
                                {"method", "manual"}},
                               admin_token());
  ASSERT_EQ(made.status, 201) << made;
  const std::string base = "/api/v1/sessions/" + text(made.json()["id"]);
  for (const std::int64_t student : {me["id"].get<std::int64_t>(), other}) {
    const auto marked = api().send("PUT", base + "/attendance/" + text(student),
                                   R"({"status":"excused"})", "application/json", admin_token());
    ASSERT_EQ(marked.status, 200) << marked;
  }
  EXPECT_EQ(api().get(base, token).status, 200);
  const auto list = api().get("/api/v1/sessions", token).json();
  EXPECT_EQ(list["total"], 1);
  const auto records = api().get(base + "/attendance", token).json();
  ASSERT_EQ(records["total"], 1) << records;
  EXPECT_EQ(records["items"][0]["student_id"], me["id"]);
  EXPECT_EQ(records["items"][0]["status"], "excused");
  EXPECT_EQ(api().get(base + "/result", token).status, 403);
  const auto elsewhere = api().get("/api/v1/sessions?class_id=" + text(w_->class_id), token);
  EXPECT_EQ(elsewhere.status, 403);
}

// The class-photo benchmark image (~54 faces, none enrolled here): every
// face reported, none matched; the timings are in the reply.
TEST_P(SessionApi, ReportsEveryFaceOfALargeClassPhotoWithTimings) {
  const auto session = new_session(w_->teacher_token);
  const auto reply = upload(session, {"class_54"});
  ASSERT_EQ(reply.status, 201) << reply;
  const auto photo = reply.json()["photos"][0];
  EXPECT_GE(photo["faces"].size(), 40u);
  EXPECT_TRUE(matched_in(photo).empty());
  const auto& t = photo["timings"];
  std::printf("[class_54] %zu faces: decode %.0f detect %.0f embed %.0f match %.1f total %.0f ms\n",
              photo["faces"].size(), t["decode_ms"].get<double>(), t["detect_ms"].get<double>(),
              t["embed_ms"].get<double>(), t["match_ms"].get<double>(),
              t["total_ms"].get<double>());
}

TEST_P(SessionApi, ConcurrentSavesNeverDuplicateRecords) {
  const auto session = new_session(w_->teacher_token);
  const std::string base = "/api/v1/sessions/" + text(session);
  ASSERT_EQ(upload(session, {"bbt3"}).status, 201);
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&] {
      const auto saved = api().post(base + "/save", nlohmann::json::object(), w_->teacher_token);
      EXPECT_EQ(saved.status, 200) << saved;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(api().get(base + "/attendance", w_->teacher_token).json()["total"], 7);
}

// Held-back portraits (04 and 05, never enrolled) of the class composited
// into one group image, with howard (enrolled in ANOTHER class) and a
// stranger (barack_obama, enrolled nowhere): the class members are found,
// howard and the stranger stay unmatched, nobody is assigned twice.
TEST_P(SessionApi, HeldBackPortraitsInACompositeAreFoundAndOutsidersStayUnknown) {
  const std::vector<std::string> cells = {
      "amy/04.png",     "bernadette/04.png", "leonard/05.png", "penny/05.png",       "raj/04.png",
      "sheldon/05.png", "stuart/04.png",     "howard/04.png",  "barack_obama/01.jpg"};
  constexpr int kCell = 300;
  cv::Mat canvas(kCell * 3, kCell * 3, CV_8UC3, cv::Scalar(128, 128, 128));
  for (std::size_t i = 0; i < cells.size(); ++i) {
    const cv::Mat face = cv::imread(data_path("identities/" + cells[i]).string(), cv::IMREAD_COLOR);
    ASSERT_FALSE(face.empty()) << cells[i];
    // Chips (150 px, the face fills them) at 160 px with a margin; the
    // stranger's portrait scaled to fit the cell.
    const double scale = face.cols <= 200 ? 160.0 / face.cols
                                          : std::min(kCell / static_cast<double>(face.cols),
                                                     kCell / static_cast<double>(face.rows));
    cv::Mat scaled;
    cv::resize(face, scaled, {}, scale, scale, cv::INTER_AREA);
    const int x = static_cast<int>(i % 3) * kCell + (kCell - scaled.cols) / 2;
    const int y = static_cast<int>(i / 3) * kCell + (kCell - scaled.rows) / 2;
    scaled.copyTo(canvas(cv::Rect(x, y, scaled.cols, scaled.rows)));
  }
  std::vector<std::uint8_t> encoded;
  ASSERT_TRUE(cv::imencode(".jpg", canvas, encoded, {cv::IMWRITE_JPEG_QUALITY, 92}));
  const auto session = new_session(w_->teacher_token);
  const auto reply = api().post_multipart(
      "/api/v1/sessions/" + text(session) + "/photos",
      {{"photos", "composite.jpg", std::string(encoded.begin(), encoded.end()), "image/jpeg"}},
      w_->teacher_token);
  ASSERT_EQ(reply.status, 201) << reply;
  const auto photo = reply.json()["photos"][0];
  const auto marked = matched_in(photo);
  const std::set<std::string> expected = {"amy", "bernadette", "leonard", "penny",
                                          "raj", "sheldon",    "stuart"};
  int found = 0;
  for (const auto& name : marked) {
    EXPECT_TRUE(expected.count(name)) << name << " marked but not in the composite";
    found += expected.count(name) ? 1 : 0;
  }
  std::printf(
      "[marking] composite of held-back portraits: %zu faces, %d of %zu classmates "
      "matched, %zu marked wrongly\n",
      photo["faces"].size(), found, expected.size(), marked.size() - found);
  EXPECT_GE(found, 6);
  EXPECT_GE(photo["faces"].size(), 9u);
}

// Every cast member enrolled in ONE class (with 1, 2 and 3 photos each);
// each bbt photo its own session. Prints the marking precision and recall
// reported in docs/ACCURACY.md ("Class-photo marking").
TEST_P(SessionApi, MarkingPrecisionAndRecallOverBbt1To5) {
  const auto teacher = create_teacher();
  for (int photos = 1; photos <= 3; ++photos) {
    const std::int64_t class_id = create_class()["id"];
    std::map<std::int64_t, std::string> names;
    for (const auto& person : kCast) names[add_student(class_id, person, photos)] = person;
    const auto assigned = api().post("/api/v1/assignments",
                                     {{"teacher_id", teacher["teacher"]["id"]},
                                      {"class_id", class_id},
                                      {"subject_id", w_->subject}},
                                     admin_token());
    ASSERT_EQ(assigned.status, 201) << assigned;
    int true_positive = 0, false_positive = 0, false_negative = 0, borderline = 0, other = 0;
    for (const auto& [photo, present] : kPresent) {
      const auto made = api().post("/api/v1/sessions",
                                   {{"class_id", class_id},
                                    {"subject_id", w_->subject},
                                    {"teacher_id", teacher["teacher"]["id"]},
                                    {"starts_ms", 1'764'000'000'000},
                                    {"ends_ms", 1'764'003'600'000}},
                                   admin_token());
      ASSERT_EQ(made.status, 201) << made;
      const auto reply =
          api().post_multipart("/api/v1/sessions/" + text(made.json()["id"]) + "/photos",
                               {photo_part("groups/" + photo + ".jpg")}, admin_token());
      ASSERT_EQ(reply.status, 201) << reply;
      std::set<std::string> marked;
      const auto body = reply.json();
      for (const auto& face : body["photos"][0]["faces"]) {
        if (face["status"] != "matched") {
          (face["status"] == "borderline" ? borderline : other)++;
          continue;
        }
        const auto name = names[face["student"]["id"].get<std::int64_t>()];
        EXPECT_TRUE(marked.insert(name).second) << name << " twice in " << photo;
      }
      for (const auto& name : marked) (present.count(name) ? true_positive : false_positive)++;
      for (const auto& name : present) {
        if (marked.count(name)) continue;
        ++false_negative;
        std::printf("[marking] %d photo(s) each: %s missed in %s\n", photos, name.c_str(),
                    photo.c_str());
      }
    }
    const double precision =
        true_positive / static_cast<double>(std::max(1, true_positive + false_positive));
    const double recall = true_positive / static_cast<double>(true_positive + false_negative);
    std::printf(
        "[marking] %d photo(s) each, bbt1..5: TP %d FP %d FN %d, borderline faces %d, other "
        "unmatched faces %d, precision %.3f recall %.3f\n",
        photos, true_positive, false_positive, false_negative, borderline, other, precision,
        recall);
    EXPECT_EQ(false_positive, 0) << photos << " photo(s) each";
    if (photos >= 2) {
      EXPECT_GE(recall, 0.9) << photos << " photos each";
    }
  }
}

ROLLCALL_ON_BOTH_BACKENDS(SessionApi);

}  // namespace
}  // namespace rollcall::http_testing
