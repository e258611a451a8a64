// src/bots/conversations.cc
#include "bots/conversations.h"

#include "base/clock.h"

namespace rollcall::bots {
namespace {

Conversation from_row(const store::BotChat& row) {
  Conversation conversation;
  conversation.state = row.state;
  conversation.user_id = row.telegram_user_id;
  conversation.data = nlohmann::json::parse(row.data_json, nullptr, false);
  if (!conversation.data.is_object()) conversation.data = nlohmann::json::object();
  return conversation;
}

}  // namespace

Result<Conversation> Conversations::load(std::int64_t chat_id) {
  auto row = store_.read_value<std::optional<store::BotChat>>(
      [&](store::Tx& tx) { return tx.find_bot_chat(bot_, chat_id); });
  if (!row) return row.error();
  if (!*row || (*row)->expires_ms < unix_ms_now()) return Conversation{};
  return from_row(**row);
}

Result<void> Conversations::save(std::int64_t chat_id, const Conversation& conversation) {
  store::BotChat row;
  row.bot = bot_;
  row.chat_id = chat_id;
  row.telegram_user_id = conversation.user_id;
  row.state = conversation.state;
  row.data_json = conversation.data.dump();
  row.updated_ms = unix_ms_now();
  row.expires_ms = row.updated_ms + timeout_ms_;
  return store_.write([&](store::Tx& tx) { return tx.put_bot_chat(row); });
}

Result<void> Conversations::clear(std::int64_t chat_id) {
  return store_.write([&](store::Tx& tx) -> Result<void> {
    auto removed = tx.delete_bot_chat(bot_, chat_id);
    if (!removed) return removed.error();
    return {};
  });
}

Result<std::vector<std::pair<std::int64_t, Conversation>>> Conversations::in_state(
    const std::string& state) {
  auto rows = store_.read_value<std::vector<store::BotChat>>(
      [&](store::Tx& tx) { return tx.list_bot_chats(bot_, state); });
  if (!rows) return rows.error();
  const std::int64_t now = unix_ms_now();
  std::vector<std::pair<std::int64_t, Conversation>> out;
  for (const auto& row : *rows) {
    if (row.expires_ms >= now) out.emplace_back(row.chat_id, from_row(row));
  }
  return out;
}

}  // namespace rollcall::bots
