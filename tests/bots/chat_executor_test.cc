// tests/bots/chat_executor_test.cc
//
// ChatExecutor: one chat's work runs in the order it came; a slow chat
// does not hold up the others; a full queue drops work and counts it;
// stop() runs what was queued first.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>
#include <vector>

#include "bots/chat_executor.h"

namespace rollcall::bots {
namespace {

using namespace std::chrono_literals;

TEST(ChatExecutor, OneChatsWorkRunsInOrder) {
  std::mutex mutex;
  std::vector<int> seen;
  {
    ChatExecutor executor(4, 1000);
    for (int i = 0; i < 200; ++i) {
      ASSERT_TRUE(executor.post(42, [&, i] {
        std::lock_guard lock(mutex);
        seen.push_back(i);
      }));
    }
  }  // the destructor runs what was queued
  ASSERT_EQ(seen.size(), 200u);
  for (int i = 0; i < 200; ++i) EXPECT_EQ(seen[i], i);
}

TEST(ChatExecutor, ASlowChatDoesNotHoldUpAnother) {
  // Declared before the executor, whose destructor still runs the work
  // that reads them (found by clang's stack-use-after-scope check).
  std::atomic<bool> release{false};
  std::atomic<bool> other_done{false};
  ChatExecutor executor(4, 1000);
  executor.post(1, [&] {
    while (!release) std::this_thread::sleep_for(1ms);
  });
  executor.post(2, [&] { other_done = true; });
  const auto until = std::chrono::steady_clock::now() + 5s;
  while (!other_done && std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(1ms);
  }
  EXPECT_TRUE(other_done) << "chat 2 waited for chat 1";
  release = true;
}

TEST(ChatExecutor, AFullQueueDropsAndCounts) {
  std::atomic<bool> release{false};
  ChatExecutor executor(1, 2);
  EXPECT_TRUE(executor.post(1, [&] {
    while (!release) std::this_thread::sleep_for(1ms);
  }));
  EXPECT_TRUE(executor.post(1, [] {}));
  EXPECT_FALSE(executor.post(1, [] {}));
  EXPECT_EQ(executor.dropped(), 1);
  release = true;
  executor.stop();
  EXPECT_FALSE(executor.post(1, [] {})) << "stopped";
}

}  // namespace
}  // namespace rollcall::bots
