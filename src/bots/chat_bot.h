// src/bots/chat_bot.h
//
// ChatBot: what the teacher and student bots share. Owns: reading an
// update (bots/incoming.h) and handing it to the bot's conversation, one
// at a time per bot (updates and timers take one lock, so a conversation
// never changes under its own feet); the per-user message limit (one
// polite refusal a minute, the rest ignored); answers to what no
// conversation expects (stickers, voice messages); and sending, where a
// Bot API failure is logged, never thrown (the person can ask again).
// Leaves to others: the conversations (teacher_bot, student_bot), where
// updates come from (bots/bots.h: long polling or a webhook).
// Thread safety: handle() and tick() from any threads; work on one chat
// is serialised by the chat's lock (striped: a few chats share one).
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/rate_limiter.h"
#include "bots/bot_api.h"
#include "bots/conversations.h"
#include "bots/incoming.h"
#include "store/store.h"

namespace rollcall::bots {

struct ChatBotOptions {
  int messages_per_minute = 20;  // per Telegram user
  std::int64_t conversation_timeout_ms = 600'000;
  // Structured events (serve: the log); may be empty.
  std::function<void(const nlohmann::json& event, bool is_warning)> log;
};

// One inline button: its label and the data Telegram sends back.
struct Button {
  std::string text;
  std::string data;
};
nlohmann::json inline_keyboard(const std::vector<std::vector<Button>>& rows);
// A one-button reply keyboard that shares the phone contact / the location.
nlohmann::json contact_keyboard(const std::string& label);
nlohmann::json location_keyboard(const std::string& label);
nlohmann::json remove_keyboard();

// The domain's messages are clauses ("the code is wrong; check the
// board"); in a chat they read as sentences: capitalised, with a full stop.
std::string sentence(std::string clause);

// A time of day for a message to a person, "09:31 UTC" (the server has no
// time zone setting yet; never an ISO timestamp).
std::string clock_time(std::int64_t unix_ms);

class ChatBot {
 public:
  ChatBot(BotApi& api, store::Store& store, std::string name, ChatBotOptions options);
  virtual ~ChatBot() = default;
  ChatBot(const ChatBot&) = delete;
  ChatBot& operator=(const ChatBot&) = delete;

  // One Update (JSON). Never throws.
  void handle(const nlohmann::json& update);
  // The bot's timers; the bots' ticker calls this about once a second.
  void tick();

  const std::string& name() const { return name_; }
  BotApi& api() { return api_; }

 protected:
  virtual void on_incoming(const Incoming& in) = 0;
  virtual void on_tick() {}

  // The message id sent, or 0 when the Bot API refused (logged).
  std::int64_t say(std::int64_t chat_id, const std::string& text,
                   const std::optional<nlohmann::json>& markup = std::nullopt);
  void edit(std::int64_t chat_id, std::int64_t message_id, const std::string& text,
            const std::optional<nlohmann::json>& markup = std::nullopt);
  // A photo (`is_photo`) or a document; false when it could not be sent.
  bool send_file(std::int64_t chat_id, const std::string& bytes, const std::string& filename,
                 const std::string& caption, bool is_photo);
  void answer_button(const Incoming& in, const std::string& text = "");
  // Moves the chat's conversation to `state` and keeps it (a failure is
  // logged: the person repeats the step).
  void save(std::int64_t chat_id, Conversation& conversation, const std::string& state);
  // Ends the chat's conversation (the next message starts over).
  void forget(std::int64_t chat_id);
  void log(nlohmann::json event, bool is_warning) const;
  // For each chat in `state`: re-read under the chat's lock (it may have
  // moved on since the list was read) and, if still there, `work` (timers).
  void for_chats_in(const std::string& state,
                    const std::function<void(std::int64_t chat_id, Conversation&)>& work);
  // Runs `work` under the chat's lock, guarded (timers, hooks).
  void with_chat(std::int64_t chat_id, const std::function<void()>& work);

  BotApi& api_;
  store::Store& store_;
  Conversations conversations_;

  // Runs `work`; an exception is logged (bot_failed), never let through.
  void guarded(const char* what, const std::function<void()>& work);

 private:
  bool is_over_limit(const Incoming& in);

  std::string name_;
  ChatBotOptions options_;
  RateLimiter per_user_;
  std::recursive_mutex& chat_lock(std::int64_t chat_id);

  static constexpr std::size_t kChatLocks = 64;
  std::array<std::recursive_mutex, kChatLocks> chat_locks_;
  std::mutex warned_mutex_;
  std::map<std::int64_t, std::int64_t> warned_until_ms_;  // guarded by warned_mutex_
};

}  // namespace rollcall::bots
