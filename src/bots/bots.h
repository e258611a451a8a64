// src/bots/bots.h
//
// Bots: the Telegram bots a server runs, as configured: for each token a
// Bot API client and its conversation (teacher or student), fed by long
// polling (UpdatePoller) or, in webhook mode, by the HTTP route that
// calls webhook(); one ticker thread for the conversations' timers
// (countdowns, verdicts) and for registering the webhook (or, polling,
// removing one) until Telegram accepts. Updates from either source go
// through the bot's ChatExecutor: in order per chat, chats in parallel (a
// slow download holds up no other chat). The teacher's report is queued
// when a check-in window is finalised (Checkins::on_finalized; no Telegram
// call on the finaliser's thread) and sent by a report thread of its own
// from the outbox (TeacherBot::send_next_report).
// Owns: those threads, and in webhook mode the rule that an update is
// handled at most once (the last update_id kept in the database, as the
// poller keeps its offset). Leaves to others: the conversations.
// Thread safety: start()/stop() from the owning thread; webhook() from
// any thread.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "bots/bot_api.h"
#include "bots/chat_bot.h"
#include "bots/chat_executor.h"
#include "bots/student_bot.h"
#include "bots/teacher_bot.h"
#include "bots/update_poller.h"

namespace rollcall::bots {

struct BotsOptions {
  std::string teacher_token;  // "" = no teacher bot
  std::string student_token;  // "" = no student bot
  std::string api_url = "https://api.telegram.org";
  bool is_webhook = false;
  std::string webhook_url;     // base; Telegram posts to <base>/telegram/<bot>
  std::string webhook_secret;  // "" = generated once, kept in the database
  int long_poll_s = 25;
  std::int64_t tick_ms = 1000;
  // Chats handled at once per bot (a download and a submission each);
  // one chat's updates always in order.
  int threads = 4;
  std::size_t max_pending_updates = 10'000;
  ChatBotOptions chat;
};

struct BotsServices {
  store::Store& store;
  domain::TelegramLinks& links;
  domain::Directory& directory;
  domain::Sessions& sessions;
  domain::Checkins& checkins;
  domain::Reports& reports;
};

class Bots {
 public:
  Bots(BotsOptions options, BotsServices services);
  ~Bots();  // stop()
  Bots(const Bots&) = delete;
  Bots& operator=(const Bots&) = delete;

  bool empty() const { return entries_.empty(); }
  // Starts polling (or the webhook registration) and the ticker. Errors:
  // database errors reading the webhook secret.
  Result<void> start();
  void stop();

  // One update POSTed by Telegram to /telegram/<bot>. Errors:
  // telegram_webhook_off (no such bot here, or polling mode),
  // telegram_secret_wrong, invalid_json.
  Result<void> webhook(const std::string& bot, const std::string& secret_header,
                       const std::string& body);

 private:
  struct Entry {
    std::unique_ptr<BotApi> api;
    std::unique_ptr<ChatBot> bot;
    std::unique_ptr<ChatExecutor> executor;
    std::unique_ptr<UpdatePoller> poller;
    bool is_registered = false;  // setWebhook (or, polling, deleteWebhook) accepted
  };
  static constexpr std::int64_t kExpireEveryMs = 60'000;
  void run_ticker();
  // The teacher bot's outbox: sends due reports, woken when one is queued
  // and once a tick (retries fall due).
  void run_reports();
  // Queues `update` for its chat's lane.
  void dispatch(Entry& entry, const nlohmann::json& update);
  // Registers the webhook (webhook mode) or removes one (polling), until
  // Telegram accepts; from the ticker.
  void sync_webhooks();
  // Webhook mode: true iff `update_id` is new (and now recorded as seen).
  Result<bool> first_time(const std::string& bot, std::int64_t update_id);

  BotsOptions options_;
  BotsServices services_;
  std::vector<Entry> entries_;
  std::string secret_;
  TeacherBot* teacher_ = nullptr;  // in entries_, when there is a teacher bot
  std::thread ticker_;
  std::thread reports_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::condition_variable reports_wake_;
  bool is_stopping_ = false;      // guarded by mutex_
  bool are_reports_due_ = false;  // guarded by mutex_
};

}  // namespace rollcall::bots
