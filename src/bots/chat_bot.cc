// src/bots/chat_bot.cc
#include "bots/chat_bot.h"

#include <cstdio>
#include <ctime>
#include <exception>

#include "base/clock.h"
#include "bots/retry.h"

namespace rollcall::bots {

using nlohmann::json;

namespace {
// A reply a person waits for: a 429 or a 5xx is waited out briefly, then
// the reply is dropped (and logged) rather than held for minutes.
const RetryPolicy kSendRetry{4, 500, 5'000, 20'000, 20};
}  // namespace

json inline_keyboard(const std::vector<std::vector<Button>>& rows) {
  json keyboard = json::array();
  for (const auto& row : rows) {
    json buttons = json::array();
    for (const auto& button : row) {
      buttons.push_back({{"text", button.text}, {"callback_data", button.data}});
    }
    keyboard.push_back(std::move(buttons));
  }
  return {{"inline_keyboard", keyboard}};
}

json contact_keyboard(const std::string& label) {
  return {{"keyboard", json::array({json::array({{{"text", label}, {"request_contact", true}}})})},
          {"resize_keyboard", true},
          {"one_time_keyboard", true}};
}

json location_keyboard(const std::string& label) {
  return {{"keyboard", json::array({json::array({{{"text", label}, {"request_location", true}}})})},
          {"resize_keyboard", true},
          {"one_time_keyboard", true}};
}

json remove_keyboard() { return {{"remove_keyboard", true}}; }

std::string sentence(std::string clause) {
  if (clause.empty()) return clause;
  if (clause[0] >= 'a' && clause[0] <= 'z') clause[0] = static_cast<char>(clause[0] - 'a' + 'A');
  if (clause.back() != '.' && clause.back() != '!' && clause.back() != '?') clause += '.';
  return clause;
}

std::string clock_time(std::int64_t unix_ms) {
  const auto seconds = static_cast<std::time_t>(unix_ms / 1000);
  std::tm parts{};
  gmtime_r(&seconds, &parts);
  char text[16];
  std::snprintf(text, sizeof text, "%02d:%02d UTC", parts.tm_hour, parts.tm_min);
  return text;
}

ChatBot::ChatBot(BotApi& api, store::Store& store, std::string name, ChatBotOptions options)
    : api_(api),
      store_(store),
      conversations_(store, name, options.conversation_timeout_ms),
      name_(std::move(name)),
      options_(std::move(options)),
      per_user_(options_.messages_per_minute) {}

void ChatBot::handle(const json& update) {
  const Incoming in = read_update(update);
  if (in.kind == IncomingKind::ignored) return;
  if (is_over_limit(in)) return;
  std::lock_guard lock(chat_lock(in.chat_id));
  guarded("update", [&] { on_incoming(in); });
}

void ChatBot::tick() {
  guarded("tick", [&] { on_tick(); });
}

void ChatBot::with_chat(std::int64_t chat_id, const std::function<void()>& work) {
  std::lock_guard lock(chat_lock(chat_id));
  guarded("chat", work);
}

void ChatBot::for_chats_in(const std::string& state,
                           const std::function<void(std::int64_t, Conversation&)>& work) {
  auto listed = conversations_.in_state(state);
  if (!listed) return;
  for (const auto& entry : *listed) {
    const std::int64_t chat_id = entry.first;
    with_chat(chat_id, [&] {
      auto loaded = conversations_.load(chat_id);
      if (loaded && loaded->state == state) work(chat_id, *loaded);
    });
  }
}

std::recursive_mutex& ChatBot::chat_lock(std::int64_t chat_id) {
  return chat_locks_[static_cast<std::uint64_t>(chat_id) % kChatLocks];
}

// A bug in one conversation must not stop the bot for everyone.
void ChatBot::guarded(const char* what, const std::function<void()>& work) {
  try {
    work();
  } catch (const std::exception& e) {
    log({{"event", "bot_failed"}, {"in", what}, {"what", api_.redact(e.what())}}, true);
  }
}

bool ChatBot::is_over_limit(const Incoming& in) {
  int retry_after_s = 0;
  if (per_user_.allow(std::to_string(in.user_id), retry_after_s)) return false;
  const std::int64_t now = unix_ms_now();
  bool warn = false;
  {
    std::lock_guard lock(warned_mutex_);
    if (warned_until_ms_.size() > 10'000) warned_until_ms_.clear();
    auto& warned_until = warned_until_ms_[in.user_id];
    warn = warned_until < now;
    if (warn) warned_until = now + 60'000;
  }
  if (warn) {
    if (in.kind == IncomingKind::button) answer_button(in);
    say(in.chat_id, "You are sending messages faster than I can take them. Please wait " +
                        std::to_string(retry_after_s) + " s and try again.");
  }
  log({{"event", "bot_rate_limited"}, {"user", in.user_id}}, false);
  return true;
}

std::int64_t ChatBot::say(std::int64_t chat_id, const std::string& text,
                          const std::optional<json>& markup) {
  auto sent = with_retries(kSendRetry, api_.stop_signal(),
                           [&] { return api_.send_message(chat_id, text, markup); });
  if (!sent) {
    log({{"event", "bot_send_failed"}, {"chat", chat_id}, {"why", sent.error().message}}, true);
    return 0;
  }
  return sent->value("message_id", std::int64_t{0});
}

void ChatBot::edit(std::int64_t chat_id, std::int64_t message_id, const std::string& text,
                   const std::optional<json>& markup) {
  if (message_id == 0) return;
  auto edited = with_retries(kSendRetry, api_.stop_signal(), [&] {
    return api_.edit_message_text(chat_id, message_id, text, markup);
  });
  // Telegram refuses an edit that changes nothing; that is not a problem.
  if (!edited && edited.error().message.find("not modified") == std::string::npos) {
    log({{"event", "bot_edit_failed"}, {"chat", chat_id}, {"why", edited.error().message}}, true);
  }
}

bool ChatBot::send_file(std::int64_t chat_id, const std::string& bytes, const std::string& filename,
                        const std::string& caption, bool is_photo) {
  auto sent = with_retries(kSendRetry, api_.stop_signal(), [&] {
    return is_photo ? api_.send_photo(chat_id, bytes, filename, caption)
                    : api_.send_document(chat_id, bytes, filename, caption);
  });
  if (!sent) {
    log({{"event", "bot_send_failed"}, {"chat", chat_id}, {"why", sent.error().message}}, true);
  }
  return sent.ok();
}

void ChatBot::save(std::int64_t chat_id, Conversation& conversation, const std::string& state) {
  conversation.state = state;
  if (auto saved = conversations_.save(chat_id, conversation); !saved) {
    log({{"event", "bot_state_lost"}, {"why", saved.error().message}}, true);
  }
}

void ChatBot::forget(std::int64_t chat_id) {
  if (auto cleared = conversations_.clear(chat_id); !cleared) {
    log({{"event", "bot_state_lost"}, {"why", cleared.error().message}}, true);
  }
}

void ChatBot::answer_button(const Incoming& in, const std::string& text) {
  if (in.callback_id.empty()) return;
  if (auto answered = api_.answer_callback_query(in.callback_id, text); !answered) {
    log({{"event", "bot_send_failed"}, {"why", answered.error().message}}, true);
  }
}

void ChatBot::log(json event, bool is_warning) const {
  event["bot"] = name_;
  if (options_.log) options_.log(event, is_warning);
}

}  // namespace rollcall::bots
