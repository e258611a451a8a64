// src/bots/update_poller.cc
#include "bots/update_poller.h"

#include <algorithm>
#include <exception>
#include <limits>

namespace rollcall::bots {
std::string offset_key(const std::string& bot) { return "telegram_offset." + bot; }

UpdatePoller::UpdatePoller(BotApi& api, store::Store& store, UpdatePollerOptions options,
                           Handler handler)
    : api_(api), store_(store), options_(std::move(options)), handler_(std::move(handler)) {}

UpdatePoller::~UpdatePoller() { stop(); }

void UpdatePoller::log(const nlohmann::json& event, bool is_warning) const {
  if (options_.log) options_.log(event, is_warning);
}

Result<std::int64_t> stored_offset(store::Tx& tx, const std::string& bot) {
  auto stored = tx.get_setting(offset_key(bot));
  if (!stored) return stored.error();
  if (!*stored) return std::int64_t{0};
  try {
    return std::stoll(**stored);
  } catch (const std::exception&) {
    return std::int64_t{0};
  }
}

Result<std::int64_t> UpdatePoller::offset() {
  if (offset_) return *offset_;
  auto stored = store_.read_value<std::int64_t>(
      [&](store::Tx& tx) { return stored_offset(tx, options_.bot); });
  if (!stored) return stored.error();
  offset_ = *stored;
  return *stored;
}

Result<void> UpdatePoller::save_offset(std::int64_t value) {
  ROLLCALL_TRY(store_.write([&](store::Tx& tx) {
    return tx.put_setting(offset_key(options_.bot), std::to_string(value));
  }));
  offset_ = value;
  return {};
}

namespace {

// An update's id; -1 when the reply's element is not an update with an
// integer id (value() would throw on a string, and a thrown exception
// would end the poller's thread).
std::int64_t update_id_of(const nlohmann::json& update) {
  if (!update.is_object()) return -1;
  const auto it = update.find("update_id");
  return it != update.end() && it->is_number_integer() ? it->get<std::int64_t>() : -1;
}

}  // namespace

Result<int> UpdatePoller::poll_once(int long_poll_s) {
  auto from = offset();
  if (!from) return from.error();
  auto updates = with_retries(options_.retry, api_.stop_signal(),
                              [&] { return api_.get_updates(*from, long_poll_s); });
  if (!updates) return updates.error();
  std::sort(updates->begin(), updates->end(), [](const nlohmann::json& a, const nlohmann::json& b) {
    return update_id_of(a) < update_id_of(b);
  });
  int handled = 0;
  for (const auto& update : *updates) {
    const std::int64_t id = update_id_of(update);
    if (id < 0 || id < *offset_) continue;  // malformed, or already seen (a replay)
    // Past it first: handled at most once. (Telegram's ids are far below
    // the largest int64; a forged one there must not overflow.)
    ROLLCALL_TRY(save_offset(id == std::numeric_limits<std::int64_t>::max() ? id : id + 1));
    try {
      handler_(update);
    } catch (const std::exception& e) {
      // One bad update must not stop the bot.
      log({{"event", "telegram_update_failed"},
           {"bot", options_.bot},
           {"update_id", id},
           {"what", e.what()}},
          true);
    }
    ++handled;
  }
  return handled;
}

void UpdatePoller::start() {
  if (thread_.joinable()) return;
  api_.stop_signal().reset();
  thread_ = std::thread([this] { run(); });
}

void UpdatePoller::stop() {
  api_.stop();
  if (thread_.joinable()) thread_.join();
}

void UpdatePoller::run() {
  while (!api_.stop_signal().stopped()) {
    auto handled = poll_once(options_.long_poll_s);
    if (handled) continue;
    if (api_.stop_signal().stopped()) break;
    log({{"event", "telegram_poll_failed"},
         {"bot", options_.bot},
         {"code", handled.error().code},
         {"error", handled.error().message}},
        true);
    api_.stop_signal().sleep_for(options_.pause_after_failure_ms);
  }
}

}  // namespace rollcall::bots
