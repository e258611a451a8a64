// tests/bots/update_poller_test.cc
//
// The update poller against the local fake Bot API and a real SQLite
// store: updates are handled in order and once, the offset survives a
// restart (a new poller on the same database does not replay what the
// fake still holds), a handler that throws does not stop the bot, a 429
// from getUpdates is waited out, and stop() ends a long poll at once.
#include <gtest/gtest.h>

#include <chrono>
#include <mutex>
#include <vector>

#include "bots/bot_api.h"
#include "bots/fake_bot_api.h"
#include "bots/update_poller.h"
#include "store/store.h"
#include "temp_store.h"

namespace rollcall::bots {
namespace {

using bots_testing::Failure;
using bots_testing::FakeBotApi;
using bots_testing::FakeUser;
using namespace std::chrono_literals;

class UpdatePollerTest : public rollcall::testing::TempStoreTest {
 protected:
  std::unique_ptr<BotApi> client() {
    BotApiOptions options;
    options.base_url = fake_.base_url();
    return std::make_unique<BotApi>(fake_.token(), options);
  }
  UpdatePollerOptions poller_options() {
    UpdatePollerOptions o;
    o.bot = "student";
    o.retry.base_backoff_ms = 50;
    return o;
  }
  // The texts handled, in order.
  UpdatePoller::Handler recorder() {
    return [this](const nlohmann::json& update) {
      std::lock_guard lock(mutex_);
      seen_.push_back(update.at("message").value("text", ""));
    };
  }
  std::vector<std::string> seen() {
    std::lock_guard lock(mutex_);
    return seen_;
  }

  FakeBotApi fake_;
  std::mutex mutex_;
  std::vector<std::string> seen_;
};

TEST_F(UpdatePollerTest, HandlesUpdatesInOrderOnceAndRemembersTheOffsetAcrossARestart) {
  const FakeUser ada{101, "Ada"};
  const auto first = fake_.push_update(fake_.text_message(ada, "/start"));
  fake_.push_update(fake_.text_message(ada, "R-1"));
  {
    auto api = client();
    UpdatePoller poller(*api, *store_, poller_options(), recorder());
    const auto handled = poller.poll_once(0);
    ASSERT_TRUE(handled.ok()) << handled.error().message;
    EXPECT_EQ(*handled, 2);
    EXPECT_EQ(*poller.offset(), first + 2);
  }
  // The fake still holds both (no getUpdates has confirmed them); a new
  // poller on the same database must not hand them out again.
  fake_.push_update(fake_.text_message(ada, "123456"));
  auto api = client();
  UpdatePoller restarted(*api, *store_, poller_options(), recorder());
  const auto handled = restarted.poll_once(0);
  ASSERT_TRUE(handled.ok()) << handled.error().message;
  EXPECT_EQ(*handled, 1);
  EXPECT_EQ(seen(), (std::vector<std::string>{"/start", "R-1", "123456"}));
  // The teacher bot keeps its own offset.
  UpdatePollerOptions teacher = poller_options();
  teacher.bot = "teacher";
  UpdatePoller other(*api, *store_, teacher, [](const nlohmann::json&) {});
  EXPECT_EQ(*other.offset(), 0);
}

TEST_F(UpdatePollerTest, AHandlerThatThrowsDoesNotStopTheBotOrReplayTheUpdate) {
  const FakeUser ada{102, "Ada"};
  fake_.push_update(fake_.text_message(ada, "boom"));
  fake_.push_update(fake_.text_message(ada, "fine"));
  std::vector<nlohmann::json> events;
  auto options = poller_options();
  options.log = [&](const nlohmann::json& event, bool) { events.push_back(event); };
  auto api = client();
  UpdatePoller poller(*api, *store_, options, [this](const nlohmann::json& update) {
    const std::string text = update.at("message").value("text", "");
    if (text == "boom") throw std::runtime_error("a sticker we did not expect");
    std::lock_guard lock(mutex_);
    seen_.push_back(text);
  });
  const auto handled = poller.poll_once(0);
  ASSERT_TRUE(handled.ok()) << handled.error().message;
  EXPECT_EQ(*handled, 2);
  EXPECT_EQ(seen(), std::vector<std::string>{"fine"});
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].value("event", ""), "telegram_update_failed");
  const auto again = poller.poll_once(0);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, 0);
}

TEST_F(UpdatePollerTest, ARateLimitFromGetUpdatesIsWaitedOut) {
  const FakeUser ada{103, "Ada"};
  fake_.push_update(fake_.text_message(ada, "/start"));
  fake_.fail_next("getUpdates", 1, Failure::kRateLimited, 1);
  auto api = client();
  UpdatePoller poller(*api, *store_, poller_options(), recorder());
  const auto start = std::chrono::steady_clock::now();
  const auto handled = poller.poll_once(0);
  ASSERT_TRUE(handled.ok()) << handled.error().message;
  EXPECT_EQ(*handled, 1);
  EXPECT_GE(std::chrono::steady_clock::now() - start, 900ms);
  EXPECT_EQ(fake_.calls("getUpdates"), 2);
}

TEST_F(UpdatePollerTest, RunsInTheBackgroundAndStopsALongPollAtOnce) {
  const FakeUser ada{104, "Ada"};
  auto api = client();
  UpdatePoller poller(*api, *store_, poller_options(), recorder());
  poller.start();
  fake_.push_update(fake_.text_message(ada, "hello"));
  const auto until = std::chrono::steady_clock::now() + 10s;
  while (seen().empty() && std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(20ms);
  }
  EXPECT_EQ(seen(), std::vector<std::string>{"hello"});
  // Now in a 25 s long poll with nothing to say.
  std::this_thread::sleep_for(200ms);
  const auto start = std::chrono::steady_clock::now();
  poller.stop();
  EXPECT_LT(std::chrono::steady_clock::now() - start, 2s);
}

}  // namespace
}  // namespace rollcall::bots
