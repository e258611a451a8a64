// tests/http/directory_api_test.cc
//
// Classes, subjects, teachers, assignments and students over HTTP: CRUD,
// search and pagination, request validation, uniqueness (also under
// concurrent requests), and the audit log those changes leave.
#include <thread>

#include "server_harness.h"

namespace rollcall::http_testing {
namespace {

class DirectoryApi : public ServerTest {
 protected:
  std::string path(const std::string& base, const nlohmann::json& item) {
    return base + "/" + std::to_string(item["id"].get<std::int64_t>());
  }
};

TEST_P(DirectoryApi, ClassesAreCreatedReadRenamedAndDeleted) {
  const auto created = create_class();
  ASSERT_TRUE(created.contains("id"));
  const auto at = path("/api/v1/classes", created);
  const auto read = api().get(at, admin_token());
  ASSERT_EQ(read.status, 200) << read;
  EXPECT_EQ(read.json()["name"], created["name"]);
  const auto renamed = api().patch(at, {{"name", "Renamed " + unique("c")}}, admin_token());
  ASSERT_EQ(renamed.status, 200) << renamed;
  EXPECT_TRUE(renamed.json()["name"].get<std::string>().starts_with("Renamed"));
  EXPECT_EQ(api().del(at, admin_token()).status, 204);
  const auto gone = api().get(at, admin_token());
  EXPECT_EQ(gone.status, 404) << gone;
  EXPECT_EQ(gone.error_code(), "class_not_found");
}

TEST_P(DirectoryApi, AClassWithStudentsCannotBeDeleted) {
  const auto group = create_class();
  create_student(group["id"]);
  const auto reply = api().del(path("/api/v1/classes", group), admin_token());
  EXPECT_EQ(reply.status, 409) << reply;
  EXPECT_EQ(reply.error_code(), "class_not_empty");
}

TEST_P(DirectoryApi, SubjectsAreCreatedListedChangedAndDeleted) {
  const auto subject = create_subject();
  const auto at = path("/api/v1/subjects", subject);
  const auto list =
      api().get("/api/v1/subjects?q=" + subject["code"].get<std::string>(), admin_token());
  ASSERT_EQ(list.status, 200) << list;
  EXPECT_EQ(list.json()["total"], 1);
  const auto changed = api().patch(at, {{"name", "Chemistry"}}, admin_token());
  ASSERT_EQ(changed.status, 200) << changed;
  EXPECT_EQ(changed.json()["name"], "Chemistry");
  EXPECT_EQ(api().del(at, admin_token()).status, 204);
  EXPECT_EQ(api().get(at, admin_token()).error_code(), "subject_not_found");
}

TEST_P(DirectoryApi, ADuplicateSubjectCodeIs409) {
  const auto subject = create_subject();
  const auto reply =
      api().post("/api/v1/subjects", {{"code", subject["code"]}, {"name", "Again"}}, admin_token());
  EXPECT_EQ(reply.status, 409) << reply;
  EXPECT_TRUE(reply.error_code().ends_with("_taken")) << reply;
}

TEST_P(DirectoryApi, ATeachersGeneratedPasswordIsReturnedOnceAndLogsIn) {
  const auto teacher = create_teacher();
  const std::string password = teacher["password"];
  EXPECT_GE(password.size(), 12u);
  const auto token = api().login(teacher["username"], password);
  ASSERT_FALSE(token.empty());
  const auto me = api().get("/api/v1/me", token);
  ASSERT_EQ(me.status, 200) << me;
  EXPECT_EQ(me.json()["role"], "teacher");
  EXPECT_EQ(me.json()["teacher_id"], teacher["teacher"]["id"]);
  const auto read = api().get(path("/api/v1/teachers", teacher["teacher"]), admin_token());
  ASSERT_EQ(read.status, 200) << read;
  EXPECT_FALSE(read.json().contains("generated_password"));
}

TEST_P(DirectoryApi, TeachersAreSearchedChangedAndDeletedWithTheirLogin) {
  const auto teacher = create_teacher();
  const auto at = path("/api/v1/teachers", teacher["teacher"]);
  const auto found =
      api().get("/api/v1/teachers?q=" + teacher["username"].get<std::string>(), admin_token());
  ASSERT_EQ(found.status, 200) << found;
  EXPECT_EQ(found.json()["total"], 1);
  const auto changed = api().patch(at, {{"phone", "+15550100"}}, admin_token());
  ASSERT_EQ(changed.status, 200) << changed;
  EXPECT_EQ(changed.json()["phone"], "+15550100");
  ASSERT_EQ(api().del(at, admin_token()).status, 204);
  EXPECT_EQ(api().get(at, admin_token()).status, 404);
  EXPECT_EQ(api().login_reply(teacher["username"], teacher["password"]).status, 401);
}

TEST_P(DirectoryApi, AssignmentsAreCreatedListedAndDeleted) {
  const auto teacher = create_teacher();
  const auto group = create_class();
  const auto subject = create_subject();
  const nlohmann::json body = {{"teacher_id", teacher["teacher"]["id"]},
                               {"class_id", group["id"]},
                               {"subject_id", subject["id"]}};
  const auto created = api().post("/api/v1/assignments", body, admin_token());
  ASSERT_EQ(created.status, 201) << created;
  const auto again = api().post("/api/v1/assignments", body, admin_token());
  EXPECT_EQ(again.status, 409) << again;
  EXPECT_EQ(again.error_code(), "assignment_exists");
  const auto list =
      api().get("/api/v1/assignments?class_id=" + std::to_string(group["id"].get<std::int64_t>()),
                admin_token());
  ASSERT_EQ(list.status, 200) << list;
  EXPECT_EQ(list.json()["total"], 1);
  const auto in_use = api().del(path("/api/v1/subjects", subject), admin_token());
  EXPECT_EQ(in_use.status, 409) << in_use;
  EXPECT_EQ(in_use.error_code(), "subject_in_use");
  EXPECT_EQ(api().del(path("/api/v1/assignments", created.json()), admin_token()).status, 204);
  EXPECT_EQ(
      api()
          .get("/api/v1/assignments?class_id=" + std::to_string(group["id"].get<std::int64_t>()),
               admin_token())
          .json()["total"],
      0);
}

TEST_P(DirectoryApi, StudentsAreCreatedReadChangedAndDeleted) {
  const auto group = create_class();
  const auto student = create_student(group["id"]);
  const auto at = path("/api/v1/students", student);
  const auto read = api().get(at, admin_token());
  ASSERT_EQ(read.status, 200) << read;
  EXPECT_EQ(read.json()["roll_number"], student["roll_number"]);
  EXPECT_EQ(read.json()["class_id"], group["id"]);
  const auto changed = api().patch(at, {{"name", "Changed Name"}}, admin_token());
  ASSERT_EQ(changed.status, 200) << changed;
  EXPECT_EQ(changed.json()["name"], "Changed Name");
  ASSERT_EQ(api().del(at, admin_token()).status, 204);
  const auto gone = api().get(at, admin_token());
  EXPECT_EQ(gone.status, 404) << gone;
  EXPECT_EQ(gone.error_code(), "student_not_found");
}

TEST_P(DirectoryApi, StudentsAreSearchedAndPaginatedWithTotalLimitAndOffset) {
  const auto group = create_class();
  const auto class_id = std::to_string(group["id"].get<std::int64_t>());
  const auto tag = unique("pg");
  for (int i = 0; i < 7; ++i) create_student(group["id"], tag + "-" + std::to_string(i));
  create_student(group["id"]);  // in the class, not matching the search
  const auto base = "/api/v1/students?class_id=" + class_id + "&q=" + tag;
  const auto first = api().get(base + "&limit=3&offset=0", admin_token());
  ASSERT_EQ(first.status, 200) << first;
  EXPECT_EQ(first.json()["total"], 7);
  EXPECT_EQ(first.json()["items"].size(), 3u);
  const auto last = api().get(base + "&limit=3&offset=6", admin_token());
  ASSERT_EQ(last.status, 200) << last;
  EXPECT_EQ(last.json()["total"], 7);
  EXPECT_EQ(last.json()["items"].size(), 1u);
  std::set<std::string> rolls;
  for (int offset = 0; offset < 7; offset += 3) {
    const auto page =
        api().get(base + "&limit=3&offset=" + std::to_string(offset), admin_token()).json();
    for (const auto& item : page["items"]) rolls.insert(item["roll_number"].get<std::string>());
  }
  EXPECT_EQ(rolls.size(), 7u) << "pages overlap or skip rows";
  const auto whole_class = api().get("/api/v1/students?class_id=" + class_id, admin_token());
  EXPECT_EQ(whole_class.json()["total"], 8);
}

TEST_P(DirectoryApi, ALimitOutOfRangeIs400NamingLimit) {
  const auto reply = api().get("/api/v1/students?limit=0", admin_token());
  EXPECT_EQ(reply.status, 400) << reply;
  EXPECT_EQ(reply.error_code(), "invalid_field");
  EXPECT_EQ(reply.error_field(), "limit");
}

TEST_P(DirectoryApi, AnUnknownFieldIs400NamingTheField) {
  const auto reply = api().post(
      "/api/v1/classes", {{"name", "X"}, {"section", "A"}, {"colour", "red"}}, admin_token());
  EXPECT_EQ(reply.status, 400) << reply;
  EXPECT_EQ(reply.error_code(), "unknown_field");
  EXPECT_EQ(reply.error_field(), "colour");
}

TEST_P(DirectoryApi, MalformedJsonIs400InvalidJson) {
  const auto reply =
      api().send("POST", "/api/v1/classes", "{\"name\": \"X\",", "application/json", admin_token());
  EXPECT_EQ(reply.status, 400) << reply;
  EXPECT_EQ(reply.error_code(), "invalid_json");
}

TEST_P(DirectoryApi, AJsonArrayInsteadOfAnObjectIs400InvalidJson) {
  const auto reply =
      api().send("POST", "/api/v1/classes", "[1, 2]", "application/json", admin_token());
  EXPECT_EQ(reply.status, 400) << reply;
  EXPECT_EQ(reply.error_code(), "invalid_json");
}

TEST_P(DirectoryApi, AWrongContentTypeIs415) {
  const auto reply = api().send("POST", "/api/v1/classes", "name=X&section=A",
                                "application/x-www-form-urlencoded", admin_token());
  EXPECT_EQ(reply.status, 415) << reply;
  EXPECT_EQ(reply.error_code(), "unsupported_media_type");
}

TEST_P(DirectoryApi, AFieldOfTheWrongTypeIs400InvalidField) {
  const auto reply = api().post(
      "/api/v1/students", {{"name", "X"}, {"roll_number", 12}, {"class_id", 1}}, admin_token());
  EXPECT_EQ(reply.status, 400) << reply;
  EXPECT_EQ(reply.error_code(), "invalid_field");
  EXPECT_EQ(reply.error_field(), "roll_number");
}

TEST_P(DirectoryApi, AMissingRequiredFieldIs400MissingField) {
  const auto group = create_class();
  const auto reply = api().post("/api/v1/students",
                                {{"name", "No Roll"}, {"class_id", group["id"]}}, admin_token());
  EXPECT_EQ(reply.status, 400) << reply;
  EXPECT_EQ(reply.error_code(), "missing_field");
  EXPECT_EQ(reply.error_field(), "roll_number");
}

TEST_P(DirectoryApi, ADuplicateRollNumberIs409RollNumberTaken) {
  const auto group = create_class();
  const auto student = create_student(group["id"]);
  const auto reply = api().post("/api/v1/students",
                                {{"name", "Twin"},
                                 {"roll_number", student["roll_number"]},
                                 {"registration_number", unique("REG")},
                                 {"class_id", group["id"]}},
                                admin_token());
  EXPECT_EQ(reply.status, 409) << reply;
  EXPECT_EQ(reply.error_code(), "roll_number_taken");
}

TEST_P(DirectoryApi, TwentyConcurrentCreatesOfOneRollNumberGiveExactlyOne201) {
  const auto group = create_class();
  const auto roll = unique("race");
  const auto token = admin_token();
  constexpr int kThreads = 20;
  std::vector<Response> replies(kThreads);
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      // One attempt each: a burst of connects must all be accepted (the
      // server re-listens with SOMAXCONN; httplib's own backlog is 5).
      replies[i] = api().post("/api/v1/students",
                              {{"name", "Racer " + std::to_string(i)},
                               {"roll_number", roll},
                               {"registration_number", roll + "-" + std::to_string(i)},
                               {"class_id", group["id"]}},
                              token);
    });
  }
  for (auto& thread : threads) thread.join();
  int created = 0, taken = 0;
  for (const auto& reply : replies) {
    if (reply.status == 201) {
      ++created;
    } else if (reply.status == 409 && reply.error_code() == "roll_number_taken") {
      ++taken;
    } else {
      ADD_FAILURE() << "unexpected reply: " << reply;
    }
  }
  EXPECT_EQ(created, 1);
  EXPECT_EQ(taken, kThreads - 1);
  const auto list = api().get("/api/v1/students?q=" + roll, token);
  EXPECT_EQ(list.json()["total"], 1) << list;
}

