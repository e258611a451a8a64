// src/bots/bot_api.cc
#include "bots/bot_api.h"

#include <curl/curl.h>

#include <algorithm>
#include <array>
#include <mutex>

namespace rollcall::bots {
namespace {

constexpr const char* kRedacted = "***";

struct Sink {
  std::string* body;
  std::size_t max_bytes;
  bool is_too_large = false;
};

std::size_t collect(char* data, std::size_t size, std::size_t count, void* out) {
  auto& sink = *static_cast<Sink*>(out);
  const std::size_t bytes = size * count;
  if (sink.body->size() + bytes > sink.max_bytes) {
    sink.is_too_large = true;
    return 0;  // curl stops with CURLE_WRITE_ERROR
  }
  sink.body->append(data, bytes);
  return bytes;
}

std::string field_text(const json& value) {
  return value.is_string() ? value.get<std::string>() : value.dump();
}

// Reading fields of untrusted replies: a wrong type is "absent", never a throw.
std::string string_or(const json& object, const char* key, std::string fallback) {
  const auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : fallback;
}
std::optional<std::int64_t> integer_at(const json& object, const char* key) {
  const auto it = object.find(key);
  if (it == object.end() || !it->is_number_integer()) return std::nullopt;
  return it->get<std::int64_t>();
}

Error unavailable(std::string message) {
  return make_error("telegram_unavailable", std::move(message));
}

}  // namespace

// Each call has its own easy handle (calls run on several threads); the
// share handle keeps DNS answers and TLS sessions between them, so a call
// to api.telegram.org resumes a session rather than a full handshake.
struct BotApi::Shared {
  CURLSH* handle = nullptr;
  std::array<std::mutex, CURL_LOCK_DATA_LAST> locks;

