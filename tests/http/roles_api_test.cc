// tests/http/roles_api_test.cc
//
// Who may call what: every route of the OpenAPI document, called as an
// admin, as a teacher assigned to one class, and as a student of that
// class, against records of ANOTHER class; then the own-class cases.
#include <opencv2/core.hpp>

#include "server_harness.h"
#include "store/store.h"

namespace rollcall::http_testing {
namespace {

enum class Expect { allow, deny };  // allow: neither 401 nor 403; deny: 403 forbidden
constexpr Expect A = Expect::allow;
constexpr Expect D = Expect::deny;

struct RouteRule {
  Expect admin, teacher, student;
};

// Every route, as "METHOD pattern", and what each role gets when the path
// names records outside the teacher's and student's class. A route added
// to the server without a line here fails RolesApi.EveryRouteIsInTheTable.
const std::map<std::string, RouteRule>& rules() {
  static const std::map<std::string, RouteRule> table = {
      {"GET /healthz", {A, A, A}},
      {"GET /readyz", {A, A, A}},
      {"GET /metrics", {A, A, A}},
      {"GET /api/openapi.json", {A, A, A}},
      {"POST /api/v1/auth/login", {A, A, A}},
      {"POST /api/v1/auth/refresh", {A, A, A}},
      {"POST /api/v1/auth/logout", {A, A, A}},
      {"POST /api/v1/auth/password", {A, A, A}},
      {"GET /api/v1/me", {A, A, A}},
      {"POST /api/v1/me/telegram-link-code", {D, A, D}},
      // No bot runs in these servers: the webhook answers 404 to anyone.
      {"POST /telegram/teacher", {A, A, A}},
      {"POST /telegram/student", {A, A, A}},
      {"DELETE /api/v1/students/{id}/telegram", {A, D, D}},
      {"DELETE /api/v1/teachers/{id}/telegram", {A, D, D}},
      {"GET /api/v1/users", {A, D, D}},
      {"POST /api/v1/users", {A, D, D}},
      {"PATCH /api/v1/users/{id}", {A, D, D}},
      {"POST /api/v1/users/{id}/password", {A, D, D}},
      {"DELETE /api/v1/users/{id}", {A, D, D}},
      {"GET /api/v1/teachers", {A, D, D}},
      {"POST /api/v1/teachers", {A, D, D}},
      {"GET /api/v1/teachers/{id}", {A, D, D}},
      {"PATCH /api/v1/teachers/{id}", {A, D, D}},
      {"DELETE /api/v1/teachers/{id}", {A, D, D}},
      {"GET /api/v1/classes", {A, A, D}},
      {"POST /api/v1/classes", {A, D, D}},
      {"GET /api/v1/classes/{id}", {A, D, D}},
      {"PATCH /api/v1/classes/{id}", {A, D, D}},
      {"DELETE /api/v1/classes/{id}", {A, D, D}},
      {"GET /api/v1/subjects", {A, A, D}},
      {"POST /api/v1/subjects", {A, D, D}},
      {"GET /api/v1/subjects/{id}", {A, D, D}},
      {"PATCH /api/v1/subjects/{id}", {A, D, D}},
      {"DELETE /api/v1/subjects/{id}", {A, D, D}},
      {"GET /api/v1/assignments", {A, A, D}},
      {"POST /api/v1/assignments", {A, D, D}},
      {"DELETE /api/v1/assignments/{id}", {A, D, D}},
      {"GET /api/v1/students", {A, A, D}},
      {"POST /api/v1/students", {A, D, D}},
      {"GET /api/v1/students/{id}", {A, D, D}},
      {"PATCH /api/v1/students/{id}", {A, D, D}},
      {"DELETE /api/v1/students/{id}", {A, D, D}},
      {"GET /api/v1/students/{id}/photos", {A, D, D}},
      {"POST /api/v1/students/{id}/photos", {A, D, D}},
      {"GET /api/v1/students/{id}/photos/{photo}/image", {A, D, D}},
      {"DELETE /api/v1/students/{id}/photos/{photo}", {A, D, D}},
      {"POST /api/v1/imports", {A, A, D}},
      {"GET /api/v1/jobs/{id}", {A, A, D}},
      {"GET /api/v1/audit", {A, D, D}},
      // Sessions: {id} is session_b, of class B; DELETE names no session
      // (so the admin's walk keeps session_b), which a teacher gets as 404.
      {"GET /api/v1/sessions", {A, A, A}},
      {"POST /api/v1/sessions", {A, A, D}},
      {"GET /api/v1/sessions/{id}", {A, D, D}},
      {"PATCH /api/v1/sessions/{id}", {A, D, D}},
      {"DELETE /api/v1/sessions/{id}", {A, A, D}},
      {"POST /api/v1/sessions/{id}/photos", {A, D, D}},
      {"GET /api/v1/sessions/{id}/photos", {A, D, D}},
      {"GET /api/v1/sessions/{id}/photos/{photo}", {A, D, D}},
      {"GET /api/v1/sessions/{id}/photos/{photo}/image", {A, D, D}},
      {"GET /api/v1/sessions/{id}/photos/{photo}/annotated.jpg", {A, D, D}},
      {"PATCH /api/v1/sessions/{id}/faces/{face}", {A, D, D}},
      {"PUT /api/v1/sessions/{id}/attendance/{student}", {A, D, D}},
      {"POST /api/v1/sessions/{id}/save", {A, D, D}},
      {"GET /api/v1/sessions/{id}/result", {A, D, D}},
      {"GET /api/v1/sessions/{id}/attendance", {A, D, D}},
      // Webhooks: admin only (id 0: admin gets 404).
      {"GET /api/v1/webhooks", {A, D, D}},
      {"POST /api/v1/webhooks", {A, D, D}},
      {"GET /api/v1/webhooks/{id}", {A, D, D}},
      {"PATCH /api/v1/webhooks/{id}", {A, D, D}},
      {"DELETE /api/v1/webhooks/{id}", {A, D, D}},
      {"GET /api/v1/webhooks/{id}/deliveries", {A, D, D}},
      {"POST /api/v1/webhooks/{id}/test", {A, D, D}},
      // Reports: the session report is of a session of class B (session_b).
      {"GET /api/v1/sessions/{id}/report", {A, D, D}},
      {"GET /api/v1/classes/{id}/report", {A, D, D}},
      {"GET /api/v1/students/{id}/report", {A, D, D}},
      // Self check-in: windows of session_b (class B); submitting and
      // reading a verdict by its unguessable id are public.
      {"POST /api/v1/sessions/{id}/checkin-window", {A, D, D}},
      {"GET /api/v1/sessions/{id}/checkin-window", {A, D, D}},
      {"POST /api/v1/sessions/{id}/checkin-window/extend", {A, D, D}},
      {"POST /api/v1/sessions/{id}/checkin-window/close", {A, D, D}},
      {"GET /api/v1/sessions/{id}/checkin-window/qr.svg", {A, D, D}},
      {"GET /api/v1/sessions/{id}/checkin-window/qr.png", {A, D, D}},
      {"GET /api/v1/sessions/{id}/checkin-window/submissions", {A, D, D}},
      {"GET /api/v1/sessions/{id}/checkin-window/events", {A, D, D}},
      {"GET /api/v1/sessions/{id}/checkin-info", {A, A, A}},
      {"POST /api/v1/checkins", {A, A, A}},
      {"GET /api/v1/checkins/{submission}", {A, A, A}},
      {"GET /api/v1/checkins/{submission}/events", {A, A, A}},
      // Administration: admins only.
      {"GET /api/v1/system", {A, D, D}},
      {"POST /api/v1/backups", {A, D, D}},
      {"GET /api/v1/backups", {A, D, D}},
      {"GET /api/v1/backups/{backup}/download", {A, D, D}},
      {"GET /api/v1/settings", {A, D, D}},
      {"PATCH /api/v1/settings", {A, D, D}},
  };
  return table;
}

std::string text(std::int64_t id) { return std::to_string(id); }

// Everything the walk needs, made once per server.
struct World {
  std::int64_t class_a = 0, class_b = 0;
  std::int64_t subject_a = 0, subject_b = 0;
  std::int64_t teacher_a = 0, teacher_b = 0, teacher_b_user = 0;
  std::int64_t assignment_b = 0;
  std::int64_t student_a = 0, student_b = 0, photo_b = 0, photo_a = 0;
  std::string admin, teacher, student;  // access tokens
  std::int64_t session_b = 0;           // for the session report, written to the database
};

class RolesApi : public ServerTest {
 protected:
  void SetUp() override {
    ServerTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    auto& world = worlds()[GetParam()];
    if (world.admin.empty()) {
      ASSERT_NO_FATAL_FAILURE(build(world));
    }
    world_ = &world;
  }
  static void TearDownTestSuite() {
    worlds().clear();
    ServerTest::TearDownTestSuite();
  }