TEST_P(DirectoryApi, TheAuditLogShowsChangesWithBeforeAndAfter) {
  const auto group = create_class();
  const auto student = create_student(group["id"]);
  ASSERT_EQ(api()
                .patch(path("/api/v1/students", student), {{"name", "Audited Name"}}, admin_token())
                .status,
            200);
  const auto reply = api().get("/api/v1/audit?entity=student&limit=200", admin_token());
  ASSERT_EQ(reply.status, 200) << reply;
  bool saw_create = false, saw_update = false;
  const auto body = reply.json();
  for (const auto& entry : body["items"]) {
    if (entry["entity_id"] != student["id"] &&
        entry["entity_id"] != std::to_string(student["id"].get<std::int64_t>())) {
      continue;
    }
    EXPECT_EQ(entry["entity"], "student");
    if (entry["before"].is_null() && entry["after"].is_object()) {
      saw_create = true;
      EXPECT_EQ(entry["after"]["roll_number"], student["roll_number"]);
    }
    if (entry["before"].is_object() && entry["after"].is_object()) {
      saw_update = true;
      EXPECT_EQ(entry["before"]["name"], student["name"]);
      EXPECT_EQ(entry["after"]["name"], "Audited Name");
    }
  }
  EXPECT_TRUE(saw_create) << reply.body.substr(0, 3000);
  EXPECT_TRUE(saw_update) << reply.body.substr(0, 3000);
}

TEST_P(DirectoryApi, TheAuditLogIsForAdminsOnly) {
  const auto teacher = create_teacher();
  const auto token = api().login(teacher["username"], teacher["password"]);
  const auto reply = api().get("/api/v1/audit", token);
  EXPECT_EQ(reply.status, 403) << reply;
  EXPECT_EQ(reply.error_code(), "forbidden");
}

ROLLCALL_ON_BOTH_BACKENDS(DirectoryApi);

}  // namespace
}  // namespace rollcall::http_testing
