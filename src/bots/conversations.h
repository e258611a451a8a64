// src/bots/conversations.h
//
// Conversations: where each chat with a bot stands (a state name and what
// has been gathered), kept in the database (bot_chats) so that a restart
// resumes every conversation; one left silent past the timeout starts
// over. Owns: reading expiry (the rows are removed by the bots' ticker).
// Leaves to others: what the states mean.
// Thread safety: shared; each call is one transaction.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/result.h"
#include "store/store.h"

namespace rollcall::bots {

struct Conversation {
  std::string state;  // "" = none (a new or expired conversation)
  nlohmann::json data = nlohmann::json::object();
  std::int64_t user_id = 0;
};

class Conversations {
 public:
  Conversations(store::Store& store, std::string bot, std::int64_t timeout_ms)
      : store_(store), bot_(std::move(bot)), timeout_ms_(timeout_ms) {}

  Result<Conversation> load(std::int64_t chat_id);
  // Saves and restarts the timeout.
  Result<void> save(std::int64_t chat_id, const Conversation& conversation);
  Result<void> clear(std::int64_t chat_id);
  // Chats in `state` that have not expired, as (chat id, conversation).
  Result<std::vector<std::pair<std::int64_t, Conversation>>> in_state(const std::string& state);

 private:
  store::Store& store_;
  std::string bot_;
  std::int64_t timeout_ms_;
};

}  // namespace rollcall::bots
