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
// A finalised window's report goes out from a durable outbox (the
// bot_reports table): the finaliser's hook only queues it (one database
// write, no Telegram call), and the bots' report thread sends it part by
// part (message, CSV, XLSX; each part once), retried with backoff across
// restarts, given up after kMaxReportAttempts with the teacher told. A
// file Telegram refuses for good (and the QR image) is told to the
// teacher too, rather than promised.
// Owns: the conversation's states and words, the outbox's retry rules.
// Leaves to others: the rules (domain: TelegramLinks, Checkins, Sessions,
// Reports), the Bot API.
// Thread safety: as ChatBot; send_next_report() from one thread at a time.
#pragma once

#include <cstdint>
#include <functional>
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

  // Queues the window's report for the session's teacher, if linked
  // (Checkins' on_finalized hook; any thread). Never calls Telegram.
  void window_finalized(const store::Session& session, const store::CheckinWindow& window);
  // Claims the report due first in the outbox and sends what is left of
  // it: true when there was one (call again), false when none is due (or
  // stopping, or the database failed: logged).
  bool send_next_report();
  // Called after a report is queued (wakes whoever calls
  // send_next_report()). Set before the bot runs.
  void on_report_queued(std::function<void()> callback) { report_queued_ = std::move(callback); }

  static constexpr int kMaxSecretTries = 5;
  static constexpr std::int64_t kCountdownEveryMs = 15'000;
  // The outbox: attempts before giving up (about 40 minutes of backoff),
  // the first wait (doubled after each failure, at most kMaxReportWaitMs),
  // and the claim's lease (longer than an attempt: 3 transfers of at most
  // 120 s each).
  static constexpr int kMaxReportAttempts = 10;
  static constexpr std::int64_t kReportWaitMs = 5'000;
  static constexpr std::int64_t kMaxReportWaitMs = 900'000;
  static constexpr std::int64_t kReportLeaseMs = 600'000;

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
  // /report: the report now, from the chat's own thread.
  void send_report(std::int64_t chat_id, const domain::Principal& who, SessionId session);
  void queue_report(store::BotReport report);
  void deliver(store::BotReport report);
  void keep(const store::BotReport& report);
  void close_window(const Incoming& in, Conversation& conversation, const domain::Principal& who);
  void update_countdown(std::int64_t chat_id, Conversation& conversation);
  std::string countdown_text(const nlohmann::json& data, std::int64_t closes_ms) const;

  TeacherBotServices services_;
  std::function<void()> report_queued_;
};

}  // namespace rollcall::bots
