// tests/bots/bot_api_test.cc
//
// The Bot API client (src/bots) against the local fake Bot API: calls,
// long polling and offsets, uploads and downloads with limits, the error
// codes, retries with their waits, token redaction, and quick stops.
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <future>
#include <iterator>
#include <thread>
#include <vector>

#include "bots/bot_api.h"
#include "bots/fake_bot_api.h"
#include "bots/retry.h"

namespace rollcall::bots {
namespace {

using bots_testing::Failure;
using bots_testing::FakeBotApi;
using bots_testing::FakeUser;
using bots_testing::LocationKind;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

std::int64_t ms_since(Clock::time_point start) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count();
}

std::string read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

class BotApiTest : public ::testing::Test {
 protected:
  BotApiOptions options() const {
    BotApiOptions o;
    o.base_url = fake.base_url();
    o.long_poll_margin_ms = 2000;
    return o;
  }

  FakeBotApi fake;
  BotApi api{fake.token(), options()};
  FakeUser amy{501, "Amy", "amy_s"};
};

TEST_F(BotApiTest, GetMeReturnsTheBot) {
  auto me = api.get_me();
  ASSERT_TRUE(me.ok()) << me.error().message;
  EXPECT_EQ((*me)["is_bot"], true);
  EXPECT_EQ((*me)["username"], "rollcall_fake_bot");
  EXPECT_EQ((*me)["id"], 123456789);
}

TEST_F(BotApiTest, ConfirmedUpdatesAreNeverDeliveredAgain) {
  const auto first = fake.push_update(fake.text_message(amy, "/start"));
  const auto second = fake.push_update(fake.text_message(amy, "hello"));
  auto updates = api.get_updates(0, 0);
  ASSERT_TRUE(updates.ok()) << updates.error().message;
  ASSERT_EQ(updates->size(), 2u);
  EXPECT_EQ((*updates)[0]["update_id"], first);
  EXPECT_EQ((*updates)[0]["message"]["text"], "/start");
  EXPECT_EQ((*updates)[0]["message"]["entities"][0]["type"], "bot_command");
  EXPECT_EQ((*updates)[1]["update_id"], second);

  // Unconfirmed: delivered again.
  updates = api.get_updates(0, 0);
  ASSERT_TRUE(updates.ok());
  EXPECT_EQ(updates->size(), 2u);

  // Confirming the first leaves the second.
  updates = api.get_updates(first + 1, 0);
  ASSERT_TRUE(updates.ok());
  ASSERT_EQ(updates->size(), 1u);
  EXPECT_EQ((*updates)[0]["update_id"], second);

  updates = api.get_updates(second + 1, 0);
  ASSERT_TRUE(updates.ok());
  EXPECT_TRUE(updates->empty());
  const auto third = fake.push_update(fake.text_message(amy, "again"));
  // Even an offset of 0 no longer sees confirmed updates.
  updates = api.get_updates(0, 0);
  ASSERT_TRUE(updates.ok());
  ASSERT_EQ(updates->size(), 1u);
  EXPECT_EQ((*updates)[0]["update_id"], third);
  EXPECT_EQ(fake.confirmed_offset(), second + 1);
}

TEST_F(BotApiTest, LongPollWakesWhenAnUpdateIsPushed) {
  const auto start = Clock::now();
  auto pusher = std::async(std::launch::async, [&] {
    std::this_thread::sleep_for(300ms);
    return fake.push_update(fake.text_message(amy, "late"));
  });
  auto updates = api.get_updates(0, 20);
  const auto elapsed = ms_since(start);
  ASSERT_TRUE(updates.ok()) << updates.error().message;
  ASSERT_EQ(updates->size(), 1u);
  EXPECT_EQ((*updates)[0]["update_id"], pusher.get());
  EXPECT_GE(elapsed, 250);
  EXPECT_LT(elapsed, 3000);
}

TEST_F(BotApiTest, LongPollWithNothingWaitsItsTimeout) {
  const auto start = Clock::now();
  auto updates = api.get_updates(0, 1);
  ASSERT_TRUE(updates.ok()) << updates.error().message;
  EXPECT_TRUE(updates->empty());
  EXPECT_GE(ms_since(start), 900);
}

TEST_F(BotApiTest, SendMessageWithAnInlineKeyboard) {
  const json keyboard = {
      {"inline_keyboard",
       json::array({json::array({{{"text", "10-A"}, {"callback_data", "class:1"}},
                                 {{"text", "10-B"}, {"callback_data", "class:2"}}})})}};
  auto sent = api.send_message(amy.id, "Choose a class", keyboard, "HTML");
  ASSERT_TRUE(sent.ok()) << sent.error().message;
  EXPECT_EQ((*sent)["chat"]["id"], amy.id);
  EXPECT_EQ((*sent)["reply_markup"], keyboard);
  const auto messages = fake.messages(amy.id);
  ASSERT_EQ(messages.size(), 1u);
  EXPECT_EQ(messages[0].text, "Choose a class");
  EXPECT_EQ(messages[0].reply_markup, keyboard);
  EXPECT_EQ(messages[0].parse_mode, "HTML");
  EXPECT_EQ(messages[0].message_id, (*sent)["message_id"]);
}

TEST_F(BotApiTest, EditDeleteAndAnswerCallback) {
  auto sent = api.send_message(amy.id, "Window closes in 90 s");
  ASSERT_TRUE(sent.ok());
  const std::int64_t id = (*sent)["message_id"];
  auto edited = api.edit_message_text(amy.id, id, "Window closes in 60 s");
  ASSERT_TRUE(edited.ok()) << edited.error().message;
  EXPECT_EQ((*edited)["text"], "Window closes in 60 s");
  // The same text again: Telegram refuses ("message is not modified").
  auto same = api.edit_message_text(amy.id, id, "Window closes in 60 s");
  ASSERT_FALSE(same.ok());
  EXPECT_EQ(same.error().code, "telegram_refused");
  EXPECT_NE(same.error().message.find("not modified"), std::string::npos);
  EXPECT_EQ(refused_error_code(same.error()), 400);

  ASSERT_TRUE(api.delete_message(amy.id, id).ok());
  fake.push_update(fake.callback_query(amy, id, "class:1"));
  auto updates = api.get_updates(0, 0);
  ASSERT_TRUE(updates.ok());
  ASSERT_EQ(updates->size(), 1u);
  const json& query = (*updates)[0]["callback_query"];
  EXPECT_EQ(query["data"], "class:1");
  EXPECT_EQ(query["message"]["text"], "Window closes in 90 s");
  ASSERT_TRUE(api.answer_callback_query(query["id"], "Chosen", true).ok());

  ASSERT_EQ(fake.edits(amy.id).size(), 1u);
  ASSERT_EQ(fake.deleted().size(), 1u);
  EXPECT_EQ(fake.deleted()[0].message_id, id);
  const auto answers = fake.callback_answers();
  ASSERT_EQ(answers.size(), 1u);
  EXPECT_EQ(answers[0].callback_query_id, query["id"]);
  EXPECT_EQ(answers[0].text, "Chosen");
  EXPECT_TRUE(answers[0].show_alert);
}

TEST_F(BotApiTest, UploadedDocumentAndPhotoBytesArriveIntact) {
  std::string bytes;
  for (int round = 0; round < 300; ++round) {
    for (int b = 0; b < 256; ++b) bytes.push_back(static_cast<char>(b));  // NULs included
  }
  auto sent = api.send_document(amy.id, bytes, "report.xlsx", "10-A, Physics");
  ASSERT_TRUE(sent.ok()) << sent.error().message;
  EXPECT_EQ((*sent)["document"]["file_name"], "report.xlsx");
  const std::string photo = read_bytes(std::string(ROLLCALL_TEST_DATA) + "/identities/amy/01.png");
  ASSERT_FALSE(photo.empty());
  ASSERT_TRUE(api.send_photo(amy.id, photo, "qr.png", "Code 123456").ok());

  ASSERT_TRUE(fake.wait_for([&] { return fake.files(amy.id).size() == 2; }, 2s));
  const auto files = fake.files(amy.id);
  EXPECT_EQ(files[0].method, "sendDocument");
  EXPECT_EQ(files[0].filename, "report.xlsx");
  EXPECT_EQ(files[0].caption, "10-A, Physics");
  EXPECT_EQ(files[0].bytes, bytes);
  EXPECT_EQ(files[1].method, "sendPhoto");
  EXPECT_EQ(files[1].bytes, photo);
  EXPECT_EQ(files[1].caption, "Code 123456");
}

TEST_F(BotApiTest, GetFileAndDownloadRoundTripARealPhoto) {
  const std::string photo = read_bytes(std::string(ROLLCALL_TEST_DATA) + "/identities/amy/01.png");
  ASSERT_GT(photo.size(), 1000u);
  const std::string file_id = fake.add_file(photo, "png");
  fake.push_update(fake.photo_message(amy, file_id));
  auto updates = api.get_updates(0, 0);
  ASSERT_TRUE(updates.ok());
  ASSERT_EQ(updates->size(), 1u);
  EXPECT_EQ((*updates)[0]["message"]["photo"][0]["file_id"], file_id);

  auto file = api.get_file(file_id);
  ASSERT_TRUE(file.ok()) << file.error().message;
  EXPECT_EQ(file->file_size, static_cast<std::int64_t>(photo.size()));
  EXPECT_FALSE(file->file_path.empty());
  auto bytes = api.download(file->file_path, 20 * 1024 * 1024);
  ASSERT_TRUE(bytes.ok()) << bytes.error().message;
  EXPECT_EQ(*bytes, photo);

  auto fetched = api.fetch_file(file_id, 20 * 1024 * 1024);
  ASSERT_TRUE(fetched.ok()) << fetched.error().message;
  EXPECT_EQ(*fetched, photo);

  auto unknown = api.get_file("no-such-file");
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().code, "telegram_refused");
}

