// tests/http/login_limits_test.cc
//
// Login limits that hold under attack (issue 16): simultaneous guesses
// cannot slip past the limit (defect 3), a huge username is refused before
// it reaches the limiter (defect 4), and strangers guessing from many
// addresses cannot lock the real owner out (defect 5). Against a real
// server: Linux routes all of 127.0.0.0/8 to this host, so a socket bound
// to 127.0.0.7 before connect() reaches it, and the server sees that
// address.

#include <atomic>
#include <chrono>
#include <cstdio>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "http/raw_client.h"
#include "server_harness.h"

namespace rollcall::http_testing {
namespace {

// The status and error code of one login sent from `source_ip`: a plain
// HTTP/1.1 request on a socket bound to that address (httplib's client
// cannot choose its source address). {0, why} when it did not get through.
std::pair<int, std::string> login_from(int port, const std::string& source_ip,
                                       const std::string& username, const std::string& password) {
  RawConnection connection(port, source_ip);
  if (!connection.is_connected()) return {0, "connect"};
  const std::string body = nlohmann::json{{"username", username}, {"password", password}}.dump();
  const std::string request =
      "POST /api/v1/auth/login HTTP/1.1\r\nHost: 127.0.0.1\r\n"
      "Content-Type: application/json\r\nConnection: close\r\n"
      "Content-Length: " +
      std::to_string(body.size()) + "\r\n\r\n" + body;
  if (!connection.send(request)) return {0, "send"};
  const std::string reply = connection.read(std::chrono::seconds(30));
  int status = 0;
  if (std::sscanf(reply.c_str(), "HTTP/1.%*d %d", &status) != 1) return {0, "no reply"};
  // The error body is small JSON; its code is all these tests need.
  for (const char* code : {"login_failed", "rate_limited", "invalid_field"}) {
    if (reply.find("\"" + std::string(code) + "\"") != std::string::npos) return {status, code};
  }
  return {status, ""};
}

// Answers by error code ("" for a login that worked) of `count` logins
// sent at once, the i-th from address(i).
std::map<std::string, int> logins_at_once(int port, int count,
                                          const std::function<std::string(int)>& address,
                                          const std::string& username,
                                          const std::string& password) {
  std::mutex mutex;
  std::map<std::string, int> answers;
  std::atomic<bool> go = false;
  std::vector<std::thread> pool;
  for (int i = 0; i < count; ++i) {
    pool.emplace_back([&, i] {
      while (!go) std::this_thread::yield();
      const auto [status, code] = login_from(port, address(i), username, password);
      std::lock_guard lock(mutex);
      ++answers[status == 0 ? "transport: " + code : code];
    });
  }
  go = true;
  for (auto& thread : pool) thread.join();
  return answers;
}

std::string loopback(int i) { return "127.0.0." + std::to_string(2 + i); }

// 5 guesses a minute per account and address, 10 an hour per account.
constexpr int kPerPair = 5;
constexpr int kPerAccount = 10;

class LoginLimitsApi : public ServerTest {
 protected:
  std::vector<std::pair<std::string, std::string>> flags() const override {
    return {{"--login-attempts-per-minute-ip", "100000"},
            {"--login-attempts-per-minute-account", std::to_string(kPerPair)},
            {"--login-attempts-per-hour-account", std::to_string(kPerAccount)}};
  }
};

TEST_P(LoginLimitsApi, SimultaneousGuessesFromOneAddressTryAtMostTheLimit) {
  const auto teacher = create_teacher();
  const auto start = std::chrono::steady_clock::now();
  auto answers = logins_at_once(
      api().port(), 60, [](int) { return std::string("127.0.0.1"); }, teacher["username"],
      "not-the-password-1");
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  // The bucket refills one guess per 12 s while the test runs.
  EXPECT_LE(answers["login_failed"], kPerPair + static_cast<int>(seconds / 12));
  EXPECT_GE(answers["login_failed"], 1);
  EXPECT_EQ(answers["login_failed"] + answers["rate_limited"], 60)
      << ::testing::PrintToString(answers);
}

TEST_P(LoginLimitsApi, SimultaneousGuessesFromManyAddressesTryAtMostTheAccountTotal) {
  const auto teacher = create_teacher();
  auto answers = logins_at_once(api().port(), 60, loopback, teacher["username"], "not-it-1234");
  EXPECT_LE(answers["login_failed"], kPerAccount);  // refills one per 6 minutes
  EXPECT_GE(answers["login_failed"], 1);
  EXPECT_EQ(answers["login_failed"] + answers["rate_limited"], 60)
      << ::testing::PrintToString(answers);
}

TEST_P(LoginLimitsApi, AUsernameLongerThanAnyAccountsIs400BeforeTheLimiter) {
  const std::string huge(100'000, 'a');
  for (int i = 0; i < 3 * kPerPair; ++i) {
    const auto reply = api().login_reply(huge + std::to_string(i), "whatever-password");
    ASSERT_EQ(reply.status, 400) << reply;
    EXPECT_EQ(reply.error_code(), "invalid_field");
    EXPECT_EQ(reply.error_field(), "username");
  }
  // None of them counted: the same address may still try a real one.
  EXPECT_EQ(api().login_reply(std::string(64, 'a'), "whatever-password").error_code(),
            "login_failed");
}

TEST_P(LoginLimitsApi, AHundredStrangersCannotLockTheAdminOutOfTheirUsualAddress) {
  // The admin has logged in from here before (this suite's token).
  ASSERT_FALSE(admin_token().empty());
  auto answers = logins_at_once(api().port(), 100, loopback, "admin", "guessing-the-admin-1");
  EXPECT_LE(answers["login_failed"], kPerAccount);
  EXPECT_EQ(answers["login_failed"] + answers["rate_limited"], 100)
      << ::testing::PrintToString(answers);
  const auto [status, code] = login_from(api().port(), "127.0.0.1", "admin", kAdminPassword);
  EXPECT_EQ(status, 200) << code;
}

TEST_P(LoginLimitsApi, AUserWhoLogsInOftenIsNeverLimited) {
  const auto teacher = create_teacher();
  for (int i = 0; i < 3 * kPerPair; ++i) {
    const auto [status, code] =
        login_from(api().port(), "127.0.0.250", teacher["username"], teacher["password"]);
    ASSERT_EQ(status, 200) << i << " " << code;
  }
}

// The limits live in the server's memory, whatever the database.
INSTANTIATE_TEST_SUITE_P(Sqlite, LoginLimitsApi, ::testing::Values(Backend::sqlite), backend_name);

}  // namespace
}  // namespace rollcall::http_testing
