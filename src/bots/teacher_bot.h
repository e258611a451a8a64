// src/bots/teacher_bot.h
//
// TeacherBot: the teacher's Telegram conversation (issue 7). /start links
// the account: the phone contact (the sender's own, matched to a teacher
// profile in E.164), then the account password (the message is deleted
// once read) or a one-time link code from the web app. Then /new: class
// and subject from the teacher's own assignments, the duration, the
// location; the bot opens a check-in window and sends the code and its QR
// image, a message that counts down (with buttons to extend or close),
// and, once the window is finalised, the report as a message and as CSV
// and XLSX documents. /report sends the latest session's report again;
// /close, /cancel, /help.
// Owns: the conversation's states and words. Leaves to others: the rules
// (domain: TelegramLinks, Checkins, Sessions, Reports), the Bot API.
// Thread safety: as ChatBot.
#pragma once

#include <cstdint>
#include <string>

#include "bots/chat_bot.h"
#include "domain/checkin.h"
#include "domain/directory.h"
#include "domain/reports.h"
#include "domain/sessions.h"
#include "domain/telegram_links.h"

namespace rollcall::bots {

struct TeacherBotServices {
  domain::TelegramLinks& links;
  domain::Directory& directory;
  domain::Sessions& sessions;
  domain::Checkins& checkins;
  domain::Reports& reports;
};

class TeacherBot : public ChatBot {
 public:
  TeacherBot(BotApi& api, store::Store& store, TeacherBotServices services, ChatBotOptions options);

  // Sends the session's report to its teacher, if linked (Checkins'
  // on_finalized hook; any thread).
  void window_finalized(const store::Session& session, const store::CheckinWindow& window);

  static constexpr int kMaxSecretTries = 5;
  static constexpr std::int64_t kCountdownEveryMs = 15'000;

 protected:
  void on_incoming(const Incoming& in) override;
  void on_tick() override;

 private:
  void start(const Incoming& in, Conversation& conversation);
  void on_contact(const Incoming& in, Conversation& conversation);
  void on_secret(const Incoming& in, Conversation& conversation);
  void on_button(const Incoming& in, Conversation& conversation, const domain::Principal& who);
  void on_location(const Incoming& in, Conversation& conversation, const domain::Principal& who);
  void choose_class(const Incoming& in, Conversation& conversation, const domain::Principal& who);
  void send_report(std::int64_t chat_id, const domain::Principal& who, SessionId session);
  void close_window(const Incoming& in, Conversation& conversation, const domain::Principal& who);
  void update_countdown(std::int64_t chat_id, Conversation& conversation);
  std::string countdown_text(const nlohmann::json& data, std::int64_t closes_ms) const;

  TeacherBotServices services_;
};

}  // namespace rollcall::bots