TEST_F(BotApiTest, AFileOverTheLimitIsRefused) {
  const std::string big(300 * 1024, 'v');
  const std::string file_id = fake.add_file(big, "mp4");
  // Refused from getFile's size, before any byte is fetched.
  auto fetched = api.fetch_file(file_id, 100 * 1024);
  ASSERT_FALSE(fetched.ok());
  EXPECT_EQ(fetched.error().code, "telegram_file_too_large");
  EXPECT_EQ(fake.calls("file"), 0);
  // And the transfer itself is capped when the size was not known.
  auto file = api.get_file(file_id);
  ASSERT_TRUE(file.ok());
  auto downloaded = api.download(file->file_path, 100 * 1024);
  ASSERT_FALSE(downloaded.ok());
  EXPECT_EQ(downloaded.error().code, "telegram_file_too_large");
  EXPECT_EQ(fake.calls("file"), 1);
}

TEST_F(BotApiTest, AHeldDownloadIsCountedAtOnceAndArrivesAfterTheDelay) {
  const std::string note(64 * 1024, 'n');
  const std::string file_id = fake.add_file(note, "mp4");
  fake.delay_next("file", 1, 600ms);
  const auto start = Clock::now();
  auto fetching = std::async(std::launch::async, [&] { return api.fetch_file(file_id, 1 << 20); });
  // The fake has the request before it answers (a test can wait for it).
  ASSERT_TRUE(fake.wait_for([&] { return fake.calls("file") == 1; }, 5s));
  EXPECT_LT(ms_since(start), 550);
  auto fetched = fetching.get();
  ASSERT_TRUE(fetched.ok()) << fetched.error().message;
  EXPECT_EQ(*fetched, note);
  EXPECT_GE(ms_since(start), 590);
  // Only the next one was held.
  const auto again = Clock::now();
  ASSERT_TRUE(api.fetch_file(file_id, 1 << 20).ok());
  EXPECT_LT(ms_since(again), 500);
}

