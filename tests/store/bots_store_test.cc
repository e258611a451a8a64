// tests/store/bots_store_test.cc
//
// The Telegram bots' tables (migration 9, store/tx_bots.cc) on both back
// ends: a chat's conversation is one row per bot and chat (put replaces,
// the teacher and student bots keep apart), expired conversations go,
// teachers and students are found by their Telegram id (unique), a
// link code can be used once; and the teacher bot's report outbox
// (migration 11): one report per window and chat, claimed when due with a
// lease, its progress kept.
#include "store_fixture.h"

namespace rollcall::store::testing {
namespace {

constexpr std::int64_t kNow = 1'800'000'000'000;  // ms

class BotsStoreTest : public StoreTest {
 protected:
  static BotChat chat(const std::string& bot, std::int64_t chat_id, const std::string& state,
                      std::int64_t expires_ms = kNow + 600'000) {
    BotChat c;
    c.bot = bot;
    c.chat_id = chat_id;
    c.telegram_user_id = chat_id + 1;
    c.state = state;
    c.data_json = R"({"roll_number":"R-1"})";
    c.updated_ms = kNow;
    c.expires_ms = expires_ms;
    return c;
  }
  std::optional<BotChat> find(const std::string& bot, std::int64_t chat_id) {
    return must(read([&](Tx& tx) { return tx.find_bot_chat(bot, chat_id); }));
  }
};
ROLLCALL_ON_BOTH_BACKENDS(BotsStoreTest);

TEST_P(BotsStoreTest, AChatsConversationIsOneRowThatPutReplaces) {
  EXPECT_FALSE(find("student", 42).has_value());
  must(write([&](Tx& tx) { return tx.put_bot_chat(chat("student", 42, "await_code")); }));
  must(write([&](Tx& tx) { return tx.put_bot_chat(chat("student", 42, "await_location")); }));
  const auto found = find("student", 42);
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->state, "await_location");
  EXPECT_EQ(found->telegram_user_id, 43);
  EXPECT_EQ(found->data_json, R"({"roll_number":"R-1"})");
  EXPECT_EQ(count_rows("bot_chats"), 1);
  // The teacher bot's chat with the same id is another conversation.
  EXPECT_FALSE(find("teacher", 42).has_value());
  must(write([&](Tx& tx) { return tx.put_bot_chat(chat("teacher", 42, "await_contact")); }));
  EXPECT_EQ(find("student", 42)->state, "await_location");
  EXPECT_EQ(count_rows("bot_chats"), 2);
  EXPECT_TRUE(must(write([&](Tx& tx) { return tx.delete_bot_chat("student", 42); })));
  EXPECT_FALSE(must(write([&](Tx& tx) { return tx.delete_bot_chat("student", 42); })));
  EXPECT_FALSE(find("student", 42).has_value());
}

TEST_P(BotsStoreTest, OnlyKnownBotsAreStored) {
  auto bad = write([&](Tx& tx) { return tx.put_bot_chat(chat("parent", 1, "x")); });
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, "database_error") << bad.error().message;
}

TEST_P(BotsStoreTest, ExpiredConversationsAreRemoved) {
  must(write([&](Tx& tx) { return tx.put_bot_chat(chat("student", 1, "a", kNow - 1)); }));
  must(write([&](Tx& tx) { return tx.put_bot_chat(chat("student", 2, "b", kNow + 1)); }));
  EXPECT_EQ(must(write([&](Tx& tx) { return tx.expire_bot_chats(kNow); })), 1);
  EXPECT_FALSE(find("student", 1).has_value());
  EXPECT_TRUE(find("student", 2).has_value());
}

TEST_P(BotsStoreTest, ChatsAreListedByBotAndState) {
  auto waiting = chat("student", 7, "await_verdict");
  waiting.updated_ms = kNow + 5;
  must(write([&](Tx& tx) { return tx.put_bot_chat(waiting); }));
  must(write([&](Tx& tx) { return tx.put_bot_chat(chat("student", 3, "await_verdict")); }));
  must(write([&](Tx& tx) { return tx.put_bot_chat(chat("student", 4, "await_code")); }));
  must(write([&](Tx& tx) { return tx.put_bot_chat(chat("teacher", 5, "await_verdict")); }));
  const auto listed =
      must(read([&](Tx& tx) { return tx.list_bot_chats("student", "await_verdict"); }));
  ASSERT_EQ(listed.size(), 2u);
  EXPECT_EQ(listed[0].chat_id, 3);  // the oldest change first
  EXPECT_EQ(listed[1].chat_id, 7);
  EXPECT_TRUE(must(read([&](Tx& tx) { return tx.list_bot_chats("teacher", "x"); })).empty());
}

