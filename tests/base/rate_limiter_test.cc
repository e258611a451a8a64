// tests/base/rate_limiter_test.cc
//
// The token bucket under concurrency, its memory bound, and that a flood
// of new keys cannot reset a key that is limited (issue 16, defects 3, 4).
#include "base/rate_limiter.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

namespace rollcall {
namespace {

using namespace std::chrono_literals;

int takes_at_once(RateLimiter& limiter, const std::string& key, int threads) {
  std::atomic<int> allowed = 0;
  std::atomic<bool> go = false;
  std::vector<std::thread> pool;
  for (int i = 0; i < threads; ++i) {
    pool.emplace_back([&] {
      while (!go) std::this_thread::yield();
      int retry_after_s = 0;
      if (limiter.try_take(key, retry_after_s)) ++allowed;
    });
  }
  go = true;
  for (auto& thread : pool) thread.join();
  return allowed;
}

TEST(RateLimiter, SimultaneousTakersGetNoMoreThanTheAllowance) {
  RateLimiter limiter(5, std::chrono::hours(1));
  EXPECT_EQ(takes_at_once(limiter, "admin", 64), 5);
}

TEST(RateLimiter, ARefusalSaysWhenToRetry) {
  RateLimiter limiter(2, std::chrono::minutes(1));
  int retry_after_s = 0;
  ASSERT_TRUE(limiter.try_take("k", retry_after_s));
  ASSERT_TRUE(limiter.try_take("k", retry_after_s));
  ASSERT_FALSE(limiter.try_take("k", retry_after_s));
  EXPECT_GE(retry_after_s, 29);  // one event per 30 s
  EXPECT_LE(retry_after_s, 30);
}

TEST(RateLimiter, AnEventGivenBackCanBeTakenAgain) {
  RateLimiter limiter(1, std::chrono::hours(1));
  int retry_after_s = 0;
  for (int i = 0; i < 100; ++i) {
    ASSERT_TRUE(limiter.try_take("often", retry_after_s)) << i;
    limiter.give_back("often");
  }
  EXPECT_EQ(limiter.size(), 0u) << "a full bucket is not kept";
}

TEST(RateLimiter, ABucketIsForgottenOnceItHasRefilled) {
  RateLimiter limiter(10, std::chrono::seconds(1));  // refills in 0.1 s per event
  int retry_after_s = 0;
  ASSERT_TRUE(limiter.try_take("a", retry_after_s));
  ASSERT_TRUE(limiter.try_take("b", retry_after_s));
  EXPECT_EQ(limiter.size(), 2u);
  std::this_thread::sleep_for(150ms);
  EXPECT_EQ(limiter.size(), 0u);
}

TEST(RateLimiter, LongKeysAreHeldAsAFixedSizeDigest) {
  const std::string huge(20'000'000, 'x');
  EXPECT_EQ(bounded_key(huge).size(), 1 + crypto_generichash_BYTES);
  EXPECT_NE(bounded_key(huge), bounded_key(huge + "y"));
  EXPECT_EQ(bounded_key("admin"), "=admin");
  // A short key cannot pose as a long key's digest.
  EXPECT_NE(bounded_key(bounded_key(huge).substr(1)), bounded_key(huge));
  RateLimiter limiter(1, std::chrono::hours(1));
  int retry_after_s = 0;
  ASSERT_TRUE(limiter.try_take(huge, retry_after_s));
  EXPECT_FALSE(limiter.try_take(huge, retry_after_s));
  EXPECT_TRUE(limiter.try_take(huge + "y", retry_after_s));
}

TEST(RateLimiter, TheNumberOfKeysStaysAtTheCap) {
  RateLimiter limiter(3, std::chrono::hours(1), 100);
  int retry_after_s = 0;
  int refused = 0;
  for (int i = 0; i < 10'000; ++i) {
    if (!limiter.try_take(std::string(1000, 'k') + std::to_string(i), retry_after_s)) ++refused;
  }
  EXPECT_EQ(limiter.size(), 100u);
  EXPECT_EQ(refused, 10'000 - 100);
  EXPECT_GE(retry_after_s, 1);
}

TEST(RateLimiter, AFloodOfNewKeysDoesNotResetALimitedKey) {
  RateLimiter limiter(1, std::chrono::hours(1), 50);
  int retry_after_s = 0;
  ASSERT_TRUE(limiter.try_take("victim", retry_after_s));
  ASSERT_FALSE(limiter.try_take("victim", retry_after_s));
  for (int i = 0; i < 5'000; ++i)
    (void)limiter.try_take("flood" + std::to_string(i), retry_after_s);
  EXPECT_FALSE(limiter.try_take("victim", retry_after_s));
  EXPECT_LE(limiter.size(), 50u);
}

TEST(RateLimiter, FullBucketsMakeRoomForNewKeys) {
  RateLimiter limiter(10, std::chrono::seconds(1), 10);  // 0.1 s to refill one event
  int retry_after_s = 0;
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(limiter.try_take(std::to_string(i), retry_after_s));
  EXPECT_FALSE(limiter.try_take("new", retry_after_s));
  std::this_thread::sleep_for(150ms);
  EXPECT_TRUE(limiter.try_take("new", retry_after_s));
}

TEST(RateLimiter, ZeroEventsMeansNoLimit) {
  RateLimiter limiter(0);
  int retry_after_s = 0;
  for (int i = 0; i < 100; ++i) EXPECT_TRUE(limiter.try_take("k", retry_after_s));
  EXPECT_EQ(limiter.size(), 0u);
}

}  // namespace
}  // namespace rollcall