  static void lock(CURL*, curl_lock_data data, curl_lock_access, void* self) {
    static_cast<Shared*>(self)->locks.at(data).lock();
  }
  static void unlock(CURL*, curl_lock_data data, void* self) {
    static_cast<Shared*>(self)->locks.at(data).unlock();
  }
};

struct BotApi::Upload {
  std::string field;  // "photo" or "document"
  const std::string* bytes;
  std::string filename;
};

struct BotApi::Reply {
  CURLcode code = CURLE_OK;
  std::string curl_error;
  long status = 0;
  std::string body;
  bool is_too_large = false;
  bool is_stopped = false;
};

std::string redact_token(std::string text, const std::string& token) {
  if (token.empty()) return text;
  for (auto at = text.find(token); at != std::string::npos; at = text.find(token, at)) {
    text.replace(at, token.size(), kRedacted);
    at += std::char_traits<char>::length(kRedacted);
  }
  return text;
}

BotApi::BotApi(std::string token, BotApiOptions options)
    : token_(std::move(token)), options_(std::move(options)) {
  while (!options_.base_url.empty() && options_.base_url.back() == '/')
    options_.base_url.pop_back();
  curl_global_init(CURL_GLOBAL_DEFAULT);
  shared_ = std::make_unique<Shared>();
  shared_->handle = curl_share_init();
  if (shared_->handle != nullptr) {
    curl_share_setopt(shared_->handle, CURLSHOPT_LOCKFUNC, &Shared::lock);
    curl_share_setopt(shared_->handle, CURLSHOPT_UNLOCKFUNC, &Shared::unlock);
    curl_share_setopt(shared_->handle, CURLSHOPT_USERDATA, shared_.get());
    curl_share_setopt(shared_->handle, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
    curl_share_setopt(shared_->handle, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
  }
}

BotApi::~BotApi() {
  stop();
  if (shared_->handle != nullptr) curl_share_cleanup(shared_->handle);
  curl_global_cleanup();
}

std::string BotApi::redact(const std::string& text) const { return redact_token(text, token_); }

std::string BotApi::method_url(const std::string& method) const {
  return options_.base_url + "/bot" + token_ + "/" + method;
}

BotApi::Reply BotApi::perform(const std::string& url, const std::string* json_body,
                              const Upload* upload, const json* fields, std::int64_t timeout_ms,
                              std::int64_t max_bytes) {
  Reply reply;
  if (stop_.stopped()) {
    reply.is_stopped = true;
    return reply;
  }
  CURL* curl = curl_easy_init();
  if (curl == nullptr) {
    reply.code = CURLE_FAILED_INIT;
    return reply;
  }
  char error_buffer[CURL_ERROR_SIZE] = {};
  Sink sink{&reply.body, static_cast<std::size_t>(std::max<std::int64_t>(0, max_bytes))};
  curl_slist* headers = nullptr;
  curl_mime* mime = nullptr;
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_USERAGENT, "Rollcall-Bots/1");
  if (shared_->handle != nullptr) curl_easy_setopt(curl, CURLOPT_SHARE, shared_->handle);
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error_buffer);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(timeout_ms));
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(options_.connect_timeout_ms));
  curl_easy_setopt(curl, CURLOPT_MAXFILESIZE_LARGE, static_cast<curl_off_t>(max_bytes));
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, collect);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &sink);
  headers = curl_slist_append(headers, "Expect:");  // no 100-continue round trip
  if (json_body != nullptr) {
    headers = curl_slist_append(headers, "Content-Type: application/json");
    curl_easy_setopt(curl, CURLOPT_POST, 1L);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, json_body->data());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(json_body->size()));
  } else if (upload != nullptr) {
    mime = curl_mime_init(curl);
    for (const auto& [name, value] : fields->items()) {
      curl_mimepart* part = curl_mime_addpart(mime);
      const std::string text = field_text(value);
      curl_mime_name(part, name.c_str());
      curl_mime_data(part, text.data(), text.size());
    }
    curl_mimepart* part = curl_mime_addpart(mime);
    curl_mime_name(part, upload->field.c_str());
    curl_mime_data(part, upload->bytes->data(), upload->bytes->size());
    curl_mime_filename(part, upload->filename.c_str());
    curl_mime_type(part, "application/octet-stream");
    curl_easy_setopt(curl, CURLOPT_MIMEPOST, mime);
  }
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);

  // A multi handle rather than curl_easy_perform: stop() wakes its poll at
  // once, where a progress callback would notice only about once a second.
  CURLM* multi = curl_multi_init();
  curl_multi_add_handle(multi, curl);
  const std::uint64_t waker = stop_.add_waker([multi] { curl_multi_wakeup(multi); });
  reply.code = CURLE_FAILED_INIT;
  for (;;) {
    if (stop_.stopped()) {
      reply.is_stopped = true;
      break;
    }
    int running = 0;
    if (curl_multi_perform(multi, &running) != CURLM_OK) break;
    if (running == 0) {
      int queued = 0;
      while (CURLMsg* message = curl_multi_info_read(multi, &queued)) {
        if (message->msg == CURLMSG_DONE) reply.code = message->data.result;
      }
      break;
    }
    curl_multi_poll(multi, nullptr, 0, 1000, nullptr);
  }
  stop_.remove_waker(waker);
  curl_multi_remove_handle(multi, curl);
  curl_multi_cleanup(multi);

  reply.is_too_large = sink.is_too_large || reply.code == CURLE_FILESIZE_EXCEEDED;
  reply.curl_error = error_buffer[0] != '\0' ? error_buffer : curl_easy_strerror(reply.code);
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &reply.status);
  curl_mime_free(mime);
  curl_slist_free_all(headers);
  curl_easy_cleanup(curl);
  return reply;
}

