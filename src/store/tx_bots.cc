// src/store/tx_bots.cc
//
// Tx: the Telegram bots' conversations (one row per bot and chat), the
// one-time codes that link a teacher's Telegram account, and the teacher
// bot's report outbox.
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

constexpr const char* kReportColumns =
    "id, window_id, session_id, chat_id, state, parts_sent, attempts, next_attempt_ms, "
    "last_error, created_ms, finished_ms";

BotReport read_report(RowReader& row) {
  BotReport report;
  report.id = row.integer();
  report.window = row.integer();
  report.session = row.id<SessionTag>();
  report.chat_id = row.integer();
  report.state = row.text();
  report.parts_sent = static_cast<int>(row.integer());
  report.attempts = static_cast<int>(row.integer());
  report.next_attempt_ms = row.integer();
  report.last_error = row.text();
  report.created_ms = row.integer();
  report.finished_ms = row.optional_integer();
  return report;
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

Result<bool> Tx::queue_bot_report(const BotReport& report) {
  auto queued = change(
      connection_,
      "INSERT INTO bot_reports (window_id, session_id, chat_id, state, parts_sent, attempts, "
      "next_attempt_ms, last_error, created_ms, finished_ms) VALUES ($1, $2, $3, $4, $5, $6, $7, "
      "$8, $9, $10) ON CONFLICT (window_id, chat_id) DO NOTHING",
      {param(report.window), param(report.session), param(report.chat_id), param(report.state),
       param(std::int64_t{report.parts_sent}), param(std::int64_t{report.attempts}),
       param(report.next_attempt_ms), param(report.last_error), param(report.created_ms),
       param(report.finished_ms)});
  if (!queued) return queued.error();
  return *queued > 0;
}

Result<std::optional<BotReport>> Tx::claim_bot_report(std::int64_t now_ms, std::int64_t lease_ms) {
  // Rows another server's claim holds are skipped, not waited for.
  const char* lock = connection_.backend() == Backend::postgres ? " FOR UPDATE SKIP LOCKED" : "";
  auto found = select_one(connection_,
                          select_from(kReportColumns,
                                      "bot_reports WHERE state = 'pending' AND next_attempt_ms "
                                      "<= $1 ORDER BY next_attempt_ms, id LIMIT 1") +
                              lock,
                          {param(now_ms)}, read_report);
  if (!found || !*found) return found;
  (*found)->next_attempt_ms = now_ms + lease_ms;
  auto leased = exec(connection_, "UPDATE bot_reports SET next_attempt_ms = $2 WHERE id = $1",
                     {param((*found)->id), param((*found)->next_attempt_ms)});
  if (!leased) return leased.error();
  return found;
}

Result<void> Tx::update_bot_report(const BotReport& report) {
  return change_one(connection_,
                    "UPDATE bot_reports SET state = $2, parts_sent = $3, attempts = $4, "
                    "next_attempt_ms = $5, last_error = $6, finished_ms = $7 WHERE id = $1",
                    {param(report.id), param(report.state), param(std::int64_t{report.parts_sent}),
                     param(std::int64_t{report.attempts}), param(report.next_attempt_ms),
                     param(report.last_error), param(report.finished_ms)},
                    "bot report with id " + std::to_string(report.id));
}

Result<std::vector<BotReport>> Tx::list_bot_reports(SessionId session) {
  return select_all(connection_,
                    select_from(kReportColumns, "bot_reports WHERE session_id = $1 ORDER BY id"),
                    {param(session)}, read_report);
}

}  // namespace rollcall::store