  static std::map<Backend, World>& worlds() {
    static std::map<Backend, World> made;
    return made;
  }

  std::int64_t enroll(std::int64_t student, const std::string& relative) {
    const auto path = data_path(relative);
    const auto reply = api().post_multipart(
        "/api/v1/students/" + text(student) + "/photos",
        {{"photos", path.filename().string(), file_bytes(path), "image/png"}}, admin_token());
    EXPECT_EQ(reply.status, 201) << reply;
    return reply.json()["photos"][0]["photo"].value("id", std::int64_t{0});
  }

  void build(World& w) {
    w.admin = admin_token();
    w.class_a = create_class()["id"];
    w.class_b = create_class()["id"];
    w.subject_a = create_subject()["id"];
    w.subject_b = create_subject()["id"];
    const auto teacher_a = create_teacher();
    const auto teacher_b = create_teacher();
    w.teacher_a = teacher_a["teacher"]["id"];
    w.teacher_b = teacher_b["teacher"]["id"];
    w.teacher_b_user = teacher_b["teacher"].value("user_id", std::int64_t{0});
    const auto assign = [&](std::int64_t teacher, std::int64_t group, std::int64_t subject) {
      const auto reply = api().post(
          "/api/v1/assignments",
          {{"teacher_id", teacher}, {"class_id", group}, {"subject_id", subject}}, w.admin);
      EXPECT_EQ(reply.status, 201) << reply;
      return reply.json().value("id", std::int64_t{0});
    };
    assign(w.teacher_a, w.class_a, w.subject_a);
    w.assignment_b = assign(w.teacher_b, w.class_b, w.subject_b);
    const auto student_a = create_student(w.class_a, unique("own"), true);
    w.student_a = student_a["id"];
    w.student_b = create_student(w.class_b)["id"];
    ASSERT_NO_FATAL_FAILURE(add_session_b(w));
    w.photo_a = enroll(w.student_a, "identities/amy/01.png");
    w.photo_b = enroll(w.student_b, "identities/penny/01.png");
    w.teacher = api().login(teacher_a["username"], teacher_a["password"]);
    w.student =
        api().login(student_a["registration_number"], student_a.value("generated_password", ""));
    ASSERT_FALSE(w.teacher.empty());
    ASSERT_FALSE(w.student.empty());
  }

