// src/bots/student_bot.h
//
// StudentBot: the student's Telegram conversation (issue 7). /start asks
// for the roll number once (the Telegram account is then linked; only the
// teacher or an admin can undo that), then: the code on the board (the
// open window of the student's class with that code), the location (live
// or static; a forwarded one is refused; checked against the fence at
// once), then a video note (or a photo, when the window takes photos),
// downloaded from Telegram and put through the same check-in pipeline as
// the web (domain::Checkins::submit). The verdict is told when a worker
// reaches it, with the reason on failure and another try while the window
// is open and attempts remain.
// Owns: the conversation's states and words. Leaves to others: every rule
// (domain: TelegramLinks, Checkins), the Bot API.
// Thread safety: as ChatBot.
#pragma once

#include <cstdint>
#include <string>

#include "bots/chat_bot.h"
#include "domain/checkin.h"
#include "domain/telegram_links.h"

namespace rollcall::bots {

struct StudentBotServices {
  domain::TelegramLinks& links;
  domain::Checkins& checkins;
};

class StudentBot : public ChatBot {
 public:
  StudentBot(BotApi& api, store::Store& store, StudentBotServices services, ChatBotOptions options);

  // Telegram serves files of at most 20 MB to bots.
  static constexpr std::int64_t kTelegramMaxDownload = 20LL * 1024 * 1024;
  // Telegram does not always say how accurate a shared location is; a
  // phone's GPS fix is taken to be this good then.
  static constexpr double kAssumedAccuracyM = 20;

 protected:
  void on_incoming(const Incoming& in) override;
  void on_tick() override;

 private:
  void on_roll_number(const Incoming& in, Conversation& conversation);
  void on_code(const Incoming& in, Conversation& conversation, const store::Student& student);
  void on_location(const Incoming& in, Conversation& conversation);
  void on_capture(const Incoming& in, Conversation& conversation, const store::Student& student);
  // Tells the submission's verdict if it has one (and moves the chat on).
  void tell_verdict(std::int64_t chat_id, Conversation& conversation);
  void ask_for_capture(std::int64_t chat_id, bool accepts_photos);
  std::string client_of(std::int64_t user_id) const;

  StudentBotServices services_;
};

}  // namespace rollcall::bots