Result<json> BotApi::read_reply(const std::string& method, const Reply& reply) const {
  const std::string what = "Telegram " + method;
  if (reply.is_stopped) return unavailable(what + " stopped: the bot is shutting down");
  if (reply.is_too_large) {
    return unavailable(what + " replied with more than " +
                       std::to_string(options_.max_reply_bytes) + " bytes");
  }
  if (reply.code != CURLE_OK) {
    return unavailable(redact(what + " failed: " + reply.curl_error));
  }
  const json body = json::parse(reply.body, nullptr, false);
  if (body.is_object() && body.contains("ok") && body["ok"] == true) {
    return body.contains("result") ? body["result"] : json();
  }
  const bool is_readable = body.is_object();
  const std::int64_t code =
      is_readable ? integer_at(body, "error_code").value_or(reply.status) : reply.status;
  const std::string fallback = "HTTP " + std::to_string(reply.status);
  const std::string description = is_readable ? string_or(body, "description", fallback) : fallback;
  if (code == 429 || reply.status == 429) {
    std::int64_t retry_after = 1;  // when Telegram does not say
    if (is_readable && body.contains("parameters") && body["parameters"].is_object()) {
      retry_after =
          std::max<std::int64_t>(0, integer_at(body["parameters"], "retry_after").value_or(1));
    }
    return make_error("telegram_rate_limited",
                      redact(what + " rate limited: " + description +
                             " (retry_after=" + std::to_string(retry_after) + ")"));
  }
  if (reply.status >= 500 || code >= 500 || reply.status < 400) {
    return unavailable(redact(what + " failed: " + description));
  }
  return make_error("telegram_refused", redact(what + " refused: " + description +
                                               " (error_code=" + std::to_string(code) + ")"));
}

Result<json> BotApi::call(const std::string& method, const json& params,
                          std::optional<std::int64_t> timeout_ms) {
  const std::string body = params.is_null() ? "{}" : params.dump();
  const Reply reply = perform(method_url(method), &body, nullptr, nullptr,
                              timeout_ms.value_or(options_.request_timeout_ms),
                              static_cast<std::int64_t>(options_.max_reply_bytes));
  return read_reply(method, reply);
}

Result<json> BotApi::call_multipart(const std::string& method, const json& fields,
                                    const Upload& file) {
  const Reply reply =
      perform(method_url(method), nullptr, &file, &fields, options_.transfer_timeout_ms,
              static_cast<std::int64_t>(options_.max_reply_bytes));
  return read_reply(method, reply);
}

Result<json> BotApi::get_me() { return call("getMe", json::object()); }

Result<std::vector<json>> BotApi::get_updates(std::int64_t offset, int timeout_s,
                                              const std::vector<std::string>& allowed_updates) {
  json params = {{"offset", offset}, {"timeout", std::max(0, timeout_s)}};
  if (!allowed_updates.empty()) params["allowed_updates"] = allowed_updates;
  auto result = call("getUpdates", params,
                     std::int64_t{std::max(0, timeout_s)} * 1000 + options_.long_poll_margin_ms);
  if (!result) return result.error();
  if (!result->is_array()) return unavailable("Telegram getUpdates replied with no update list");
  return std::vector<json>(result->begin(), result->end());
}

Result<json> BotApi::send_message(std::int64_t chat_id, const std::string& text,
                                  const std::optional<json>& reply_markup,
                                  const std::optional<std::string>& parse_mode) {
  json params = {{"chat_id", chat_id}, {"text", text}};
  if (reply_markup) params["reply_markup"] = *reply_markup;
  if (parse_mode) params["parse_mode"] = *parse_mode;
  return call("sendMessage", params);
}

Result<json> BotApi::edit_message_text(std::int64_t chat_id, std::int64_t message_id,
                                       const std::string& text,
                                       const std::optional<json>& reply_markup,
                                       const std::optional<std::string>& parse_mode) {
  json params = {{"chat_id", chat_id}, {"message_id", message_id}, {"text", text}};
  if (reply_markup) params["reply_markup"] = *reply_markup;
  if (parse_mode) params["parse_mode"] = *parse_mode;
  return call("editMessageText", params);
}

Result<void> BotApi::delete_message(std::int64_t chat_id, std::int64_t message_id) {
  ROLLCALL_TRY(call("deleteMessage", {{"chat_id", chat_id}, {"message_id", message_id}}));
  return {};
}

