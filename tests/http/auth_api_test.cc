// tests/http/auth_api_test.cc
//
// Logging in, refresh-token rotation, logout, password changes, and what
// a bad or missing access token gets, against a real server.
#include <thread>

#include "server_harness.h"

namespace rollcall::http_testing {
namespace {

using namespace std::chrono_literals;

class AuthApi : public ServerTest {
 protected:
  // A fresh teacher's login reply, so password changes touch nobody else.
  nlohmann::json teacher_login() {
    const auto teacher = create_teacher();
    const auto reply = api().login_reply(teacher["username"], teacher["password"]);
    EXPECT_EQ(reply.status, 200) << reply;
    auto body = reply.json();
    body["password"] = teacher["password"];
    return body;
  }

  Response refresh(const std::string& token) {
    return api().post("/api/v1/auth/refresh", {{"refresh_token", token}});
  }
};

TEST_P(AuthApi, AdminLogsInWithThePasswordItWasStartedWith) {
  const auto reply = api().login_reply("admin", kAdminPassword);
  ASSERT_EQ(reply.status, 200) << reply;
  const auto body = reply.json();
  EXPECT_EQ(body["token_type"], "Bearer");
  EXPECT_FALSE(body.value("access_token", "").empty());
  EXPECT_FALSE(body.value("refresh_token", "").empty());
  EXPECT_EQ(body["user"]["role"], "admin");
  const auto me = api().get("/api/v1/me", body["access_token"]);
  ASSERT_EQ(me.status, 200) << me;
  EXPECT_EQ(me.json()["username"], "admin");
  EXPECT_EQ(me.json()["role"], "admin");
}

TEST_P(AuthApi, AWrongPasswordIs401LoginFailed) {
  const auto reply = api().login_reply("admin", "not-the-password-at-all");
  EXPECT_EQ(reply.status, 401) << reply;
  EXPECT_EQ(reply.error_code(), "login_failed");
}

TEST_P(AuthApi, AnUnknownUserGetsTheSameLoginFailed) {
  const auto reply = api().login_reply(unique("nobody"), "whatever-password");
  EXPECT_EQ(reply.status, 401) << reply;
  EXPECT_EQ(reply.error_code(), "login_failed");
}

TEST_P(AuthApi, RefreshGivesANewPairThatWorks) {
  const auto login = teacher_login();
  const auto reply = refresh(login["refresh_token"]);
  ASSERT_EQ(reply.status, 200) << reply;
  const auto pair = reply.json();
  EXPECT_NE(pair["refresh_token"], login["refresh_token"]);
  EXPECT_EQ(api().get("/api/v1/me", pair["access_token"]).status, 200);
}

TEST_P(AuthApi, ReusingARotatedRefreshTokenIs401AndRevokesTheNewOneToo) {
  const auto login = teacher_login();
  const auto rotated = refresh(login["refresh_token"]);
  ASSERT_EQ(rotated.status, 200) << rotated;
  const auto reused = refresh(login["refresh_token"]);
  EXPECT_EQ(reused.status, 401) << reused;
  EXPECT_EQ(reused.error_code(), "refresh_token_reused");
  const auto after = refresh(rotated.json()["refresh_token"]);
  EXPECT_EQ(after.status, 401) << after;
  EXPECT_TRUE(after.error_code().starts_with("refresh_token_")) << after;
}

TEST_P(AuthApi, AnUnknownRefreshTokenIs401RefreshTokenInvalid) {
  const auto reply = refresh("made-up-refresh-token");
  EXPECT_EQ(reply.status, 401) << reply;
  EXPECT_EQ(reply.error_code(), "refresh_token_invalid");
}

TEST_P(AuthApi, LogoutEndsTheRefreshToken) {
  const auto login = teacher_login();
  const auto out = api().post("/api/v1/auth/logout", {{"refresh_token", login["refresh_token"]}});
  ASSERT_EQ(out.status, 204) << out;
  const auto reply = refresh(login["refresh_token"]);
  EXPECT_EQ(reply.status, 401) << reply;
  EXPECT_TRUE(reply.error_code().starts_with("refresh_token_")) << reply;
}

TEST_P(AuthApi, LoggingOutTwiceIsNotAnError) {
  const auto login = teacher_login();
  ASSERT_EQ(api().post("/api/v1/auth/logout", {{"refresh_token", login["refresh_token"]}}).status,
            204);
  EXPECT_EQ(api().post("/api/v1/auth/logout", {{"refresh_token", login["refresh_token"]}}).status,
            204);
}

TEST_P(AuthApi, ChangingThePasswordEndsOldRefreshTokensAndTheNewPasswordWorks) {
  const auto login = teacher_login();
  const std::string username = login["user"]["username"];
  const auto changed = api().post(
      "/api/v1/auth/password",
      {{"current_password", login["password"]}, {"new_password", "a-brand-new-password"}},
      login["access_token"]);
  ASSERT_EQ(changed.status, 204) << changed;
  const auto old_refresh = refresh(login["refresh_token"]);
  EXPECT_EQ(old_refresh.status, 401) << old_refresh;
  EXPECT_EQ(api().login_reply(username, login["password"]).status, 401);
  EXPECT_EQ(api().login_reply(username, "a-brand-new-password").status, 200);
}

TEST_P(AuthApi, ChangingThePasswordWithAWrongCurrentOneIs403PasswordWrong) {
  const auto login = teacher_login();
  const auto reply = api().post(
      "/api/v1/auth/password",
      {{"current_password", "wrong-current-password"}, {"new_password", "another-new-password"}},
      login["access_token"]);
  EXPECT_EQ(reply.status, 403) << reply;
  EXPECT_EQ(reply.error_code(), "password_wrong");
}

TEST_P(AuthApi, AShortNewPasswordIs400PasswordTooShort) {
  const auto login = teacher_login();
  const auto reply = api().post(
      "/api/v1/auth/password", {{"current_password", login["password"]}, {"new_password", "short"}},
      login["access_token"]);
  EXPECT_EQ(reply.status, 400) << reply;
  EXPECT_EQ(reply.error_code(), "password_too_short");
}

TEST_P(AuthApi, AMissingTokenIs401UnauthenticatedWithWwwAuthenticate) {
  const auto reply = api().get("/api/v1/classes");
  EXPECT_EQ(reply.status, 401) << reply;
  EXPECT_EQ(reply.error_code(), "unauthenticated");
  EXPECT_EQ(reply.header("WWW-Authenticate"), "Bearer");
}

TEST_P(AuthApi, ATamperedSignatureIs401TokenInvalid) {
  std::string token = admin_token();
  ASSERT_FALSE(token.empty());
  // Flip a character in the middle of the signature (the last segment);
  // the final character can carry padding bits that decode the same.
  const auto dot = token.rfind('.');
  const auto at = dot + (token.size() - dot) / 2;
  token[at] = token[at] == 'A' ? 'B' : 'A';
  const auto reply = api().get("/api/v1/classes", token);
  EXPECT_EQ(reply.status, 401) << reply;
  EXPECT_EQ(reply.error_code(), "token_invalid");
}

TEST_P(AuthApi, GarbageInsteadOfATokenIs401TokenInvalid) {
  const auto reply = api().get("/api/v1/classes", "not.a.jwt");
  EXPECT_EQ(reply.status, 401) << reply;
  EXPECT_EQ(reply.error_code(), "token_invalid");
}

TEST_P(AuthApi, ADisabledUsersTokenStopsWorking) {
  const auto login = teacher_login();
  const auto user_id = login["user"]["id"].get<std::int64_t>();
  const auto disabled = api().patch("/api/v1/users/" + std::to_string(user_id),
                                    {{"is_active", false}}, admin_token());
  ASSERT_EQ(disabled.status, 200) << disabled;
  const auto reply = api().get("/api/v1/me", login["access_token"]);
  EXPECT_EQ(reply.status, 403) << reply;
  EXPECT_EQ(reply.error_code(), "account_disabled");
}

ROLLCALL_ON_BOTH_BACKENDS(AuthApi);

// A server with tight limits: 1 s access tokens, 3 logins per account per
// minute, 100 000-byte bodies.
class LimitsApi : public ServerTest {
 protected:
  std::vector<std::pair<std::string, std::string>> flags() const override {
    return {{"--access-token-ttl-s", "1"},
            {"--login-attempts-per-minute-account", "3"},
            {"--max-body-bytes", "100000"}};
  }
};

TEST_P(LimitsApi, AnExpiredAccessTokenIs401TokenExpired) {
  const auto token = api().login("admin", kAdminPassword);
  ASSERT_EQ(api().get("/api/v1/me", token).status, 200);
  std::this_thread::sleep_for(2100ms);
  const auto reply = api().get("/api/v1/me", token);
  EXPECT_EQ(reply.status, 401) << reply;
  EXPECT_EQ(reply.error_code(), "token_expired");
}

TEST_P(LimitsApi, TooManyLoginsForOneAccountAre429WithRetryAfter) {
  const auto username = unique("victim");
  Response last;
  for (int i = 0; i < 4; ++i)
    last = api().login_reply(username, "guessing-password-" + std::to_string(i));
  EXPECT_EQ(last.status, 429) << last;
  EXPECT_EQ(last.error_code(), "rate_limited");
  const auto retry_after = last.header("Retry-After");
  ASSERT_FALSE(retry_after.empty());
  EXPECT_GE(std::stoi(retry_after), 1);
  EXPECT_LE(std::stoi(retry_after), 60);
}

TEST_P(LimitsApi, ABodyOverMaxBodyBytesIs413BodyTooLarge) {
  const std::string body = "{\"name\":\"" + std::string(150'000, 'x') + "\"}";
  // No token needed: the size is refused before anything else is read.
  const auto reply = api().send("POST", "/api/v1/classes", body, "application/json");
  EXPECT_EQ(reply.status, 413) << reply;
  EXPECT_EQ(reply.error_code(), "body_too_large");
}

TEST_P(LimitsApi, AMultipartOverMaxBodyBytesIs413BodyTooLarge) {
  const auto reply =
      api().post_multipart("/api/v1/students/1/photos",
                           {{"photos", "big.jpg", std::string(200'000, 'j'), "image/jpeg"}});
  EXPECT_EQ(reply.status, 413) << reply;
  EXPECT_EQ(reply.error_code(), "body_too_large");
}

ROLLCALL_ON_BOTH_BACKENDS(LimitsApi);

TEST_P(AuthApi, ATeacherGetsAOneTimeTelegramLinkCode) {
  const auto teacher = create_teacher();
  const auto token = api().login(teacher["username"], teacher["password"]);
  ASSERT_FALSE(token.empty());
  const auto first = api().post("/api/v1/me/telegram-link-code", nlohmann::json::object(), token);
  ASSERT_EQ(first.status, 201) << first;
  const std::string code = first.json().value("code", "");
  EXPECT_EQ(code.size(), 8u) << first;
  EXPECT_FALSE(first.json().value("expires_at", "").empty()) << first;
  // Each call makes a new code.
  const auto second = api().post("/api/v1/me/telegram-link-code", nlohmann::json::object(), token);
  ASSERT_EQ(second.status, 201) << second;
  EXPECT_NE(second.json().value("code", ""), code);
  // Admins have no teacher profile to link.
  const auto admin =
      api().post("/api/v1/me/telegram-link-code", nlohmann::json::object(), admin_token());
  EXPECT_EQ(admin.status, 403) << admin;
}

}  // namespace
}  // namespace rollcall::http_testing
