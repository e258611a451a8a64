// src/bots/update_poller.h
//
// UpdatePoller: one bot's long-polling loop (getUpdates with an offset and
// a timeout) handing each update to the bot's handler, in update_id order.
// Owns: the offset, kept in the database (settings "telegram_offset.<bot>")
// so that a restart neither replays nor skips updates. The offset moves
// past an update BEFORE the update is handled: an update is handled at
// most once, never twice (a crash mid-handling drops that one update; the
// user sends it again), as the issue asks. Bot API failures (429 with
// retry_after, 5xx, network) are retried with backoff (bots/retry.h);
// stop() ends a long poll at once.
// Leaves to others: what an update means (the bots' conversations).
// Thread safety: start() and stop() from the owning thread; the handler
// runs on the poller's thread, one update at a time (Bots' handler only
// queues it for its chat's lane, so a slow update holds up no poll).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <thread>

#include <nlohmann/json.hpp>

#include "bots/bot_api.h"
#include "bots/retry.h"
#include "store/store.h"

namespace rollcall::bots {

struct UpdatePollerOptions {
  std::string bot;                             // "teacher" or "student": names the stored offset
  int long_poll_s = 25;                        // Telegram holds an empty getUpdates this long
  RetryPolicy retry;                           // per getUpdates call
  std::int64_t pause_after_failure_ms = 5000;  // when even the retries failed
  // Where structured events go (serve: the log); may be empty.
  std::function<void(const nlohmann::json& event, bool is_warning)> log;
};

// The settings key of a bot's offset: the update_id to handle next (the
// webhook path keeps it too, so switching modes neither replays nor skips).
std::string offset_key(const std::string& bot);
// The stored offset (0 when none, or unreadable: start from what Telegram
// still holds).
Result<std::int64_t> stored_offset(store::Tx& tx, const std::string& bot);

class UpdatePoller {
 public:
  using Handler = std::function<void(const nlohmann::json& update)>;

  UpdatePoller(BotApi& api, store::Store& store, UpdatePollerOptions options, Handler handler);
  ~UpdatePoller();  // stop()
  UpdatePoller(const UpdatePoller&) = delete;
  UpdatePoller& operator=(const UpdatePoller&) = delete;

  void start();
  // Ends the long poll in flight (BotApi::stop) and joins. Idempotent.
  void stop();

  // One getUpdates round (with retries) and its updates handled; how many
  // were handled. The loop calls this; tests may too (without start()).
  Result<int> poll_once(int long_poll_s);

  // The stored offset: the update_id the next getUpdates starts at.
  Result<std::int64_t> offset();

 private:
  Result<void> save_offset(std::int64_t offset);
  void run();
  void log(const nlohmann::json& event, bool is_warning) const;

  BotApi& api_;
  store::Store& store_;
  UpdatePollerOptions options_;
  Handler handler_;
  std::optional<std::int64_t> offset_;  // cached after the first read
  std::thread thread_;
};

}  // namespace rollcall::bots
