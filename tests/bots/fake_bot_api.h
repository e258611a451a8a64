// tests/bots/fake_bot_api.h
//
// FakeBotApi: a stand-in for api.telegram.org on a free 127.0.0.1 port
// (plain http, cpp-httplib), for one bot token. It implements the methods
// the bots use (getMe, getUpdates with offset and long polling,
// sendMessage, editMessageText, deleteMessage, sendPhoto, sendDocument,
// getFile + /file/bot<token>/<path>, answerCallbackQuery, setWebhook,
// deleteWebhook) closely enough for the real client, and lets a test play
// the users: push updates (builders for texts, contacts, locations,
// callback queries, photos and video notes), inject failures (429, 500,
// 400, dropped connections) and delays (a slow download or upload), and
// read back what the bot sent.
// Thread safety: every member may be called from any thread.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace httplib {
class Server;
struct Request;
struct Response;
}  // namespace httplib

namespace rollcall::bots_testing {

using nlohmann::json;

// A Telegram user in a private chat with the bot (chat id == user id).
struct FakeUser {
  std::int64_t id = 0;
  std::string first_name = "Test";
  std::string username = "";
};

enum class LocationKind { kStatic, kLive, kForwarded };

enum class Failure {
  kRateLimited,  // 429 with parameters.retry_after
  kServerError,  // 500
  kBadRequest,   // 400: Telegram will never take it (final for the client)
  kDrop,         // the connection closes mid-reply
};

struct SentMessage {
  std::int64_t chat_id = 0;
  std::int64_t message_id = 0;
  std::string text;
  json reply_markup;  // null when none
  std::string parse_mode;
};

struct SentFile {
  std::string method;  // "sendPhoto" or "sendDocument"
  std::int64_t chat_id = 0;
  std::int64_t message_id = 0;
  std::string filename;
  std::string caption;
  std::string bytes;
  json reply_markup;
};

struct CallbackAnswer {
  std::string callback_query_id;
  std::string text;
  bool show_alert = false;
};

struct DeletedMessage {
  std::int64_t chat_id = 0;
  std::int64_t message_id = 0;
};

// A token of the shape @BotFather gives ("<bot id>:<35 characters>"), made
// at run time: no token, not even a fake one, is written in the sources.
std::string make_test_token(std::int64_t bot_id = 123456789);

class FakeBotApi {
 public:
  explicit FakeBotApi(std::string token = make_test_token());
  FakeBotApi(const FakeBotApi&) = delete;
  FakeBotApi& operator=(const FakeBotApi&) = delete;
  ~FakeBotApi();

  std::string base_url() const;  // "http://127.0.0.1:<port>"
  // Serves `peer`'s bot too, at this base URL (as api.telegram.org serves
  // every bot): requests with the peer's token go to the peer's state.
  // Requires: the peer outlives this fake.
  void also_serve(FakeBotApi& peer) { peer_ = &peer; }
  const std::string& token() const { return token_; }

  // --- playing the users -------------------------------------------------
  // Queues `update` (an Update without update_id, e.g. {"message": ...})
  // and returns the update_id it was given.
  std::int64_t push_update(json update);
  // Stores `bytes` as an uploaded Telegram file; returns its file_id.
  std::string add_file(std::string bytes, std::string extension = "bin");

  // Update builders (not queued: pass to push_update). A text starting
  // with "/" carries a bot_command entity.
  json text_message(const FakeUser& from, const std::string& text);
  // `contact_user_id`: whose contact it is (from.id for one's own).
  json contact_message(const FakeUser& from, const std::string& phone,
                       std::optional<std::int64_t> contact_user_id);
  json location_message(const FakeUser& from, double latitude, double longitude,
                        LocationKind kind = LocationKind::kStatic);
  // A press on an inline button of the bot's message `message_id`.
  json callback_query(const FakeUser& from, std::int64_t message_id, const std::string& data);
  json photo_message(const FakeUser& from, const std::string& file_id,
                     const std::string& caption = "");
  json video_note_message(const FakeUser& from, const std::string& file_id, int duration_s = 3);
  json video_message(const FakeUser& from, const std::string& file_id, int duration_s = 3);

  // --- failures ------------------------------------------------------------
  // The next `count` calls of `method` (e.g. "sendMessage", "getUpdates",
  // "file" for downloads) fail as `failure`.
  // A count of 0 clears what was planned.
  void fail_next(const std::string& method, int count, Failure failure, int retry_after_s = 1);
  // The next `count` calls of `method` ("file" for downloads) are answered
  // only after `delay`, as over a slow network: the request counts in
  // calls() at once, the reply (or a planned failure) comes later.
  void delay_next(const std::string& method, int count, std::chrono::milliseconds delay);

  // --- what the bot did ----------------------------------------------------
  std::vector<SentMessage> messages(std::optional<std::int64_t> chat_id = std::nullopt) const;
  std::vector<SentMessage> edits(std::optional<std::int64_t> chat_id = std::nullopt) const;
  std::vector<SentFile> files(std::optional<std::int64_t> chat_id = std::nullopt) const;
  std::vector<CallbackAnswer> callback_answers() const;
  std::vector<DeletedMessage> deleted() const;
  int calls(const std::string& method) const;  // requests seen, failed ones included
  std::string webhook_url() const;
  std::string webhook_secret() const;
  std::int64_t confirmed_offset() const;  // the highest offset getUpdates was given

  // Polls `predicate` (which may call the readers above) until it holds or
  // `timeout` passes; wakes whenever the bot does something.
  bool wait_for(const std::function<bool()>& predicate,
                std::chrono::milliseconds timeout = std::chrono::seconds(10)) const;

 private:
  struct Planned {
    Failure failure;
    int count;
    int retry_after_s;
  };
  struct Delay {
    int count;
    std::chrono::milliseconds delay;
  };
  struct StoredFile {
    std::string path;
    std::string bytes;
  };

  void handle_method(const httplib::Request& request, httplib::Response& response);
  void handle_file(const httplib::Request& request, httplib::Response& response);
  bool inject_failure(const std::string& method, httplib::Response& response);
  json dispatch(const std::string& method, const json& params, const httplib::Request& request,
                int& status);
  json get_updates(const json& params, int& status);
  json message_from_bot(std::int64_t chat_id);
  json message_base(const FakeUser& from);
  void changed();

  std::string token_;
  std::atomic<FakeBotApi*> peer_{nullptr};
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  int port_ = 0;

  mutable std::mutex mutex_;
  mutable std::condition_variable changed_;
  bool is_stopping_ = false;
  std::uint64_t version_ = 0;  // bumped on every change, for wait_for
  std::int64_t next_update_id_ = 1000;
  std::int64_t next_message_id_ = 1;
  std::int64_t next_file_ = 1;
  std::int64_t next_callback_ = 1;
  std::int64_t confirmed_offset_ = 0;
  std::vector<json> updates_;  // unconfirmed, in update_id order
  std::map<std::string, StoredFile> files_by_id_;
  std::map<std::string, std::string> bytes_by_path_;
  std::map<std::string, Planned> failures_;
  std::map<std::string, Delay> delays_;
  std::map<std::string, int> calls_;
  std::vector<SentMessage> messages_;
  std::vector<SentMessage> edits_;
  std::vector<SentFile> sent_files_;
  std::vector<CallbackAnswer> callback_answers_;
  std::vector<DeletedMessage> deleted_;
  std::string webhook_url_;
  std::string webhook_secret_;
};

}  // namespace rollcall::bots_testing