TEST_P(BotsStoreTest, TeachersAndStudentsAreFoundByTheirTelegramId) {
  const auto teacher_id = add_teacher("grace");
  const auto class_id = add_class("CS");
  const auto student_id = add_student("R-7", class_id);
  EXPECT_FALSE(must(read([&](Tx& tx) { return tx.find_teacher_by_telegram(777); })).has_value());
  must(write([&](Tx& tx) -> Result<void> {
    auto t = tx.find_teacher(teacher_id);
    if (!t) return t.error();
    (*t)->telegram_id = 777;
    return tx.update_teacher(**t);
  }));
  must(write([&](Tx& tx) -> Result<void> {
    auto s = tx.find_student(student_id);
    if (!s) return s.error();
    (*s)->telegram_id = 888;
    return tx.update_student(**s);
  }));
  const auto teacher = must(read([&](Tx& tx) { return tx.find_teacher_by_telegram(777); }));
  ASSERT_TRUE(teacher.has_value());
  EXPECT_EQ(teacher->id, teacher_id);
  const auto student = must(read([&](Tx& tx) { return tx.find_student_by_telegram(888); }));
  ASSERT_TRUE(student.has_value());
  EXPECT_EQ(student->id, student_id);
  EXPECT_FALSE(must(read([&](Tx& tx) { return tx.find_student_by_telegram(777); })).has_value());
  // One Telegram account links to one student.
  const auto other = add_student("R-8", class_id);
  auto clash = write([&](Tx& tx) -> Result<void> {
    auto s = tx.find_student(other);
    if (!s) return s.error();
    (*s)->telegram_id = 888;
    return tx.update_student(**s);
  });
  ASSERT_FALSE(clash.ok());
  EXPECT_EQ(clash.error().code, "duplicate");
  EXPECT_EQ(clash.error().message, "students.telegram_id");
}

TEST_P(BotsStoreTest, ALinkCodeIsUsedOnce) {
  const auto teacher_id = add_teacher("ada");
  TelegramLinkCode code;
  code.teacher = teacher_id;
  code.code_hash = std::string(64, 'a');
  code.expires_ms = kNow + 600'000;
  code.created_ms = kNow;
  const auto id = must(write([&](Tx& tx) { return tx.insert_link_code(code); }));
  const auto found = must(read([&](Tx& tx) { return tx.find_link_code(code.code_hash); }));
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->teacher, teacher_id);
  EXPECT_FALSE(found->used_ms.has_value());
  EXPECT_TRUE(must(write([&](Tx& tx) { return tx.use_link_code(id, kNow + 5); })));
  EXPECT_FALSE(must(write([&](Tx& tx) { return tx.use_link_code(id, kNow + 6); })));
  EXPECT_EQ(*must(read([&](Tx& tx) { return tx.find_link_code(code.code_hash); }))->used_ms,
            kNow + 5);
  EXPECT_FALSE(
      must(read([&](Tx& tx) { return tx.find_link_code(std::string(64, 'b')); })).has_value());
  auto again = write([&](Tx& tx) { return tx.insert_link_code(code); });
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, "duplicate");
}

