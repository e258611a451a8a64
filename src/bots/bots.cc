// src/bots/bots.cc
#include "bots/bots.h"

#include <chrono>
#include <limits>

#include "base/clock.h"
#include "domain/passwords.h"

namespace rollcall::bots {

using nlohmann::json;

Bots::Bots(BotsOptions options, BotsServices services)
    : options_(std::move(options)), services_(services) {
  BotApiOptions api_options;
  api_options.base_url = options_.api_url;
  if (!options_.teacher_token.empty()) {
    Entry entry;
    entry.api = std::make_unique<BotApi>(options_.teacher_token, api_options);
    auto teacher = std::make_unique<TeacherBot>(
        *entry.api, services_.store,
        TeacherBotServices{services_.links, services_.directory, services_.sessions,
                           services_.checkins, services_.reports},
        options_.chat);
    // The finaliser only queues the report (one database write).
    services_.checkins.on_finalized(
        [bot = teacher.get()](const store::Session& session, const store::CheckinWindow& window) {
          bot->window_finalized(session, window);
        });
    teacher->on_report_queued([this] {
      {
        std::lock_guard lock(mutex_);
        are_reports_due_ = true;
      }
      reports_wake_.notify_all();
    });
    teacher_ = teacher.get();
    entry.bot = std::move(teacher);
    entries_.push_back(std::move(entry));
  }
  if (!options_.student_token.empty()) {
    Entry entry;
    entry.api = std::make_unique<BotApi>(options_.student_token, api_options);
    entry.bot = std::make_unique<StudentBot>(
        *entry.api, services_.store, StudentBotServices{services_.links, services_.checkins},
        options_.chat);
    entries_.push_back(std::move(entry));
  }
  for (auto& entry : entries_) {
    entry.executor = std::make_unique<ChatExecutor>(options_.threads, options_.max_pending_updates);
  }
}

Bots::~Bots() { stop(); }

Result<void> Bots::start() {
  if (entries_.empty()) return {};
  if (options_.is_webhook) {
    secret_ = options_.webhook_secret;
    if (secret_.empty()) {
      auto kept = services_.store.write_value<std::string>([](store::Tx& tx) {
        return tx.put_setting_if_absent("telegram_webhook_secret", domain::random_token(24));
      });
      if (!kept) return kept.error();
      secret_ = *kept;
    }
  } else {
    for (auto& entry : entries_) {
      UpdatePollerOptions poller;
      poller.bot = entry.bot->name();
      poller.long_poll_s = options_.long_poll_s;
      poller.log = options_.chat.log;
      // As webhooks: through the chat's lane, so that one slow update (a
      // download) holds up no other chat.
      Entry* self = &entry;  // entries_ no longer changes
      entry.poller = std::make_unique<UpdatePoller>(
          *entry.api, services_.store, poller,
          [this, self](const json& update) { dispatch(*self, update); });
      entry.poller->start();
    }
  }
  ticker_ = std::thread([this] { run_ticker(); });
  if (teacher_) reports_ = std::thread([this] { run_reports(); });
  return {};
}

void Bots::stop() {
  {
    std::lock_guard lock(mutex_);
    if (is_stopping_) return;
    is_stopping_ = true;
  }
  wake_.notify_all();
  for (auto& entry : entries_) entry.api->stop();  // ends long polls and retry waits
  for (auto& entry : entries_) {
    if (entry.poller) entry.poller->stop();
  }
  for (auto& entry : entries_) entry.executor->stop();  // quick: the API calls fail at once
  reports_wake_.notify_all();
  if (ticker_.joinable()) ticker_.join();
  if (reports_.joinable()) reports_.join();
}

void Bots::dispatch(Entry& entry, const json& update) {
  ChatBot* bot = entry.bot.get();
  const std::int64_t chat = read_update(update).chat_id;
  if (!entry.executor->post(chat, [bot, update] { bot->handle(update); }) && options_.chat.log) {
    options_.chat.log({{"event", "telegram_update_dropped"},
                       {"bot", bot->name()},
                       {"update_id", update.value("update_id", std::int64_t{0})},
                       {"why", "too many updates waiting"}},
                      true);
  }
}

void Bots::run_ticker() {
  std::unique_lock lock(mutex_);
  std::int64_t expired_ms = 0;
  while (!is_stopping_) {
    lock.unlock();
    sync_webhooks();
    for (auto& entry : entries_) entry.bot->tick();
    // Expired conversations read as new already; their rows go now and then.
    if (const std::int64_t now = unix_ms_now(); now - expired_ms >= kExpireEveryMs) {
      expired_ms = now;
      if (auto done = services_.store.write([now](store::Tx& tx) -> Result<void> {
            ROLLCALL_TRY(tx.expire_bot_chats(now));
            return {};
          });
          !done && options_.chat.log) {
        options_.chat.log({{"event", "bot_expiry_failed"}, {"why", done.error().message}}, true);
      }
    }
    lock.lock();
    wake_.wait_for(lock, std::chrono::milliseconds(options_.tick_ms),
                   [this] { return is_stopping_; });
  }
}

void Bots::run_reports() {
  std::unique_lock lock(mutex_);
  while (!is_stopping_) {
    are_reports_due_ = false;
    lock.unlock();
    while (teacher_->send_next_report()) {
    }
    lock.lock();
    reports_wake_.wait_for(lock, std::chrono::milliseconds(options_.tick_ms),
                           [this] { return is_stopping_ || are_reports_due_; });
  }
}

void Bots::sync_webhooks() {
  for (auto& entry : entries_) {
    if (entry.is_registered) continue;
    const std::string url = options_.webhook_url + "/telegram/" + entry.bot->name();
    // Polling needs no webhook: Telegram refuses getUpdates while one is set
    // (a server switched from webhook mode).
    auto set = options_.is_webhook
                   ? entry.api->set_webhook(url, secret_, {"message", "callback_query"})
                   : entry.api->delete_webhook(false);
    if (!set) {
      if (options_.chat.log) {
        options_.chat.log({{"event", "telegram_webhook_unset"},
                           {"bot", entry.bot->name()},
                           {"why", set.error().message}},
                          true);
      }
      continue;  // tried again on the next tick
    }
    entry.is_registered = true;
  }
}

Result<bool> Bots::first_time(const std::string& bot, std::int64_t update_id) {
  return services_.store.write_value<bool>([&](store::Tx& tx) -> Result<bool> {
    auto next = stored_offset(tx, bot);
    if (!next) return next.error();
    if (update_id < *next) return false;
    const auto next_id =
        update_id == std::numeric_limits<std::int64_t>::max() ? update_id : update_id + 1;
    ROLLCALL_TRY(tx.put_setting(offset_key(bot), std::to_string(next_id)));
    return true;
  });
}

Result<void> Bots::webhook(const std::string& bot, const std::string& secret_header,
                           const std::string& body) {
  Entry* entry = nullptr;
  for (auto& candidate : entries_) {
    if (candidate.bot->name() == bot) entry = &candidate;
  }
  if (!options_.is_webhook || !entry) {
    return make_error("telegram_webhook_off",
                      "no " + bot +
                          " bot takes webhooks here (telegram_mode is not webhook, or "
                          "its token is not set)");
  }
  // Constant time: the header is a shared secret.
  if (!domain::same_secret(secret_header, secret_)) {
    return make_error("telegram_secret_wrong",
                      "the X-Telegram-Bot-Api-Secret-Token header is missing or wrong");
  }
  const json update = json::parse(body, nullptr, false);
  if (!update.is_object() || !update.contains("update_id") ||
      !update["update_id"].is_number_integer()) {
    return make_error("invalid_json", "the body is not a Telegram Update");
  }
  auto is_new = first_time(bot, update["update_id"].get<std::int64_t>());
  if (!is_new) return is_new.error();
  if (*is_new) dispatch(*entry, update);  // a repeat delivery is acknowledged, not handled
  return {};
}

}  // namespace rollcall::bots