TEST_F(BotApiTest, ABadRequestIsRefusedAndNotRetried) {
  fake.fail_next("sendDocument", 1, Failure::kBadRequest);
  auto sent = with_retries(RetryPolicy{}, api.stop_signal(),
                           [&] { return api.send_document(amy.id, "a,b\n", "r.csv"); });
  ASSERT_FALSE(sent.ok());
  EXPECT_EQ(sent.error().code, "telegram_refused");
  EXPECT_EQ(refused_error_code(sent.error()), 400);
  EXPECT_EQ(fake.calls("sendDocument"), 1);
  EXPECT_TRUE(fake.files(amy.id).empty());
}

TEST_F(BotApiTest, RateLimitIsRetriedAfterRetryAfter) {
  fake.fail_next("sendMessage", 1, Failure::kRateLimited, 1);
  auto once = api.send_message(amy.id, "hi");
  ASSERT_FALSE(once.ok());
  EXPECT_EQ(once.error().code, "telegram_rate_limited");
  EXPECT_EQ(retry_after_seconds(once.error()), 1);

  fake.fail_next("sendMessage", 1, Failure::kRateLimited, 1);
  const auto start = Clock::now();
  auto sent = with_retries(RetryPolicy{}, api.stop_signal(),
                           [&] { return api.send_message(amy.id, "hello"); });
  const auto elapsed = ms_since(start);
  ASSERT_TRUE(sent.ok()) << sent.error().message;
  EXPECT_GE(elapsed, 950);  // waited the second Telegram asked for
  EXPECT_LT(elapsed, 2500);
  EXPECT_EQ(fake.calls("sendMessage"), 3);
  EXPECT_EQ(fake.messages(amy.id).size(), 1u);
}