class BotReportsStoreTest : public BotsStoreTest {
 protected:
  void SetUp() override {
    BotsStoreTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    Session s;
    s.class_id = add_class("CS");
    s.subject = add_subject("CS101");
    s.teacher = add_teacher("ada");
    s.starts_ms = kNow;
    s.ends_ms = kNow + 3'600'000;
    s.method = SessionMethod::checkin;
    s.created_ms = kNow;
    session_ = must(write([&](Tx& tx) { return tx.insert_session(s); }));
  }
  std::int64_t add_window() {
    CheckinWindow w;
    w.session = session_;
    w.code = "012345";
    w.opens_ms = kNow;
    w.closes_ms = kNow + 90'000;
    w.grace_ms = 30'000;
    w.latitude = 52.52;
    w.longitude = 13.405;
    w.radius_m = 50;
    w.created_ms = kNow;
    return must(write([&](Tx& tx) { return tx.insert_checkin_window(w); }));
  }
  BotReport report(std::int64_t window, std::int64_t chat_id, std::int64_t due_ms) const {
    BotReport r;
    r.window = window;
    r.session = session_;
    r.chat_id = chat_id;
    r.next_attempt_ms = due_ms;
    r.created_ms = kNow;
    return r;
  }
  bool queue(const BotReport& r) {
    return must(write([&](Tx& tx) { return tx.queue_bot_report(r); }));
  }
  std::optional<BotReport> claim(std::int64_t now_ms) {
    return must(write([&](Tx& tx) { return tx.claim_bot_report(now_ms, 600'000); }));
  }
  SessionId session_;
};
ROLLCALL_ON_BOTH_BACKENDS(BotReportsStoreTest);

TEST_P(BotReportsStoreTest, AWindowsReportIsQueuedOncePerChat) {
  const auto window = add_window();
  EXPECT_TRUE(queue(report(window, 7001, kNow)));
  // The finaliser's hook and the bots' timer may both queue it.
  EXPECT_FALSE(queue(report(window, 7001, kNow)));
  EXPECT_TRUE(queue(report(window, 7002, kNow)));
  EXPECT_EQ(count_rows("bot_reports"), 2);
  const auto listed = must(read([&](Tx& tx) { return tx.list_bot_reports(session_); }));
  ASSERT_EQ(listed.size(), 2u);
  EXPECT_EQ(listed[0].chat_id, 7001);
  EXPECT_EQ(listed[0].state, "pending");
  EXPECT_EQ(listed[0].window, window);
}

TEST_P(BotReportsStoreTest, AReportIsClaimedWhenDueAndHeldByTheLease) {
  const auto window = add_window();
  queue(report(window, 1, kNow + 5'000));
  queue(report(window, 2, kNow));
  EXPECT_FALSE(claim(kNow - 1).has_value());  // none due yet
  const auto first = claim(kNow);
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(first->chat_id, 2);
  EXPECT_EQ(first->next_attempt_ms, kNow + 600'000);
  EXPECT_FALSE(claim(kNow + 1'000).has_value());  // the other is not due, this one leased
  EXPECT_EQ(claim(kNow + 5'000)->chat_id, 1);
  // A claim that was never finished (a crash) comes back when its lease ends.
  EXPECT_EQ(claim(kNow + 600'000)->chat_id, 2);
}

TEST_P(BotReportsStoreTest, ProgressIsKeptAndFinishedReportsAreNotClaimed) {
  const auto window = add_window();
  queue(report(window, 1, kNow));
  auto claimed = *claim(kNow);
  claimed.parts_sent = 1;
  claimed.attempts = 2;
  claimed.next_attempt_ms = kNow + 10'000;
  claimed.last_error = "Telegram is unavailable";
  must(write([&](Tx& tx) { return tx.update_bot_report(claimed); }));
  EXPECT_FALSE(claim(kNow + 9'999).has_value());
  auto again = *claim(kNow + 10'000);
  EXPECT_EQ(again.parts_sent, 1);
  EXPECT_EQ(again.attempts, 2);
  EXPECT_EQ(again.last_error, "Telegram is unavailable");
  again.state = "sent";
  again.parts_sent = 3;
  again.finished_ms = kNow + 11'000;
  must(write([&](Tx& tx) { return tx.update_bot_report(again); }));
  EXPECT_FALSE(claim(kNow + 10'000'000).has_value());
  const auto done = must(read([&](Tx& tx) { return tx.list_bot_reports(session_); }));
  ASSERT_EQ(done.size(), 1u);
  EXPECT_EQ(done[0].state, "sent");
  EXPECT_EQ(done[0].finished_ms, kNow + 11'000);
  // Only the three states are stored.
  again.state = "lost";
  EXPECT_FALSE(write([&](Tx& tx) { return tx.update_bot_report(again); }).ok());
  BotReport missing = again;
  missing.id = 999'999;
  missing.state = "sent";
  auto none = write([&](Tx& tx) { return tx.update_bot_report(missing); });
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.error().code, "not_found");
}

TEST_P(BotReportsStoreTest, ASessionsReportsGoWithTheSession) {
  queue(report(add_window(), 1, kNow));
  must(write([&](Tx& tx) -> Result<void> {
    ROLLCALL_TRY(tx.delete_session(session_));
    return {};
  }));
  EXPECT_EQ(count_rows("bot_reports"), 0);
}

}  // namespace
}  // namespace rollcall::store::testing