  // A session of class B, straight into the server's database (reports).
  void add_session_b(World& w) {
    store::StoreOptions options;
    options.url = server().database_url();
    options.data_dir = server().data_dir();
    options.pool_size = 1;
    auto db = store::Store::open(options);
    ASSERT_TRUE(db.ok()) << db.error().message;
    store::Session session;
    session.class_id = ClassId{w.class_b};
    session.subject = SubjectId{w.subject_b};
    session.teacher = TeacherId{w.teacher_b};
    session.starts_ms = 1'764'000'000'000;
    session.ends_ms = session.starts_ms + 3'600'000;
    session.method = store::SessionMethod::manual;
    auto id =
        (*db)->write_value<SessionId>([&](store::Tx& tx) { return tx.insert_session(session); });
    ASSERT_TRUE(id.ok()) << id.error().message;
    w.session_b = id->value;
  }

  // `pattern` with its parameters naming class B's records.
  std::string concrete(const std::string& pattern, const std::string& method = "") {
    const auto& w = *world_;
    std::string path = pattern;
    const auto replace = [&path](const std::string& from, const std::string& to) {
      if (auto at = path.find(from); at != std::string::npos) path.replace(at, from.size(), to);
    };
    std::int64_t id = 0;
    if (pattern.starts_with("/api/v1/users/")) id = w.teacher_b_user;
    if (pattern.starts_with("/api/v1/teachers/")) id = w.teacher_b;
    if (pattern.starts_with("/api/v1/classes/")) id = w.class_b;
    if (pattern.starts_with("/api/v1/subjects/")) id = w.subject_b;
    if (pattern.starts_with("/api/v1/assignments/")) id = w.assignment_b;
    if (pattern.starts_with("/api/v1/students/")) id = w.student_b;
    if (pattern.starts_with("/api/v1/jobs/")) id = 999'999'999;
    if (pattern.starts_with("/api/v1/sessions/")) id = w.session_b;
    if (pattern.starts_with("/api/v1/webhooks/")) id = 999'999'999;
    if (pattern == "/api/v1/sessions/{id}" && method == "DELETE") id = 999'999'999;
    replace("{id}", text(id));
    replace("{photo}", text(w.photo_b));
    replace("{face}", "999999999");
    replace("{student}", text(w.student_b));
    replace("{submission}", "ck_none");
    replace("{backup}", "rollcall-20000101-000000.db");
    return path;
  }

