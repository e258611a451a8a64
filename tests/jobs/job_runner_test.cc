// tests/jobs/job_runner_test.cc
#include "jobs/job_runner.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>

namespace rollcall::jobs {
namespace {

TEST(JobRunner, RunsEveryTaskSubmitted) {
  std::atomic<int> ran = 0;
  {
    JobRunner runner(2);
    std::vector<std::promise<void>> done(20);
    for (auto& promise : done) {
      ASSERT_TRUE(runner.submit([&ran, &promise] { ++ran, promise.set_value(); }, nullptr));
    }
    for (auto& promise : done) promise.get_future().wait();
  }
  EXPECT_EQ(ran, 20);
}

TEST(JobRunner, StopFinishesTheRunningTaskAndReportsTheQueuedOnes) {
  JobRunner runner(1);
  std::promise<void> started;
  std::promise<void> release;
  std::atomic<bool> finished = false;
  std::atomic<int> dropped = 0;
  ASSERT_TRUE(runner.submit(
      [&] {
        started.set_value();
        release.get_future().wait();
        finished = true;
      },
      [&] { ++dropped; }));
  started.get_future().wait();
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(runner.submit([] {}, [&] { ++dropped; }));
  auto stopping = std::async(std::launch::async, [&] { runner.stop(); });
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  release.set_value();
  stopping.wait();
  EXPECT_TRUE(finished);
  EXPECT_EQ(dropped, 3);
}

TEST(JobRunner, RefusesWorkOnceStopped) {
  JobRunner runner(1);
  runner.stop();
  EXPECT_FALSE(runner.submit([] {}, nullptr));
}

}  // namespace
}  // namespace rollcall::jobs
