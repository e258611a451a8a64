// tests/http/roll_numbers_api_test.cc
//
// Roll numbers are unique within a class, not the school, and match in
// any case; a student's login is named after their registration number
// (PRN) or an explicit username, and a clash is reported on a field the
// form has. Against a real server.
#include "server_harness.h"

namespace rollcall::http_testing {
namespace {

class RollNumbersApi : public ServerTest {
 protected:
  Response add_student(std::int64_t class_id, const std::string& roll, const std::string& prn,
                       nlohmann::json extra = nlohmann::json::object()) {
    nlohmann::json body = {{"name", "Student " + roll},
                           {"roll_number", roll},
                           {"registration_number", prn},
                           {"class_id", class_id}};
    body.update(extra);
    return api().post("/api/v1/students", body, admin_token());
  }
};

TEST_P(RollNumbersApi, TwoClassesMayEachHaveRoll101) {
  const std::int64_t a = create_class()["id"];
  const std::int64_t b = create_class()["id"];
  const auto first = add_student(a, "101", unique("PRN"));
  ASSERT_EQ(first.status, 201) << first;
  const auto second = add_student(b, "101", unique("PRN"));
  EXPECT_EQ(second.status, 201) << second;
}

TEST_P(RollNumbersApi, ARollNumberRepeatedInOneClassInAnotherCaseIs409OnTheRollNumber) {
  const std::int64_t a = create_class()["id"];
  const auto roll = unique("cs-a");
  ASSERT_EQ(add_student(a, roll, unique("PRN")).status, 201);
  std::string upper = roll;
  for (auto& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  const auto again = add_student(a, upper, unique("PRN"));
  EXPECT_EQ(again.status, 409) << again;
  EXPECT_EQ(again.error_code(), "roll_number_taken");
  EXPECT_EQ(again.error_field(), "roll_number");
  EXPECT_NE(again.json()["error"]["message"].get<std::string>().find("this class"),
            std::string::npos)
      << again;
}

TEST_P(RollNumbersApi, ARegistrationNumberStaysUniqueAcrossTheSchool) {
  const std::int64_t a = create_class()["id"];
  const std::int64_t b = create_class()["id"];
  const auto prn = unique("PRN");
  ASSERT_EQ(add_student(a, "1", prn).status, 201);
  const auto again = add_student(b, "2", prn);
  EXPECT_EQ(again.status, 409) << again;
  EXPECT_EQ(again.error_code(), "registration_number_taken");
}

TEST_P(RollNumbersApi, StudentsWithRoll101InTwoClassesBothGetLoginsNamedByTheirPrn) {
  const auto prn_a = unique("PRN-A");
  const auto prn_b = unique("PRN-B");
  const auto a = add_student(create_class()["id"], "101", prn_a, {{"create_login", true}});
  const auto b = add_student(create_class()["id"], "101", prn_b, {{"create_login", true}});
  ASSERT_EQ(a.status, 201) << a;
  ASSERT_EQ(b.status, 201) << b;
  const auto login = api().login_reply(prn_b, b.json()["generated_password"]);
  ASSERT_EQ(login.status, 200) << login;
  EXPECT_EQ(login.json()["user"]["role"], "student");
  const auto me = api().get("/api/v1/me", login.json()["access_token"]);
  EXPECT_EQ(me.json()["student_id"], b.json()["id"]);
}

TEST_P(RollNumbersApi, AStudentLoginMayHaveAUsernameOfItsOwn) {
  const auto name = unique("priya");
  const auto made = add_student(create_class()["id"], "7", unique("PRN"),
                                {{"username", name}, {"password", "priyas-password-1"}});
  ASSERT_EQ(made.status, 201) << made;
  EXPECT_EQ(api().login_reply(name, "priyas-password-1").status, 200);
}

TEST_P(RollNumbersApi, ALoginClashIsReportedOnTheRegistrationNumberNotAUsernameField) {
  const auto prn = unique("PRN");
  std::string taken = prn;
  for (auto& c : taken) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  ASSERT_EQ(
      api().post("/api/v1/users", {{"username", taken}, {"role", "teacher"}}, admin_token()).status,
      201);
  const auto made = add_student(create_class()["id"], "8", prn, {{"create_login", true}});
  EXPECT_EQ(made.status, 409) << made;
  EXPECT_EQ(made.error_code(), "username_taken");
  EXPECT_EQ(made.error_field(), "registration_number");
  EXPECT_NE(made.json()["error"]["message"].get<std::string>().find("give the student a username"),
            std::string::npos)
      << made;
}

TEST_P(RollNumbersApi, AWebCheckInFindsTheRollNumberInAnyCase) {
  const std::int64_t class_id = create_class()["id"];
  const std::int64_t subject = create_subject()["id"];
  const std::int64_t teacher = create_teacher()["teacher"]["id"];
  ASSERT_EQ(api()
                .post("/api/v1/assignments",
                      {{"teacher_id", teacher}, {"class_id", class_id}, {"subject_id", subject}},
                      admin_token())
                .status,
            201);
  const auto roll = unique("IT-7A");
  ASSERT_EQ(add_student(class_id, roll, unique("PRN")).status, 201);
  const auto session = api().post("/api/v1/sessions",
                                  {{"class_id", class_id},
                                   {"subject_id", subject},
                                   {"teacher_id", teacher},
                                   {"starts_ms", 1'764'000'000'000},
                                   {"ends_ms", 1'764'003'600'000},
                                   {"method", "checkin"}},
                                  admin_token());
  ASSERT_EQ(session.status, 201) << session;
  std::string lower = roll;
  for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  const auto reply = api().post_multipart(
      "/api/v1/checkins", {{"session_id", "", std::to_string(session.json()["id"].get<int>()), ""},
                           {"code", "", "123456", ""},
                           {"roll_number", "", lower, ""},
                           {"latitude", "", "18.52", ""},
                           {"longitude", "", "73.85", ""},
                           {"accuracy_m", "", "5", ""}});
  // Found (so refused for the window, not as an unknown student).
  EXPECT_EQ(reply.error_code(), "no_open_window") << reply;
}

ROLLCALL_ON_BOTH_BACKENDS(RollNumbersApi);

}  // namespace
}  // namespace rollcall::http_testing
