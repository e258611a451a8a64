// tests/bots/incoming_test.cc
//
// Reading Telegram updates (bots/incoming.h): commands with and without
// the bot's name, contacts, static / live / forwarded locations, button
// presses, the largest size of a photo, video notes and videos; stickers
// are `other`; edited messages, group chats, other bots and malformed
// updates are ignored. Updates built by the fake Bot API's builders, as
// Telegram sends them.
#include <gtest/gtest.h>

#include "bots/incoming.h"
#include "fake_bot_api.h"

namespace rollcall::bots {
namespace {

using bots_testing::FakeBotApi;
using bots_testing::FakeUser;
using bots_testing::LocationKind;
using nlohmann::json;

class IncomingTest : public ::testing::Test {
 protected:
  Incoming read(json update) {
    update["update_id"] = 77;
    return read_update(update);
  }
  FakeBotApi fake_;
  FakeUser ada_{4242, "Ada"};
};

TEST_F(IncomingTest, ACommandIsLowerCasedWithoutTheBotsName) {
  const auto in = read(fake_.text_message(ada_, "/Start@RollcallBot  PHY-1 "));
  EXPECT_EQ(in.kind, IncomingKind::text);
  EXPECT_EQ(in.update_id, 77);
  EXPECT_EQ(in.chat_id, 4242);
  EXPECT_EQ(in.user_id, 4242);
  EXPECT_EQ(in.first_name, "Ada");
  EXPECT_EQ(in.command, "/start");
  EXPECT_EQ(in.argument, "PHY-1");
  const auto plain = read(fake_.text_message(ada_, "123 456"));
  EXPECT_EQ(plain.command, "");
  EXPECT_EQ(plain.text, "123 456");
}

TEST_F(IncomingTest, AContactSaysWhoseItIs) {
  const auto own = read(fake_.contact_message(ada_, "919876543210", ada_.id));
  EXPECT_EQ(own.kind, IncomingKind::contact);
  EXPECT_EQ(own.contact_phone, "919876543210");
  EXPECT_EQ(own.contact_user_id, ada_.id);
  const auto stranger = read(fake_.contact_message(ada_, "15550001111", std::nullopt));
  EXPECT_FALSE(stranger.contact_user_id.has_value());
}

TEST_F(IncomingTest, LocationsAreStaticLiveOrForwarded) {
  const auto fixed = read(fake_.location_message(ada_, 18.52, 73.85));
  EXPECT_EQ(fixed.kind, IncomingKind::location);
  EXPECT_DOUBLE_EQ(fixed.latitude, 18.52);
  EXPECT_DOUBLE_EQ(fixed.longitude, 73.85);
  EXPECT_FALSE(fixed.is_live);
  EXPECT_FALSE(fixed.is_forwarded);
  EXPECT_FALSE(fixed.accuracy_m.has_value());
  const auto live = read(fake_.location_message(ada_, 18.52, 73.85, LocationKind::kLive));
  EXPECT_TRUE(live.is_live);
  EXPECT_DOUBLE_EQ(live.accuracy_m.value_or(0), 12.5);
  const auto forwarded = read(fake_.location_message(ada_, 18.52, 73.85, LocationKind::kForwarded));
  EXPECT_TRUE(forwarded.is_forwarded);
}

TEST_F(IncomingTest, AButtonPressCarriesItsDataAndTheBotsMessage) {
  const auto in = read(fake_.callback_query(ada_, 31, "class:7"));
  EXPECT_EQ(in.kind, IncomingKind::button);
  EXPECT_EQ(in.data, "class:7");
  EXPECT_EQ(in.message_id, 31);
  EXPECT_EQ(in.chat_id, ada_.id);
  EXPECT_FALSE(in.callback_id.empty());
}

TEST_F(IncomingTest, MediaNameTheirFiles) {
  const auto file = fake_.add_file(std::string(1000, 'x'), "mp4");
  const auto note = read(fake_.video_note_message(ada_, file));
  EXPECT_EQ(note.kind, IncomingKind::video);
  EXPECT_TRUE(note.is_video_note);
  EXPECT_EQ(note.file_id, file);
  EXPECT_EQ(note.file_size, 1000);
  const auto video = read(fake_.video_message(ada_, file));
  EXPECT_EQ(video.kind, IncomingKind::video);
  EXPECT_FALSE(video.is_video_note);
  // A photo comes in several sizes, smallest first: the largest is read.
  auto photo = fake_.photo_message(ada_, file);
  photo["message"]["photo"].insert(photo["message"]["photo"].begin(),
                                   {{"file_id", "thumb"}, {"width", 90}, {"height", 60}});
  const auto in = read(photo);
  EXPECT_EQ(in.kind, IncomingKind::photo);
  EXPECT_EQ(in.file_id, file);
}

TEST_F(IncomingTest, StickersAndVoiceAreOther) {
  auto sticker = fake_.text_message(ada_, "x");
  sticker["message"].erase("text");
  sticker["message"]["sticker"] = {{"file_id", "s"}};
  EXPECT_EQ(read(sticker).kind, IncomingKind::other);
  auto voice = fake_.text_message(ada_, "x");
  voice["message"].erase("text");
  voice["message"]["voice"] = {{"file_id", "v"}, {"duration", 2}};
  EXPECT_EQ(read(voice).kind, IncomingKind::other);
}

TEST_F(IncomingTest, EditsGroupsBotsAndNonsenseAreIgnored) {
  auto edited = fake_.text_message(ada_, "fixed typo");
  edited["edited_message"] = edited["message"];
  edited.erase("message");
  EXPECT_EQ(read(edited).kind, IncomingKind::ignored);
  auto group = fake_.text_message(ada_, "/start");
  group["message"]["chat"]["type"] = "group";
  EXPECT_EQ(read(group).kind, IncomingKind::ignored);
  auto bot = fake_.text_message(ada_, "/start");
  bot["message"]["from"]["is_bot"] = true;
  EXPECT_EQ(read(bot).kind, IncomingKind::ignored);
  auto wrong_type = fake_.text_message(ada_, "hi");
  wrong_type["message"]["text"] = 5;
  EXPECT_EQ(read(wrong_type).kind, IncomingKind::ignored);
  EXPECT_EQ(read_update(json::array()).kind, IncomingKind::ignored);
  EXPECT_EQ(read({{"poll", {{"id", "1"}}}}).kind, IncomingKind::ignored);
}

}  // namespace
}  // namespace rollcall::bots