TEST_F(BotApiTest, ServerErrorsAreRetriedWithBackoff) {
  fake.fail_next("getMe", 2, Failure::kServerError);
  RetryPolicy policy;
  policy.base_backoff_ms = 50;
  auto me = with_retries(policy, api.stop_signal(), [&] { return api.get_me(); });
  ASSERT_TRUE(me.ok()) << me.error().message;
  EXPECT_EQ(fake.calls("getMe"), 3);

  // Bounded: three 500s with two attempts allowed return the last error.
  fake.fail_next("getMe", 3, Failure::kServerError);
  policy.max_attempts = 2;
  auto failed = with_retries(policy, api.stop_signal(), [&] { return api.get_me(); });
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.error().code, "telegram_unavailable");
  EXPECT_EQ(fake.calls("getMe"), 5);
}

TEST_F(BotApiTest, BackoffGrowsAndIsCapped) {
  const Error down = make_error("telegram_unavailable", "x");
  RetryPolicy policy;
  policy.base_backoff_ms = 100;
  policy.max_backoff_ms = 1000;
  for (int attempt = 1; attempt <= 8; ++attempt) {
    const auto delay = retry_delay_ms(down, attempt, policy);
    ASSERT_TRUE(delay.has_value());
    const std::int64_t full = std::min<std::int64_t>(1000, 100LL << (attempt - 1));
    EXPECT_GE(*delay, full / 2);
    EXPECT_LE(*delay, full);
  }
  EXPECT_FALSE(retry_delay_ms(make_error("telegram_refused", "x (error_code=400)"), 1, policy));
  EXPECT_FALSE(retry_delay_ms(make_error("telegram_file_too_large", "x"), 1, policy));
  // A wait longer than the policy allows is left to the caller.
  EXPECT_FALSE(
      retry_delay_ms(make_error("telegram_rate_limited", "x (retry_after=3600)"), 1, policy));
}

TEST_F(BotApiTest, AWrongTokenIsRefusedAndNeverQuoted) {
  const std::string wrong = bots_testing::make_test_token(987654321);
  BotApiOptions o = options();
  BotApi stranger(wrong, o);
  auto me = stranger.get_me();
  ASSERT_FALSE(me.ok());
  EXPECT_EQ(me.error().code, "telegram_refused");
  EXPECT_EQ(refused_error_code(me.error()), 401);
  EXPECT_NE(me.error().message.find("Unauthorized"), std::string::npos);
  EXPECT_EQ(me.error().message.find(wrong), std::string::npos);
  EXPECT_EQ(me.error().message.find("AAWrongSecretTokenValue"), std::string::npos);
  auto download = stranger.download("uploads/x.png", 1000);
  ASSERT_FALSE(download.ok());
  EXPECT_EQ(download.error().message.find("AAWrongSecretTokenValue"), std::string::npos);
  // Not retried: a refusal is final.
  EXPECT_FALSE(retry_delay_ms(me.error(), 1, RetryPolicy{}));
}

TEST_F(BotApiTest, TheTokenIsRedactedFromEveryMessage) {
  const std::string token = fake.token();
  EXPECT_EQ(redact_token("GET https://api.telegram.org/bot" + token + "/getMe failed", token),
            "GET https://api.telegram.org/bot***/getMe failed");
  EXPECT_EQ(redact_token(token + " and " + token, token), "*** and ***");
  EXPECT_EQ(api.redact("/file/bot" + token + "/a.png"), "/file/bot***/a.png");
  // Network failures: nothing listens on a closed port; an unknown host.
  for (const std::string& base : std::vector<std::string>{
           "http://127.0.0.1:1", "http://no-such-host.invalid", "http://127.0.0.1:1/bot" + token}) {
    BotApiOptions o = options();
    o.base_url = base;
    o.connect_timeout_ms = 2000;
    BotApi unreachable(token, o);
    auto me = unreachable.get_me();
    ASSERT_FALSE(me.ok());
    EXPECT_EQ(me.error().code, "telegram_unavailable");
    EXPECT_EQ(me.error().message.find(token), std::string::npos) << me.error().message;
    auto file = unreachable.download("x/y.png", 100);
    ASSERT_FALSE(file.ok());
    EXPECT_EQ(file.error().message.find(token), std::string::npos) << file.error().message;
  }
}

