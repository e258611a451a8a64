// src/bots/bot_api.h
//
// BotApi: a client of the Telegram Bot API (https://core.telegram.org/bots/api)
// over libcurl. Owns: building requests (JSON bodies; multipart for photo
// and document uploads), reading replies into JSON or small structs, file
// downloads with a size cap, and mapping failures to rollcall Errors:
//   telegram_rate_limited   429; the message ends "(retry_after=N)", read it
//                           with retry_after_seconds() (bots/retry.h)
//   telegram_unavailable    5xx, network errors, timeouts, unreadable
//                           replies, and calls aborted by stop()
//   telegram_refused        any other 4xx, with the API's description and
//                           "(error_code=N)" (refused_error_code())
//   telegram_file_too_large a file over the caller's limit (never fetched,
//                           or cut off mid-transfer)
// Leaves to others: retrying (bots/retry.h), conversations, the database.
// The token is a secret: it is never put in an Error or a log line; every
// message passes through redact_token() first ("bot***").
// Thread safety: calls may run concurrently from several threads (each
// uses its own curl handle); stop() from any thread aborts all of them.
#pragma once

#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "bots/stop_signal.h"

namespace rollcall::bots {

using nlohmann::json;

struct BotApiOptions {
  std::string base_url = "https://api.telegram.org";  // http:// allowed (tests)
  std::int64_t connect_timeout_ms = 10'000;
  std::int64_t request_timeout_ms = 30'000;        // every call but long polls and transfers
  std::int64_t transfer_timeout_ms = 120'000;      // uploads and downloads
  std::int64_t long_poll_margin_ms = 10'000;       // getUpdates: curl waits timeout_s + this
  std::size_t max_reply_bytes = 16 * 1024 * 1024;  // a larger API reply is an error
};

// getFile's answer. `file_size` is absent when Telegram does not know it.
struct TelegramFile {
  std::string file_id;
  std::string file_unique_id;
  std::string file_path;  // empty: Telegram cannot serve it (over 20 MB)
  std::optional<std::int64_t> file_size;
};

class BotApi {
 public:
  BotApi(std::string token, BotApiOptions options = {});
  BotApi(const BotApi&) = delete;
  BotApi& operator=(const BotApi&) = delete;
  ~BotApi();

  // The bot's own User object.
  Result<json> get_me();

  // Long polling: updates with update_id >= offset (confirming all below),
  // waiting up to `timeout_s` for one. An empty `allowed_updates` keeps
  // Telegram's current choice. Returns the JSON array of Update objects.
  Result<std::vector<json>> get_updates(std::int64_t offset, int timeout_s,
                                        const std::vector<std::string>& allowed_updates = {});

  // The sent / edited Message. `reply_markup` is an inline or reply keyboard
  // object; `parse_mode` e.g. "HTML".
  Result<json> send_message(std::int64_t chat_id, const std::string& text,
                            const std::optional<json>& reply_markup = std::nullopt,
                            const std::optional<std::string>& parse_mode = std::nullopt);
  Result<json> edit_message_text(std::int64_t chat_id, std::int64_t message_id,
                                 const std::string& text,
                                 const std::optional<json>& reply_markup = std::nullopt,
                                 const std::optional<std::string>& parse_mode = std::nullopt);
  Result<void> delete_message(std::int64_t chat_id, std::int64_t message_id);
  Result<void> answer_callback_query(const std::string& callback_query_id,
                                     const std::string& text = "", bool show_alert = false);

  // Uploads `bytes` as a new file named `filename`; returns the Message.
  Result<json> send_photo(std::int64_t chat_id, const std::string& bytes,
                          const std::string& filename, const std::string& caption = "",
                          const std::optional<json>& reply_markup = std::nullopt);
  Result<json> send_document(std::int64_t chat_id, const std::string& bytes,
                             const std::string& filename, const std::string& caption = "",
                             const std::optional<json>& reply_markup = std::nullopt);

  Result<TelegramFile> get_file(const std::string& file_id);
  // The bytes at `file_path` (from get_file); over `max_bytes` ->
  // telegram_file_too_large, the transfer cut off at the limit.
  Result<std::string> download(const std::string& file_path, std::int64_t max_bytes);
  // get_file, then refuses a known size over `max_bytes` before any byte
  // is fetched, then download().
  Result<std::string> fetch_file(const std::string& file_id, std::int64_t max_bytes);

  // Webhook mode: Telegram POSTs updates to `url` with the header
  // X-Telegram-Bot-Api-Secret-Token: `secret_token`.
  Result<void> set_webhook(const std::string& url, const std::string& secret_token,
                           const std::vector<std::string>& allowed_updates = {});
  Result<void> delete_webhook(bool drop_pending_updates = false);

  // Any method with a JSON body; returns the reply's "result".
  Result<json> call(const std::string& method, const json& params,
                    std::optional<std::int64_t> timeout_ms = std::nullopt);

  // Aborts every call in flight (they return telegram_unavailable) and
  // every retry wait using stop_signal(); later calls fail at once.
  void stop() { stop_.stop(); }
  StopSignal& stop_signal() { return stop_; }

  // `text` with the token (and "bot<token>") replaced by "bot***".
  std::string redact(const std::string& text) const;

 private:
  struct Reply;
  struct Upload;
  struct Shared;
  Result<json> call_multipart(const std::string& method, const json& fields, const Upload& file);
  Result<json> read_reply(const std::string& method, const Reply& reply) const;
  Reply perform(const std::string& url, const std::string* json_body, const Upload* upload,
                const json* fields, std::int64_t timeout_ms, std::int64_t max_bytes);
  std::string method_url(const std::string& method) const;

  std::string token_;
  BotApiOptions options_;
  std::unique_ptr<Shared> shared_;  // DNS and TLS sessions, reused across calls
  StopSignal stop_;
};

// `text` with every occurrence of `token` replaced by "***" (so a URL's
// "/bot<token>/" becomes "/bot***/"). An empty token changes nothing.
std::string redact_token(std::string text, const std::string& token);

}  // namespace rollcall::bots
