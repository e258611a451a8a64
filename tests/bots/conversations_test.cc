// tests/bots/conversations_test.cc
//
// Conversations (bots/conversations.h) on a real SQLite store: a chat's
// state and data round-trip, each bot keeps its own, a conversation left
// silent past the timeout starts over (and is not listed), clear() ends
// one, and unreadable stored data reads as empty rather than failing.
#include <gtest/gtest.h>

#include <thread>

#include "bots/conversations.h"
#include "temp_store.h"

namespace rollcall::bots {
namespace {

using nlohmann::json;

class ConversationsTest : public rollcall::testing::TempStoreTest {
 protected:
  static Conversation at(const std::string& state, json data) {
    Conversation c;
    c.state = state;
    c.data = std::move(data);
    c.user_id = 5;
    return c;
  }
};

TEST_F(ConversationsTest, AChatsStepRoundTripsPerBot) {
  Conversations students(*store_, "student", 60'000);
  Conversations teachers(*store_, "teacher", 60'000);
  ASSERT_TRUE(students.save(5, at("await_location", {{"code", "123456"}})).ok());
  const auto loaded = students.load(5);
  ASSERT_TRUE(loaded.ok());
  EXPECT_EQ(loaded->state, "await_location");
  EXPECT_EQ(loaded->data["code"], "123456");
  EXPECT_EQ(loaded->user_id, 5);
  EXPECT_EQ(teachers.load(5)->state, "");
  const auto listed = students.in_state("await_location");
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ(listed->front().first, 5);
  ASSERT_TRUE(students.clear(5).ok());
  EXPECT_EQ(students.load(5)->state, "");
}

TEST_F(ConversationsTest, ASilentConversationStartsOver) {
  Conversations students(*store_, "student", 50);
  ASSERT_TRUE(students.save(6, at("await_capture", {{"window", 3}})).ok());
  EXPECT_EQ(students.load(6)->state, "await_capture");
  std::this_thread::sleep_for(std::chrono::milliseconds(120));
  EXPECT_EQ(students.load(6)->state, "");
  EXPECT_TRUE(students.load(6)->data.empty());
  EXPECT_TRUE(students.in_state("await_capture")->empty());
}

TEST_F(ConversationsTest, UnreadableDataReadsAsEmpty) {
  store::BotChat row;
  row.bot = "teacher";
  row.chat_id = 7;
  row.telegram_user_id = 7;
  row.state = "await_secret";
  row.data_json = "{not json";
  row.expires_ms = 9'000'000'000'000;
  ASSERT_TRUE(store_->write([&](store::Tx& tx) { return tx.put_bot_chat(row); }).ok());
  Conversations teachers(*store_, "teacher", 60'000);
  const auto loaded = teachers.load(7);
  ASSERT_TRUE(loaded.ok());
  EXPECT_EQ(loaded->state, "await_secret");
  EXPECT_TRUE(loaded->data.is_object());
  EXPECT_TRUE(loaded->data.empty());
}

}  // namespace
}  // namespace rollcall::bots
