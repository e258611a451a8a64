// tests/http/password_reset_api_test.cc
//
// An admin sets a new password for a user who forgot theirs; the user must
// then choose their own before the API serves them anything else. Against
// a real server.
#include "server_harness.h"

namespace rollcall::http_testing {
namespace {

class PasswordResetApi : public ServerTest {
 protected:
  // A fresh teacher: {"teacher", "username", "password", "user_id"}.
  nlohmann::json teacher() {
    auto t = create_teacher();
    t["user_id"] = t["teacher"]["user_id"];
    return t;
  }
  std::string reset_path(const nlohmann::json& t) {
    return "/api/v1/users/" + std::to_string(t["user_id"].get<std::int64_t>()) + "/password";
  }
};

TEST_P(PasswordResetApi, AnAdminSetsANewPasswordAndTheOldOneStopsWorking) {
  const auto t = teacher();
  const auto reply = api().post(reset_path(t), {{"password", "a-new-password-123"}}, admin_token());
  ASSERT_EQ(reply.status, 200) << reply;
  EXPECT_EQ(reply.json()["must_change_password"], true);
  EXPECT_FALSE(reply.json().contains("generated_password"));
  EXPECT_EQ(api().login_reply(t["username"], t["password"]).status, 401);
  const auto login = api().login_reply(t["username"], "a-new-password-123");
  ASSERT_EQ(login.status, 200) << login;
  EXPECT_EQ(login.json()["user"]["must_change_password"], true);
}

TEST_P(PasswordResetApi, WithoutAPasswordOneIsGeneratedAndReturnedOnce) {
  const auto t = teacher();
  const auto reply = api().post(reset_path(t), nlohmann::json::object(), admin_token());
  ASSERT_EQ(reply.status, 200) << reply;
  const std::string generated = reply.json().value("generated_password", "");
  EXPECT_EQ(generated.size(), 20u);
  EXPECT_EQ(api().login_reply(t["username"], generated).status, 200);
}

TEST_P(PasswordResetApi, AResetEndsEveryLoginOfTheUser) {
  const auto t = teacher();
  const auto before = api().login_reply(t["username"], t["password"]).json();
  ASSERT_EQ(api().post(reset_path(t), nlohmann::json::object(), admin_token()).status, 200);
  const auto refreshed =
      api().post("/api/v1/auth/refresh", {{"refresh_token", before["refresh_token"]}});
  EXPECT_EQ(refreshed.status, 401) << refreshed;
}

TEST_P(PasswordResetApi, UntilChangedOnlyThePasswordChangeAndWhoAmIAreServed) {
  const auto t = teacher();
  ASSERT_EQ(api().post(reset_path(t), {{"password", "temporary-password-1"}}, admin_token()).status,
            200);
  const auto token = api().login(t["username"], "temporary-password-1");
  const auto blocked = api().get("/api/v1/classes", token);
  EXPECT_EQ(blocked.status, 403) << blocked;
  EXPECT_EQ(blocked.error_code(), "password_change_required");
  EXPECT_NE(blocked.json()["error"]["message"].get<std::string>().find("choose a new password"),
            std::string::npos);
  const auto me = api().get("/api/v1/me", token);
  ASSERT_EQ(me.status, 200) << me;
  EXPECT_EQ(me.json()["must_change_password"], true);

  const auto changed = api().post(
      "/api/v1/auth/password",
      {{"current_password", "temporary-password-1"}, {"new_password", "my-very-own-password"}},
      token);
  ASSERT_EQ(changed.status, 204) << changed;
  const auto login = api().login_reply(t["username"], "my-very-own-password");
  ASSERT_EQ(login.status, 200) << login;
  EXPECT_EQ(login.json()["user"]["must_change_password"], false);
  EXPECT_EQ(api().get("/api/v1/classes", login.json()["access_token"]).status, 200);
}

TEST_P(PasswordResetApi, TheForcedChangeRefusesTheSamePasswordAgain) {
  const auto t = teacher();
  ASSERT_EQ(api().post(reset_path(t), {{"password", "temporary-password-2"}}, admin_token()).status,
            200);
  const auto token = api().login(t["username"], "temporary-password-2");
  const auto same = api().post(
      "/api/v1/auth/password",
      {{"current_password", "temporary-password-2"}, {"new_password", "temporary-password-2"}},
      token);
  EXPECT_EQ(same.status, 400) << same;
  EXPECT_EQ(same.error_code(), "password_unchanged");
  EXPECT_EQ(same.error_field(), "new_password");
}

TEST_P(PasswordResetApi, AResetIsAuditedWithoutThePassword) {
  const auto t = teacher();
  ASSERT_EQ(api().post(reset_path(t), {{"password", "audited-password-1"}}, admin_token()).status,
            200);
  const auto log = api().get("/api/v1/audit?entity=user", admin_token());
  ASSERT_EQ(log.status, 200) << log;
  bool found = false;
  const auto entries = log.json()["items"];
  for (const auto& entry : entries) {
    if (entry.value("action", "") == "user.password_reset" &&
        entry.value("entity_id", std::int64_t{0}) == t["user_id"].get<std::int64_t>()) {
      found = true;
    }
  }
  EXPECT_TRUE(found) << log;
  EXPECT_EQ(log.body.find("audited-password-1"), std::string::npos);
  EXPECT_EQ(log.body.find("argon2"), std::string::npos);
}

TEST_P(PasswordResetApi, OnlyAnAdminMaySetAnotherUsersPassword) {
  const auto t = teacher();
  const auto other = teacher();
  const auto token = api().login(t["username"], t["password"]);
  const auto reply = api().post(reset_path(other), {{"password", "hijacked-password-1"}}, token);
  EXPECT_EQ(reply.status, 403) << reply;
  EXPECT_EQ(reply.error_code(), "forbidden");
}

TEST_P(PasswordResetApi, AShortPasswordIsRefusedNamingTheField) {
  const auto t = teacher();
  const auto reply = api().post(reset_path(t), {{"password", "short"}}, admin_token());
  EXPECT_EQ(reply.status, 400) << reply;
  EXPECT_EQ(reply.error_code(), "password_too_short");
  EXPECT_EQ(reply.error_field(), "password");
}

TEST_P(PasswordResetApi, AnUnknownUserIs404) {
  const auto reply =
      api().post("/api/v1/users/999999999/password", nlohmann::json::object(), admin_token());
  EXPECT_EQ(reply.status, 404) << reply;
  EXPECT_EQ(reply.error_code(), "user_not_found");
}

TEST_P(PasswordResetApi, TheCommandLineResetsALockedOutAdminsPasswordOnTheDatabase) {
  // A second admin, so the suite's own admin token stays valid.
  const auto name = unique("admin");
  const auto made = api().post(
      "/api/v1/users", {{"username", name}, {"role", "admin"}, {"password", "forgotten-pass-1"}},
      admin_token());
  ASSERT_EQ(made.status, 201) << made;
  const auto [status, output] = server().run_command({"user", "reset-password", name});
  ASSERT_EQ(status, 0) << output;
  const std::string marker = "New password for " + name + ": ";
  const auto at = output.find(marker);
  ASSERT_NE(at, std::string::npos) << output;
  const std::string password = output.substr(at + marker.size(), 20);
  EXPECT_EQ(api().login_reply(name, "forgotten-pass-1").status, 401);
  const auto login = api().login_reply(name, password);
  ASSERT_EQ(login.status, 200) << login << "\n" << output;
  EXPECT_EQ(login.json()["user"]["must_change_password"], true);
}

TEST_P(PasswordResetApi, TheCommandLineNamesAnUnknownUser) {
  const auto [status, output] = server().run_command({"user", "reset-password", "nobody-here"});
  EXPECT_NE(status, 0);
  EXPECT_NE(output.find("no user is called \"nobody-here\""), std::string::npos) << output;
}

ROLLCALL_ON_BOTH_BACKENDS(PasswordResetApi);

}  // namespace
}  // namespace rollcall::http_testing
