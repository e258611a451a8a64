// src/store/tx_bots.cc
//
// Tx: the Telegram bots' conversations (one row per bot and chat) and the
// one-time codes that link a teacher's Telegram account.
#include "store/detail/sql.h"
#include "store/store.h"

namespace rollcall::store {
namespace {

constexpr const char* kChatColumns =
    "bot, chat_id, telegram_user_id, state, data_json, updated_ms, expires_ms";

BotChat read_chat(RowReader& row) {
  BotChat chat;
  chat.bot = row.text();
  chat.chat_id = row.integer();
  chat.telegram_user_id = row.integer();
  chat.state = row.text();
  chat.data_json = row.text();
  chat.updated_ms = row.integer();
  chat.expires_ms = row.integer();
  return chat;
}

constexpr const char* kLinkCodeColumns =
    "id, teacher_id, code_hash, expires_ms, used_ms, created_ms";

TelegramLinkCode read_link_code(RowReader& row) {
  TelegramLinkCode code;
  code.id = row.integer();
  code.teacher = row.id<TeacherTag>();
  code.code_hash = row.text();
  code.expires_ms = row.integer();
  code.used_ms = row.optional_integer();
  code.created_ms = row.integer();
  return code;
}

}  // namespace

Result<std::optional<BotChat>> Tx::find_bot_chat(const std::string& bot, std::int64_t chat_id) {
  return select_one(connection_,
                    select_from(kChatColumns, "bot_chats WHERE bot = $1 AND chat_id = $2"),
                    {param(bot), param(chat_id)}, read_chat);
}

Result<void> Tx::put_bot_chat(const BotChat& chat) {
  return exec(
      connection_,
      "INSERT INTO bot_chats (bot, chat_id, telegram_user_id, state, data_json, "
      "updated_ms, expires_ms) VALUES ($1, $2, $3, $4, $5, $6, $7) "
      "ON CONFLICT (bot, chat_id) DO UPDATE SET telegram_user_id = "
      "excluded.telegram_user_id, state = excluded.state, data_json = excluded.data_json, "
      "updated_ms = excluded.updated_ms, expires_ms = excluded.expires_ms",
      {param(chat.bot), param(chat.chat_id), param(chat.telegram_user_id), param(chat.state),
       param(chat.data_json), param(chat.updated_ms), param(chat.expires_ms)});
}

Result<bool> Tx::delete_bot_chat(const std::string& bot, std::int64_t chat_id) {
  auto removed = change(connection_, "DELETE FROM bot_chats WHERE bot = $1 AND chat_id = $2",
                        {param(bot), param(chat_id)});
  if (!removed) return removed.error();
  return *removed > 0;
}

Result<std::vector<BotChat>> Tx::list_bot_chats(const std::string& bot, const std::string& state) {
  return select_all(connection_,
                    select_from(kChatColumns,
                                "bot_chats WHERE bot = $1 AND state = $2 ORDER BY updated_ms, "
                                "chat_id"),
                    {param(bot), param(state)}, read_chat);
}

Result<std::int64_t> Tx::expire_bot_chats(std::int64_t now_ms) {
  return change(connection_, "DELETE FROM bot_chats WHERE expires_ms < $1", {param(now_ms)});
}

Result<std::int64_t> Tx::insert_link_code(const TelegramLinkCode& code) {
  return insert_id(connection_,
                   "INSERT INTO telegram_link_codes (teacher_id, code_hash, expires_ms, used_ms, "
                   "created_ms) VALUES ($1, $2, $3, $4, $5) RETURNING id",
                   {param(code.teacher), param(code.code_hash), param(code.expires_ms),
                    param(code.used_ms), param(code.created_ms)});
}

Result<std::optional<TelegramLinkCode>> Tx::find_link_code(const std::string& code_hash) {
  return select_one(connection_,
                    select_from(kLinkCodeColumns, "telegram_link_codes WHERE code_hash = $1"),
                    {param(code_hash)}, read_link_code);
}

Result<bool> Tx::use_link_code(std::int64_t id, std::int64_t now_ms) {
  auto used = change(
      connection_, "UPDATE telegram_link_codes SET used_ms = $2 WHERE id = $1 AND used_ms IS NULL",
      {param(id), param(now_ms)});
  if (!used) return used.error();
  return *used > 0;
}

}  // namespace rollcall::store