  Response call(const std::string& method, const std::string& pattern, const std::string& token) {
    const auto path = concrete(pattern, method);
    if ((pattern == "/api/v1/students/{id}/photos" || pattern == "/api/v1/sessions/{id}/photos") &&
        method == "POST") {
      const auto face = data_path("identities/penny/02.png");
      return api().post_multipart(path, {{"photos", "p.png", file_bytes(face), "image/png"}},
                                  token);
    }
    if (method == "GET") return api().get(path, token);
    if (method == "DELETE") return api().del(path, token);
    nlohmann::json body = nlohmann::json::object();
    if (pattern == "/api/v1/students") {
      body = {{"name", "Intruder"},
              {"roll_number", unique("x")},
              {"registration_number", unique("x")},
              {"class_id", world_->class_b}};
    }
    return api().send(method, path, body.dump(), "application/json", token);
  }

  std::vector<std::pair<std::string, std::string>> documented_routes() {
    const auto reply = api().get("/api/openapi.json");
    EXPECT_EQ(reply.status, 200);
    std::vector<std::pair<std::string, std::string>> routes;
    const auto document = reply.json();
    for (const auto& [path, operations] : document["paths"].items()) {
      for (const auto& [method, operation] : operations.items()) {
        std::string upper = method;
        std::transform(upper.begin(), upper.end(), upper.begin(), ::toupper);
        routes.emplace_back(upper, path);
      }
    }
    // DELETEs last, so the admin's walk removes nothing the others need.
    std::stable_partition(routes.begin(), routes.end(),
                          [](const auto& r) { return r.first != "DELETE"; });
    return routes;
  }

  void walk(const std::string& role, const std::string& token, Expect RouteRule::*which) {
    for (const auto& [method, pattern] : documented_routes()) {
      const auto rule = rules().find(method + " " + pattern);
      if (rule == rules().end()) continue;  // reported by EveryRouteIsInTheTable
      const Expect expected = rule->second.*which;
      const auto reply = call(method, pattern, token);
      SCOPED_TRACE(role + " " + method + " " + concrete(pattern));
      if (expected == Expect::deny) {
        EXPECT_EQ(reply.status, 403) << reply;
        EXPECT_EQ(reply.error_code(), "forbidden") << reply;
      } else {
        EXPECT_NE(reply.status, 0) << reply;
        EXPECT_NE(reply.status, 401) << reply;
        EXPECT_NE(reply.status, 403) << reply;
        EXPECT_LT(reply.status, 500) << reply;
      }
    }
  }

