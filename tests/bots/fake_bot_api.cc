// tests/bots/fake_bot_api.cc
#include "bots/fake_bot_api.h"

#include <httplib.h>

#include <algorithm>
#include <ctime>
#include <random>
#include <string_view>

namespace rollcall::bots_testing {
namespace {

constexpr std::int64_t kMaxServedFileBytes = 20 * 1024 * 1024;  // the real API's getFile limit

json error_body(int code, const std::string& description) {
  return {{"ok", false}, {"error_code", code}, {"description", description}};
}

// Form fields arrive as strings, JSON bodies as numbers: accept both.
std::optional<std::int64_t> integer(const json& params, const char* key) {
  const auto it = params.find(key);
  if (it == params.end()) return std::nullopt;
  if (it->is_number_integer()) return it->get<std::int64_t>();
  if (it->is_string()) {
    try {
      return std::stoll(it->get<std::string>());
    } catch (const std::exception&) {
      return std::nullopt;
    }
  }
  return std::nullopt;
}

std::string text(const json& params, const char* key) {
  const auto it = params.find(key);
  if (it == params.end()) return "";
  return it->is_string() ? it->get<std::string>() : it->dump();
}

// reply_markup is an object in JSON bodies and a JSON string in forms.
json object_field(const json& params, const char* key) {
  const auto it = params.find(key);
  if (it == params.end()) return nullptr;
  if (it->is_string()) return json::parse(it->get<std::string>(), nullptr, false);
  return *it;
}

std::int64_t now_s() { return static_cast<std::int64_t>(std::time(nullptr)); }

json user_json(const FakeUser& user) {
  json out = {{"id", user.id}, {"is_bot", false}, {"first_name", user.first_name}};
  if (!user.username.empty()) out["username"] = user.username;
  return out;
}

}  // namespace

std::string make_test_token(std::int64_t bot_id) {
  static constexpr std::string_view kAlphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-";
  std::random_device random;
  std::string token = std::to_string(bot_id) + ":";
  for (int i = 0; i < 35; ++i) token += kAlphabet[random() % kAlphabet.size()];
  return token;
}

FakeBotApi::FakeBotApi(std::string token)
    : token_(std::move(token)), server_(std::make_unique<httplib::Server>()) {
  server_->Post(R"(/bot([^/]+)/([A-Za-z]+))",
                [this](const httplib::Request& request, httplib::Response& response) {
                  handle_method(request, response);
                });
  server_->Get(R"(/bot([^/]+)/([A-Za-z]+))",
               [this](const httplib::Request& request, httplib::Response& response) {
                 handle_method(request, response);
               });
  server_->Get(R"(/file/bot([^/]+)/(.+))",
               [this](const httplib::Request& request, httplib::Response& response) {
                 handle_file(request, response);
               });
  port_ = server_->bind_to_any_port("127.0.0.1");
  thread_ = std::thread([this] { server_->listen_after_bind(); });
  for (int i = 0; i < 500 && !server_->is_running(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
}

FakeBotApi::~FakeBotApi() {
  {
    std::lock_guard lock(mutex_);
    is_stopping_ = true;
  }
  changed_.notify_all();  // ends long polls
  server_->stop();
  if (thread_.joinable()) thread_.join();
}

std::string FakeBotApi::base_url() const { return "http://127.0.0.1:" + std::to_string(port_); }

void FakeBotApi::changed() {
  ++version_;
  changed_.notify_all();
}

// --- the server side ----------------------------------------------------------

bool FakeBotApi::inject_failure(const std::string& method, httplib::Response& response) {
  std::unique_lock lock(mutex_);
  ++calls_[method];
  changed();
  if (auto held = delays_.find(method); held != delays_.end() && held->second.count > 0) {
    const auto delay = held->second.delay;
    if (--held->second.count == 0) delays_.erase(held);
    changed_.wait_for(lock, delay, [&] { return is_stopping_; });  // unlocked meanwhile
  }
  auto it = failures_.find(method);
  if (it == failures_.end() || it->second.count <= 0) return false;
  const Planned planned = it->second;
  if (--it->second.count == 0) failures_.erase(it);
  switch (planned.failure) {
    case Failure::kRateLimited: {
      json body = error_body(
          429, "Too Many Requests: retry after " + std::to_string(planned.retry_after_s));
      body["parameters"] = {{"retry_after", planned.retry_after_s}};
      response.status = 429;
      response.set_content(body.dump(), "application/json");
      return true;
    }
    case Failure::kBadRequest:
      response.status = 400;
      response.set_content(error_body(400, "Bad Request: refused by the test").dump(),
                           "application/json");
      return true;
    case Failure::kServerError:
      response.status = 500;
      response.set_content(error_body(500, "Internal Server Error").dump(), "application/json");
      return true;
    case Failure::kDrop:
      // Promises 1000 bytes, sends none: the connection closes mid-reply.
      response.set_content_provider(
          1000, "application/json",
          [](std::size_t, std::size_t, httplib::DataSink&) { return false; });
      return true;
  }
  return false;
}

void FakeBotApi::handle_method(const httplib::Request& request, httplib::Response& response) {
  if (FakeBotApi* peer = peer_.load();
      request.matches[1] != token_ && peer && request.matches[1] == peer->token_) {
    peer->handle_method(request, response);
    return;
  }
  if (request.matches[1] != token_) {
    response.status = 401;
    response.set_content(error_body(401, "Unauthorized").dump(), "application/json");
    return;
  }
  const std::string method = request.matches[2];
  if (inject_failure(method, response)) return;
  json params = json::object();
  for (const auto& [key, value] : request.params) params[key] = value;  // query, urlencoded
  if (request.get_header_value("Content-Type").rfind("application/json", 0) == 0) {
    const json body = json::parse(request.body, nullptr, false);
    if (!body.is_object()) {
      response.status = 400;
      response.set_content(error_body(400, "Bad Request: can't parse JSON body").dump(),
                           "application/json");
      return;
    }
    params.update(body);
  }
  for (const auto& [key, part] : request.files) {
    if (part.filename.empty()) params[key] = part.content;  // a plain multipart field
  }
  int status = 200;
  json result = dispatch(method, params, request, status);
  response.status = status;
  response.set_content(
      status == 200 ? json{{"ok", true}, {"result", result}}.dump() : result.dump(),
      "application/json");
}

void FakeBotApi::handle_file(const httplib::Request& request, httplib::Response& response) {
  if (FakeBotApi* peer = peer_.load();
      request.matches[1] != token_ && peer && request.matches[1] == peer->token_) {
    peer->handle_file(request, response);
    return;
  }
  if (request.matches[1] != token_) {
    response.status = 401;
    response.set_content(error_body(401, "Unauthorized").dump(), "application/json");
    return;
  }
  if (inject_failure("file", response)) return;
  std::lock_guard lock(mutex_);
  const auto it = bytes_by_path_.find(request.matches[2]);
  if (it == bytes_by_path_.end()) {
    response.status = 404;
    response.set_content(error_body(404, "Not Found").dump(), "application/json");
    return;
  }
  response.set_content(it->second, "application/octet-stream");
}

json FakeBotApi::message_from_bot(std::int64_t chat_id) {
  const std::string bot_id = token_.substr(0, token_.find(':'));
  return {{"message_id", next_message_id_++},
          {"from",
           {{"id", std::stoll(bot_id)},
            {"is_bot", true},
            {"first_name", "Rollcall Fake Bot"},
            {"username", "rollcall_fake_bot"}}},
          {"chat", {{"id", chat_id}, {"type", "private"}}},
          {"date", now_s()}};
}

json FakeBotApi::dispatch(const std::string& method, const json& params,
                          const httplib::Request& request, int& status) {
  std::unique_lock lock(mutex_);
  auto bad_request = [&](const std::string& why) {
    status = 400;
    return error_body(400, "Bad Request: " + why);
  };
  if (method == "getMe") {
    json me = message_from_bot(0)["from"];
    --next_message_id_;
    me["can_join_groups"] = false;
    return me;
  }
  if (method == "getUpdates") {
    if (!webhook_url_.empty()) {
      status = 409;
      return error_body(409,
                        "Conflict: can't use getUpdates method while webhook is active; use "
                        "deleteWebhook to delete the webhook first");
    }
    const std::int64_t offset = integer(params, "offset").value_or(0);
    const std::int64_t timeout_s =
        std::clamp<std::int64_t>(integer(params, "timeout").value_or(0), 0, 50);
    const std::int64_t limit =
        std::clamp<std::int64_t>(integer(params, "limit").value_or(100), 1, 100);
    if (offset > 0) {
      // Confirms every update below `offset`: they are gone for good.
      std::erase_if(updates_,
                    [&](const json& u) { return u["update_id"].get<std::int64_t>() < offset; });
      confirmed_offset_ = std::max(confirmed_offset_, offset);
    } else if (offset < 0 && static_cast<std::int64_t>(updates_.size()) > -offset) {
      updates_.erase(updates_.begin(), updates_.end() + offset);  // keeps the last -offset
    }
    const auto has_updates = [&] { return is_stopping_ || !updates_.empty(); };
    if (!has_updates() && timeout_s > 0) {
      changed_.wait_for(lock, std::chrono::seconds(timeout_s), has_updates);
    }
    json out = json::array();
    for (const json& update : updates_) {
      if (static_cast<std::int64_t>(out.size()) >= limit) break;
      out.push_back(update);
    }
    return out;
  }
  if (method == "sendMessage" || method == "editMessageText") {
    const auto chat_id = integer(params, "chat_id");
    const std::string body = text(params, "text");
    if (!chat_id) return bad_request("chat_id is empty");
    if (body.empty()) return bad_request("message text is empty");
    SentMessage sent{*chat_id, 0, body, object_field(params, "reply_markup"),
                     text(params, "parse_mode")};
    json message;
    if (method == "sendMessage") {
      message = message_from_bot(*chat_id);
      sent.message_id = message["message_id"];
      messages_.push_back(sent);
    } else {
      const auto message_id = integer(params, "message_id");
      if (!message_id) return bad_request("message identifier is not specified");
      const auto same = [&](const SentMessage& m) {
        return m.chat_id == *chat_id && m.message_id == *message_id;
      };
      // What the chat shows now: the last edit, else the message as sent.
      const SentMessage* current = nullptr;
      for (const auto& m : messages_)
        if (same(m)) current = &m;
      for (const auto& m : edits_)
        if (same(m)) current = &m;
      if (current == nullptr) return bad_request("message to edit not found");
      if (current->text == body && current->reply_markup == sent.reply_markup) {
        return bad_request(
            "message is not modified: specified new message content and reply markup are "
            "exactly the same as a current content and reply markup of the message");
      }
      sent.message_id = *message_id;
      message = message_from_bot(*chat_id);
      --next_message_id_;
      message["message_id"] = *message_id;
      message["edit_date"] = now_s();
      edits_.push_back(sent);
    }
    message["text"] = body;
    if (!sent.reply_markup.is_null()) message["reply_markup"] = sent.reply_markup;
    changed();
    return message;
  }
  if (method == "deleteMessage") {
    const auto chat_id = integer(params, "chat_id");
    const auto message_id = integer(params, "message_id");
    if (!chat_id || !message_id) return bad_request("message identifier is not specified");
    deleted_.push_back({*chat_id, *message_id});
    changed();
    return true;
  }
  if (method == "answerCallbackQuery") {
    const std::string id = text(params, "callback_query_id");
    if (id.empty())
      return bad_request("query is too old and response timeout expired or query ID is invalid");
    const auto alert = params.find("show_alert");
    callback_answers_.push_back(
        {id, text(params, "text"), alert != params.end() && (*alert == true || *alert == "true")});
    changed();
    return true;
  }
  if (method == "sendPhoto" || method == "sendDocument") {
    const std::string field = method == "sendPhoto" ? "photo" : "document";
    const auto chat_id = integer(params, "chat_id");
    if (!chat_id) return bad_request("chat_id is empty");
    const auto part = request.files.find(field);
    if (part == request.files.end() || part->second.filename.empty()) {
      return bad_request("there is no " + field + " in the request");
    }
    const std::string& bytes = part->second.content;
    const std::string file_id = "sent" + std::to_string(next_file_++);
    const std::string path = field + "s/" + file_id;
    files_by_id_[file_id] = {path, bytes};
    bytes_by_path_[path] = bytes;
    json message = message_from_bot(*chat_id);
    SentFile sent{method,
                  *chat_id,
                  message["message_id"],
                  part->second.filename,
                  text(params, "caption"),
                  bytes,
                  object_field(params, "reply_markup")};
    const json file = {
        {"file_id", file_id}, {"file_unique_id", "u" + file_id}, {"file_size", bytes.size()}};
    if (field == "photo") {
      message["photo"] = json::array({file});
    } else {
      message["document"] = file;
      message["document"]["file_name"] = sent.filename;
    }
    if (!sent.caption.empty()) message["caption"] = sent.caption;
    sent_files_.push_back(std::move(sent));
    changed();
    return message;
  }
  if (method == "getFile") {
    const auto it = files_by_id_.find(text(params, "file_id"));
    if (it == files_by_id_.end()) return bad_request("invalid file_id");
    const auto size = static_cast<std::int64_t>(it->second.bytes.size());
    if (size > kMaxServedFileBytes) return bad_request("file is too big");
    return {{"file_id", it->first},
            {"file_unique_id", "u" + it->first},
            {"file_size", size},
            {"file_path", it->second.path}};
  }
  if (method == "setWebhook") {
    webhook_url_ = text(params, "url");
    webhook_secret_ = text(params, "secret_token");
    changed();
    return true;
  }
  if (method == "deleteWebhook") {
    webhook_url_.clear();
    webhook_secret_.clear();
    const auto drop = params.find("drop_pending_updates");
    if (drop != params.end() && (*drop == true || *drop == "true")) updates_.clear();
    changed();
    return true;
  }
  status = 404;
  return error_body(404, "Not Found: method not found");
}

// --- playing the users ----------------------------------------------------------

std::int64_t FakeBotApi::push_update(json update) {
  std::lock_guard lock(mutex_);
  const std::int64_t id = next_update_id_++;
  update["update_id"] = id;
  updates_.push_back(std::move(update));
  changed();
  return id;
}

std::string FakeBotApi::add_file(std::string bytes, std::string extension) {
  std::lock_guard lock(mutex_);
  const std::string file_id = "AgAD" + std::to_string(next_file_++) + "fake";
  const std::string path = "uploads/file_" + file_id + "." + extension;
  bytes_by_path_[path] = bytes;
  files_by_id_[file_id] = {path, std::move(bytes)};
  return file_id;
}

json FakeBotApi::message_base(const FakeUser& from) {
  std::lock_guard lock(mutex_);
  json chat = {{"id", from.id}, {"type", "private"}, {"first_name", from.first_name}};
  return {{"message_id", next_message_id_++},
          {"from", user_json(from)},
          {"chat", chat},
          {"date", now_s()}};
}

json FakeBotApi::text_message(const FakeUser& from, const std::string& body) {
  json message = message_base(from);
  message["text"] = body;
  if (!body.empty() && body[0] == '/') {
    const auto length = std::min(body.find(' '), body.size());
    message["entities"] =
        json::array({{{"type", "bot_command"}, {"offset", 0}, {"length", length}}});
  }
  return {{"message", message}};
}

json FakeBotApi::contact_message(const FakeUser& from, const std::string& phone,
                                 std::optional<std::int64_t> contact_user_id) {
  json message = message_base(from);
  message["contact"] = {{"phone_number", phone}, {"first_name", from.first_name}};
  if (contact_user_id) message["contact"]["user_id"] = *contact_user_id;
  return {{"message", message}};
}

json FakeBotApi::location_message(const FakeUser& from, double latitude, double longitude,
                                  LocationKind kind) {
  json message = message_base(from);
  message["location"] = {{"latitude", latitude}, {"longitude", longitude}};
  if (kind == LocationKind::kLive) {
    message["location"]["live_period"] = 900;
    message["location"]["horizontal_accuracy"] = 12.5;
  } else if (kind == LocationKind::kForwarded) {
    // Both the current field and the older ones, as clients vary.
    const json original = {{"id", from.id + 1}, {"is_bot", false}, {"first_name", "Someone"}};
    message["forward_origin"] = {
        {"type", "user"}, {"sender_user", original}, {"date", now_s() - 60}};
    message["forward_from"] = original;
    message["forward_date"] = now_s() - 60;
  }
  return {{"message", message}};
}

json FakeBotApi::callback_query(const FakeUser& from, std::int64_t message_id,
                                const std::string& data) {
  std::lock_guard lock(mutex_);
  json message = {{"message_id", message_id},
                  {"chat", {{"id", from.id}, {"type", "private"}}},
                  {"date", now_s()}};
  for (const auto& sent : messages_) {
    if (sent.chat_id == from.id && sent.message_id == message_id) message["text"] = sent.text;
  }
  return {{"callback_query",
           {{"id", "cb" + std::to_string(next_callback_++)},
            {"from", user_json(from)},
            {"chat_instance", "ci" + std::to_string(from.id)},
            {"message", message},
            {"data", data}}}};
}

json FakeBotApi::photo_message(const FakeUser& from, const std::string& file_id,
                               const std::string& caption) {
  json message = message_base(from);
  std::lock_guard lock(mutex_);
  const auto it = files_by_id_.find(file_id);
  const std::size_t size = it == files_by_id_.end() ? 0 : it->second.bytes.size();
  message["photo"] = json::array({{{"file_id", file_id},
                                   {"file_unique_id", "u" + file_id},
                                   {"width", 640},
                                   {"height", 480},
                                   {"file_size", size}}});
  if (!caption.empty()) message["caption"] = caption;
  return {{"message", message}};
}

json FakeBotApi::video_note_message(const FakeUser& from, const std::string& file_id,
                                    int duration_s) {
  json message = message_base(from);
  std::lock_guard lock(mutex_);
  const auto it = files_by_id_.find(file_id);
  const std::size_t size = it == files_by_id_.end() ? 0 : it->second.bytes.size();
  message["video_note"] = {{"file_id", file_id},
                           {"file_unique_id", "u" + file_id},
                           {"length", 384},
                           {"duration", duration_s},
                           {"file_size", size}};
  return {{"message", message}};
}

json FakeBotApi::video_message(const FakeUser& from, const std::string& file_id, int duration_s) {
  json message = message_base(from);
  std::lock_guard lock(mutex_);
  const auto it = files_by_id_.find(file_id);
  const std::size_t size = it == files_by_id_.end() ? 0 : it->second.bytes.size();
  message["video"] = {{"file_id", file_id},     {"file_unique_id", "u" + file_id},
                      {"width", 640},           {"height", 480},
                      {"duration", duration_s}, {"mime_type", "video/mp4"},
                      {"file_size", size}};
  return {{"message", message}};
}

// --- failures and readers ---------------------------------------------------------

void FakeBotApi::fail_next(const std::string& method, int count, Failure failure,
                           int retry_after_s) {
  std::lock_guard lock(mutex_);
  failures_[method] = {failure, count, retry_after_s};
}

void FakeBotApi::delay_next(const std::string& method, int count, std::chrono::milliseconds delay) {
  std::lock_guard lock(mutex_);
  delays_[method] = {count, delay};
}

std::vector<SentMessage> FakeBotApi::messages(std::optional<std::int64_t> chat_id) const {
  std::lock_guard lock(mutex_);
  std::vector<SentMessage> out;
  for (const auto& m : messages_)
    if (!chat_id || m.chat_id == *chat_id) out.push_back(m);
  return out;
}

std::vector<SentMessage> FakeBotApi::edits(std::optional<std::int64_t> chat_id) const {
  std::lock_guard lock(mutex_);
  std::vector<SentMessage> out;
  for (const auto& m : edits_)
    if (!chat_id || m.chat_id == *chat_id) out.push_back(m);
  return out;
}

std::vector<SentFile> FakeBotApi::files(std::optional<std::int64_t> chat_id) const {
  std::lock_guard lock(mutex_);
  std::vector<SentFile> out;
  for (const auto& f : sent_files_)
    if (!chat_id || f.chat_id == *chat_id) out.push_back(f);
  return out;
}

std::vector<CallbackAnswer> FakeBotApi::callback_answers() const {
  std::lock_guard lock(mutex_);
  return callback_answers_;
}

std::vector<DeletedMessage> FakeBotApi::deleted() const {
  std::lock_guard lock(mutex_);
  return deleted_;
}

int FakeBotApi::calls(const std::string& method) const {
  std::lock_guard lock(mutex_);
  const auto it = calls_.find(method);
  return it == calls_.end() ? 0 : it->second;
}

std::string FakeBotApi::webhook_url() const {
  std::lock_guard lock(mutex_);
  return webhook_url_;
}

std::string FakeBotApi::webhook_secret() const {
  std::lock_guard lock(mutex_);
  return webhook_secret_;
}

std::int64_t FakeBotApi::confirmed_offset() const {
  std::lock_guard lock(mutex_);
  return confirmed_offset_;
}

bool FakeBotApi::wait_for(const std::function<bool()>& predicate,
                          std::chrono::milliseconds timeout) const {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    std::uint64_t seen = 0;
    {
      std::lock_guard lock(mutex_);
      seen = version_;
    }
    if (predicate()) return true;  // unlocked: it calls the readers
    const auto now = std::chrono::steady_clock::now();
    if (now >= deadline) return false;
    std::unique_lock lock(mutex_);
    // Also wakes every 50 ms: a predicate may depend on something else.
    changed_.wait_until(lock, std::min(deadline, now + std::chrono::milliseconds(50)),
                        [&] { return version_ != seen; });
  }
}

}  // namespace rollcall::bots_testing