TEST_F(BotApiTest, ADroppedConnectionIsUnavailable) {
  fake.fail_next("sendMessage", 1, Failure::kDrop);
  auto sent = api.send_message(amy.id, "hi");
  ASSERT_FALSE(sent.ok());
  EXPECT_EQ(sent.error().code, "telegram_unavailable");
  EXPECT_EQ(sent.error().message.find(fake.token()), std::string::npos);
  // And it is retried.
  fake.fail_next("sendMessage", 1, Failure::kDrop);
  RetryPolicy policy;
  policy.base_backoff_ms = 20;
  auto retried =
      with_retries(policy, api.stop_signal(), [&] { return api.send_message(amy.id, "hi"); });
  ASSERT_TRUE(retried.ok()) << retried.error().message;
}

TEST_F(BotApiTest, StopEndsALongPollQuickly) {
  auto poll = std::async(std::launch::async, [&] { return api.get_updates(0, 30); });
  std::this_thread::sleep_for(300ms);
  const auto start = Clock::now();
  api.stop();
  ASSERT_EQ(poll.wait_for(2s), std::future_status::ready);
  EXPECT_LT(ms_since(start), 500);
  auto updates = poll.get();
  ASSERT_FALSE(updates.ok());
  EXPECT_EQ(updates.error().code, "telegram_unavailable");
  // Later calls fail at once.
  EXPECT_FALSE(api.get_me().ok());
}

TEST_F(BotApiTest, StopEndsARetryWaitQuickly) {
  fake.fail_next("sendMessage", 5, Failure::kRateLimited, 30);
  auto sending = std::async(std::launch::async, [&] {
    return with_retries(RetryPolicy{}, api.stop_signal(),
                        [&] { return api.send_message(amy.id, "hi"); });
  });
  ASSERT_TRUE(fake.wait_for([&] { return fake.calls("sendMessage") == 1; }, 2s));
  std::this_thread::sleep_for(100ms);
  const auto start = Clock::now();
  api.stop();
  ASSERT_EQ(sending.wait_for(2s), std::future_status::ready);
  EXPECT_LT(ms_since(start), 500);
  auto result = sending.get();
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code, "telegram_rate_limited");
  EXPECT_EQ(fake.calls("sendMessage"), 1);
}

TEST_F(BotApiTest, WebhookModeExcludesPolling) {
  ASSERT_TRUE(api.set_webhook("https://rollcall.example/telegram/teacher", "s3cret").ok());
  EXPECT_EQ(fake.webhook_url(), "https://rollcall.example/telegram/teacher");
  EXPECT_EQ(fake.webhook_secret(), "s3cret");
  auto updates = api.get_updates(0, 0);
  ASSERT_FALSE(updates.ok());
  EXPECT_EQ(updates.error().code, "telegram_refused");
  EXPECT_EQ(refused_error_code(updates.error()), 409);
  ASSERT_TRUE(api.delete_webhook().ok());
  EXPECT_TRUE(api.get_updates(0, 0).ok());
}

TEST_F(BotApiTest, UpdateBuildersLookLikeTelegrams) {
  const std::string video = fake.add_file(std::string(5000, 'x'), "mp4");
  fake.push_update(fake.contact_message(amy, "+998901234567", amy.id));
  fake.push_update(fake.location_message(amy, 41.3, 69.2, LocationKind::kLive));
  fake.push_update(fake.location_message(amy, 41.3, 69.2, LocationKind::kForwarded));
  fake.push_update(fake.video_note_message(amy, video, 4));
  auto updates = api.get_updates(0, 0, {"message", "callback_query"});
  ASSERT_TRUE(updates.ok()) << updates.error().message;
  ASSERT_EQ(updates->size(), 4u);
  const json& contact = (*updates)[0]["message"]["contact"];
  EXPECT_EQ(contact["phone_number"], "+998901234567");
  EXPECT_EQ(contact["user_id"], amy.id);
  EXPECT_EQ((*updates)[0]["message"]["from"]["id"], amy.id);
  EXPECT_EQ((*updates)[1]["message"]["location"]["live_period"], 900);
  EXPECT_FALSE((*updates)[1]["message"].contains("forward_origin"));
  EXPECT_TRUE((*updates)[2]["message"].contains("forward_origin"));
  const json& note = (*updates)[3]["message"]["video_note"];
  EXPECT_EQ(note["file_id"], video);
  EXPECT_EQ(note["file_size"], 5000);
  auto bytes = api.fetch_file(note["file_id"], 10'000);
  ASSERT_TRUE(bytes.ok()) << bytes.error().message;
  EXPECT_EQ(bytes->size(), 5000u);
}

}  // namespace
}  // namespace rollcall::bots
