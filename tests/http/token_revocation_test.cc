// tests/http/token_revocation_test.cc
//
// Access tokens end with their login (issue 16, defect 11): at logout,
// after refresh-token reuse, after a password change or an admin's reset,
// and a token from before a disable stays dead after the account is
// enabled again. Against a real server, on both back ends.
#include <atomic>
#include <thread>
#include <vector>

#include "server_harness.h"

namespace rollcall::http_testing {
namespace {

class TokenRevocation : public ServerTest {
 protected:
  // A fresh teacher: {"username", "password", "user_id"}.
  nlohmann::json teacher() {
    auto t = create_teacher();
    t["user_id"] = t["teacher"]["user_id"];
    return t;
  }
  nlohmann::json login(const nlohmann::json& t) {
    const auto reply = api().login_reply(t["username"], t["password"]);
    EXPECT_EQ(reply.status, 200) << reply;
    return reply.json();
  }
  Response me(const nlohmann::json& pair) {
    return api().get("/api/v1/me", pair.value("access_token", ""));
  }
  Response refresh(const nlohmann::json& pair) {
    return api().post("/api/v1/auth/refresh", {{"refresh_token", pair["refresh_token"]}});
  }
  std::string user_path(const nlohmann::json& t) {
    return "/api/v1/users/" + std::to_string(t["user_id"].get<std::int64_t>());
  }
};

// What the web UI treats as signed out.
void expect_signed_out(const Response& reply) {
  EXPECT_EQ(reply.status, 401) << reply;
  EXPECT_EQ(reply.error_code(), "token_invalid") << reply;
}

TEST_P(TokenRevocation, AnAccessTokenStopsWorkingAtLogout) {
  const auto pair = login(teacher());
  ASSERT_EQ(me(pair).status, 200);
  const auto out = api().post("/api/v1/auth/logout", {{"refresh_token", pair["refresh_token"]}});
  ASSERT_EQ(out.status, 204) << out;
  expect_signed_out(me(pair));
}

TEST_P(TokenRevocation, ALogoutEndsOnlyThatLogin) {
  const auto t = teacher();
  const auto phone = login(t);
  const auto laptop = login(t);
  ASSERT_EQ(api().post("/api/v1/auth/logout", {{"refresh_token", phone["refresh_token"]}}).status,
            204);
  expect_signed_out(me(phone));
  EXPECT_EQ(me(laptop).status, 200);
  EXPECT_EQ(refresh(laptop).status, 200);
}

TEST_P(TokenRevocation, AnAccessTokenStopsWorkingAfterRefreshTokenReuse) {
  const auto first = login(teacher());
  const auto second_reply = refresh(first);
  ASSERT_EQ(second_reply.status, 200) << second_reply;
  const auto second = second_reply.json();
  ASSERT_EQ(me(second).status, 200);
  const auto reused = refresh(first);
  EXPECT_EQ(reused.status, 401) << reused;
  EXPECT_EQ(reused.error_code(), "refresh_token_reused");
  expect_signed_out(me(second));
  expect_signed_out(me(first));
}

TEST_P(TokenRevocation, TwoSimultaneousRefreshesOfOneTokenGiveAtMostOnePair) {
  const auto pair = login(teacher());
  std::atomic<int> granted = 0;
  std::atomic<bool> go = false;
  std::vector<std::thread> pool;
  for (int i = 0; i < 8; ++i) {
    pool.emplace_back([&] {
      while (!go) std::this_thread::yield();
      if (refresh(pair).status == 200) ++granted;
    });
  }
  go = true;
  for (auto& thread : pool) thread.join();
  EXPECT_LE(granted, 1);
}

TEST_P(TokenRevocation, AnAccessTokenStopsWorkingAfterAPasswordChange) {
  const auto t = teacher();
  const auto here = login(t);
  const auto elsewhere = login(t);
  const auto changed =
      api().post("/api/v1/auth/password",
                 {{"current_password", t["password"]}, {"new_password", "a-brand-new-password-1"}},
                 here["access_token"]);
  ASSERT_EQ(changed.status, 204) << changed;
  expect_signed_out(me(elsewhere));
  expect_signed_out(me(here));
  EXPECT_EQ(api().login_reply(t["username"], "a-brand-new-password-1").status, 200);
}

TEST_P(TokenRevocation, AnAccessTokenStopsWorkingAfterAReset) {
  const auto t = teacher();
  const auto pair = login(t);
  ASSERT_EQ(me(pair).status, 200);
  const auto reset =
      api().post(user_path(t) + "/password", {{"password", "reset-by-the-admin-1"}}, admin_token());
  ASSERT_EQ(reset.status, 200) << reset;
  expect_signed_out(me(pair));
}

TEST_P(TokenRevocation, ATokenFromBeforeADisableStaysDeadAfterReEnable) {
  const auto t = teacher();
  const auto pair = login(t);
  ASSERT_EQ(me(pair).status, 200);
  ASSERT_EQ(api().patch(user_path(t), {{"is_active", false}}, admin_token()).status, 200);
  EXPECT_EQ(me(pair).error_code(), "account_disabled");
  ASSERT_EQ(api().patch(user_path(t), {{"is_active", true}}, admin_token()).status, 200);
  expect_signed_out(me(pair));
  EXPECT_EQ(refresh(pair).status, 401);
  EXPECT_EQ(me(login(t)).status, 200) << "a new login works";
}

ROLLCALL_ON_BOTH_BACKENDS(TokenRevocation);

}  // namespace
}  // namespace rollcall::http_testing
