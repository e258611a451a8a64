// tests/domain/login_limits_test.cc
//
// The login allowances (issue 16, defects 3 and 5): reserved before the
// password is checked, per address, per account and address, and per
// account, where the last does not apply from an address the account
// logged in from before.
#include "domain/login_limits.h"

#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

namespace rollcall::domain {
namespace {

LoginLimitsOptions options(int per_address, int per_pair, int per_account) {
  LoginLimitsOptions out;
  out.per_address_per_minute = per_address;
  out.per_account_address_per_minute = per_pair;
  out.per_account_per_hour = per_account;
  return out;
}

TEST(LoginLimits, SimultaneousAttemptsFromOneAddressReserveAtMostThePairLimit) {
  LoginLimits limits(options(1000, 5, 1000));
  std::atomic<int> reserved = 0;
  std::atomic<bool> go = false;
  std::vector<std::thread> pool;
  for (int i = 0; i < 60; ++i) {
    pool.emplace_back([&] {
      while (!go) std::this_thread::yield();
      int retry_after_s = 0;
      if (limits.reserve("admin", "10.0.0.1", retry_after_s)) ++reserved;
    });
  }
  go = true;
  for (auto& thread : pool) thread.join();
  EXPECT_EQ(reserved, 5);
}

TEST(LoginLimits, AStrangerUsingUpThePairLimitLeavesTheOwnersAddressAlone) {
  LoginLimits limits(options(1000, 3, 1000));
  int retry_after_s = 0;
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(limits.reserve("admin", "10.0.0.66", retry_after_s));
  EXPECT_FALSE(limits.reserve("admin", "10.0.0.66", retry_after_s));
  EXPECT_TRUE(limits.reserve("admin", "10.0.0.1", retry_after_s));
}

TEST(LoginLimits, TheAccountTotalSparesAnAddressThatLoggedInBefore) {
  LoginLimits limits(options(1000, 1000, 5));
  int retry_after_s = 0;
  auto usual = limits.reserve("admin", "10.0.0.1", retry_after_s);
  ASSERT_TRUE(usual);
  limits.succeeded(*usual);
  for (int i = 0; i < 100; ++i)
    (void)limits.reserve("admin", "10.1.0." + std::to_string(i), retry_after_s);
  EXPECT_FALSE(limits.reserve("admin", "10.2.0.1", retry_after_s)) << "a new address waits";
  EXPECT_GE(retry_after_s, 1);
  EXPECT_TRUE(limits.reserve("admin", "10.0.0.1", retry_after_s)) << "the usual one does not";
}

TEST(LoginLimits, ASuccessGivesTheAttemptBack) {
  LoginLimits limits(options(1, 1, 1));
  int retry_after_s = 0;
  for (int i = 0; i < 20; ++i) {
    auto attempt = limits.reserve("teacher", "10.0.0.1", retry_after_s);
    ASSERT_TRUE(attempt) << i;
    limits.succeeded(*attempt);
  }
}

TEST(LoginLimits, AnAttemptThatWasNotAGuessIsGivenBack) {
  LoginLimits limits(options(1, 1, 1));
  int retry_after_s = 0;
  for (int i = 0; i < 20; ++i) {
    auto attempt = limits.reserve("disabled", "10.0.0.1", retry_after_s);
    ASSERT_TRUE(attempt) << i;
    limits.not_counted(*attempt);
  }
  EXPECT_EQ(limits.size(), 0u);
}

TEST(LoginLimits, ARefusalByALaterAllowanceGivesTheEarlierOnesBack) {
  LoginLimits limits(options(2, 1, 1000));
  int retry_after_s = 0;
  ASSERT_TRUE(limits.reserve("a", "10.0.0.1", retry_after_s));
  // "a" from here is refused by the pair limit; the address keeps its second event.
  for (int i = 0; i < 10; ++i) EXPECT_FALSE(limits.reserve("a", "10.0.0.1", retry_after_s));
  EXPECT_TRUE(limits.reserve("b", "10.0.0.1", retry_after_s));
}

TEST(LoginLimits, RememberedAddressesAreBounded) {
  LoginLimits limits(options(1'000'000, 1'000'000, 1'000'000));
  int retry_after_s = 0;
  for (std::size_t i = 0; i < LoginLimits::kAccountsRemembered + 500; ++i) {
    auto attempt = limits.reserve("user" + std::to_string(i), "10.0.0.1", retry_after_s);
    ASSERT_TRUE(attempt);
    limits.succeeded(*attempt);
  }
  EXPECT_EQ(limits.size(), LoginLimits::kAccountsRemembered);
}

}  // namespace
}  // namespace rollcall::domain