  World* world_ = nullptr;
};

TEST_P(RolesApi, EveryRouteIsInTheTable) {
  const auto routes = documented_routes();
  EXPECT_GE(routes.size(), rules().size());
  for (const auto& [method, pattern] : routes) {
    EXPECT_TRUE(rules().count(method + " " + pattern))
        << method << " " << pattern << " has no role rule";
  }
}

TEST_P(RolesApi, AStudentIsRefusedEverythingOutsideTheirOwnRecord) {
  walk("student", world_->student, &RouteRule::student);
}

TEST_P(RolesApi, ATeacherIsRefusedOtherClassesAndAdminWork) {
  walk("teacher", world_->teacher, &RouteRule::teacher);
}

TEST_P(RolesApi, AnAdminIsRefusedNothing) {
  walk("admin", world_->admin, &RouteRule::admin);
  worlds().erase(GetParam());  // the walk deleted records; later tests get a new world
}

TEST_P(RolesApi, AStudentSeesTheirOwnRecordAndPhotosOnly) {
  const auto& w = *world_;
  const auto own = api().get("/api/v1/students/" + text(w.student_a), w.student);
  ASSERT_EQ(own.status, 200) << own;
  EXPECT_EQ(own.json()["id"], w.student_a);
  EXPECT_EQ(api().get("/api/v1/students/" + text(w.student_a) + "/photos", w.student).status, 200);
  EXPECT_EQ(api().get("/api/v1/classes/" + text(w.class_a), w.student).status, 200);
  const auto other = api().get("/api/v1/students/" + text(w.student_b), w.student);
  EXPECT_EQ(other.status, 403) << other;
  EXPECT_EQ(other.error_code(), "forbidden");
  const auto me = api().get("/api/v1/me", w.student);
  EXPECT_EQ(me.json()["role"], "student");
  EXPECT_EQ(me.json()["student_id"], w.student_a);
}

TEST_P(RolesApi, AStudentGets403OnTeachers) {
  const auto reply = api().get("/api/v1/teachers", world_->student);
  EXPECT_EQ(reply.status, 403) << reply;
  EXPECT_EQ(reply.error_code(), "forbidden");
}

TEST_P(RolesApi, ATeacherSeesAndEditsStudentsOfTheirOwnClass) {
  const auto& w = *world_;
  const auto at = "/api/v1/students/" + text(w.student_a);
  EXPECT_EQ(api().get(at, w.teacher).status, 200);
  const auto changed = api().patch(at, {{"phone", "+1 555 0199"}}, w.teacher);
  EXPECT_EQ(changed.status, 200) << changed;
  EXPECT_EQ(api().get(at + "/photos", w.teacher).status, 200);
  EXPECT_EQ(api().get(at + "/photos/" + text(w.photo_a) + "/image", w.teacher).status, 200);
  EXPECT_EQ(api().get("/api/v1/classes/" + text(w.class_a), w.teacher).status, 200);
  EXPECT_EQ(api().get("/api/v1/subjects/" + text(w.subject_a), w.teacher).status, 200);
  EXPECT_EQ(api().get("/api/v1/teachers/" + text(w.teacher_a), w.teacher).status, 200);
}

TEST_P(RolesApi, ATeacherListsOnlyStudentsOfTheirOwnClasses) {
  const auto& w = *world_;
  const auto reply = api().get("/api/v1/students?limit=200", w.teacher);
  ASSERT_EQ(reply.status, 200) << reply;
  EXPECT_GE(reply.json()["total"].get<int>(), 1);
  const auto body = reply.json();
  for (const auto& student : body["items"]) EXPECT_EQ(student["class_id"], w.class_a) << student;
}

TEST_P(RolesApi, ATeacherMayNotDeleteAStudentEvenOfTheirOwnClass) {
  const auto reply = api().del("/api/v1/students/" + text(world_->student_a), world_->teacher);
  EXPECT_EQ(reply.status, 403) << reply;
  EXPECT_EQ(reply.error_code(), "forbidden");
}

TEST_P(RolesApi, ATeacherAddsAStudentToTheirOwnClass) {
  const auto reply = api().post("/api/v1/students",
                                {{"name", "New Pupil"},
                                 {"roll_number", unique("t")},
                                 {"registration_number", unique("t")},
                                 {"class_id", world_->class_a}},
                                world_->teacher);
  EXPECT_EQ(reply.status, 201) << reply;
}

ROLLCALL_ON_BOTH_BACKENDS(RolesApi);

}  // namespace
}  // namespace rollcall::http_testing