Result<void> BotApi::answer_callback_query(const std::string& callback_query_id,
                                           const std::string& text, bool show_alert) {
  json params = {{"callback_query_id", callback_query_id}};
  if (!text.empty()) params["text"] = text;
  if (show_alert) params["show_alert"] = true;
  ROLLCALL_TRY(call("answerCallbackQuery", params));
  return {};
}

Result<json> BotApi::send_photo(std::int64_t chat_id, const std::string& bytes,
                                const std::string& filename, const std::string& caption,
                                const std::optional<json>& reply_markup) {
  json fields = {{"chat_id", chat_id}};
  if (!caption.empty()) fields["caption"] = caption;
  if (reply_markup) fields["reply_markup"] = *reply_markup;
  return call_multipart("sendPhoto", fields, Upload{"photo", &bytes, filename});
}

Result<json> BotApi::send_document(std::int64_t chat_id, const std::string& bytes,
                                   const std::string& filename, const std::string& caption,
                                   const std::optional<json>& reply_markup) {
  json fields = {{"chat_id", chat_id}};
  if (!caption.empty()) fields["caption"] = caption;
  if (reply_markup) fields["reply_markup"] = *reply_markup;
  return call_multipart("sendDocument", fields, Upload{"document", &bytes, filename});
}

Result<TelegramFile> BotApi::get_file(const std::string& file_id) {
  auto result = call("getFile", {{"file_id", file_id}});
  if (!result) return result.error();
  if (!result->is_object()) return unavailable("Telegram getFile replied with no File");
  TelegramFile file;
  file.file_id = string_or(*result, "file_id", file_id);
  file.file_unique_id = string_or(*result, "file_unique_id", "");
  file.file_path = string_or(*result, "file_path", "");
  file.file_size = integer_at(*result, "file_size");
  return file;
}

Result<std::string> BotApi::download(const std::string& file_path, std::int64_t max_bytes) {
  const std::string url = options_.base_url + "/file/bot" + token_ + "/" + file_path;
  Reply reply = perform(url, nullptr, nullptr, nullptr, options_.transfer_timeout_ms, max_bytes);
  if (reply.is_too_large) {
    return make_error("telegram_file_too_large", "The file is larger than the " +
                                                     std::to_string(max_bytes) +
                                                     " bytes allowed; it was not downloaded.");
  }
  if (reply.is_stopped || reply.code != CURLE_OK || reply.status == 429 || reply.status >= 500) {
    auto failed = read_reply("file download", reply);
    if (!failed) return failed.error();
    return unavailable("Telegram file download failed: HTTP " + std::to_string(reply.status));
  }
  if (reply.status == 200) return std::move(reply.body);
  return make_error("telegram_refused", "Telegram refused the file download (HTTP " +
                                            std::to_string(reply.status) + ")");
}

Result<std::string> BotApi::fetch_file(const std::string& file_id, std::int64_t max_bytes) {
  auto file = get_file(file_id);
  if (!file) return file.error();
  if (file->file_size && *file->file_size > max_bytes) {
    return make_error("telegram_file_too_large",
                      "The file has " + std::to_string(*file->file_size) +
                          " bytes, more than the " + std::to_string(max_bytes) +
                          " allowed; it was not downloaded.");
  }
  if (file->file_path.empty()) {
    return make_error("telegram_file_too_large",
                      "Telegram cannot serve this file (bots may download up to 20 MB).");
  }
  return download(file->file_path, max_bytes);
}

Result<void> BotApi::set_webhook(const std::string& url, const std::string& secret_token,
                                 const std::vector<std::string>& allowed_updates) {
  json params = {{"url", url}};
  if (!secret_token.empty()) params["secret_token"] = secret_token;
  if (!allowed_updates.empty()) params["allowed_updates"] = allowed_updates;
  ROLLCALL_TRY(call("setWebhook", params));
  return {};
}

Result<void> BotApi::delete_webhook(bool drop_pending_updates) {
  ROLLCALL_TRY(call("deleteWebhook", {{"drop_pending_updates", drop_pending_updates}}));
  return {};
}

}  // namespace rollcall::bots
