// src/app/settings.h
//
// The server's configuration: every setting with its default, where it
// can come from, and whether it is a secret.
// Sources, later ones winning: built-in defaults, a TOML file
// (--config FILE or ROLLCALL_CONFIG), the environment (ROLLCALL_<KEY> with
// the key upper-cased, e.g. ROLLCALL_HTTP_PORT), then command-line flags
// (--<key with dashes>, e.g. --http-port). The keys are the TOML keys, flat
// ("http_port"), and are listed in docs/CONFIGURATION.md.
// Thread safety: a Settings is a plain value; load once, then share const.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "base/result.h"

namespace CLI {
class App;
}

namespace rollcall::app {

namespace fs = std::filesystem;

struct Settings {
  // Where things live.
  fs::path data_dir = "data";  // SQLite file, generated secrets
  std::string database;        // "" = SQLite in data_dir; or postgres://...
  fs::path models_dir;         // "" = default_models_dir()
  // The SQLite file's cap in bytes; 0 = as large as the disk allows.
  std::uint64_t sqlite_max_bytes = 0;

  // HTTP.
  std::string http_host = "127.0.0.1";
  int http_port = 8080;
  int http_threads = 0;                             // handlers; 0 = 4 x cores, at least 8
  std::size_t max_body_bytes = 64u * 1024 * 1024;   // whole request (multipart of 5 photos)
  std::size_t max_image_bytes = 25u * 1024 * 1024;  // one image
  std::uint64_t max_image_pixels = 50'000'000;      // one image, decoded
  std::size_t max_json_body_bytes = 1024u * 1024;   // any other request body
  std::vector<std::string> cors_origins;            // exact origins; empty = no CORS
  std::vector<std::string> trusted_proxies;         // their X-Forwarded-For is believed
  // The transport's deadlines and caps (http/server.h says why each).
  int http_header_timeout_s = 10;
  int http_body_timeout_s = 300;
  std::size_t http_min_body_bytes_per_s = 1024;
  int http_max_connections = 10'000;
  int http_max_connections_per_ip = 2048;
  std::string tls_cert_file;  // both set = HTTPS
  std::string tls_key_file;
  fs::path web_dir;  // the built web UI; "" = found next to the binary (see web_root())

  // Accounts.
  std::string jwt_secret;  // secret; "" = generated once and kept in the database
  int access_token_ttl_s = 900;
  int refresh_token_ttl_s = 30 * 24 * 3600;
  std::string admin_password;  // secret; first start only; "" = generated and printed
  int login_attempts_per_minute_ip = 20;
  int login_attempts_per_minute_account = 5;  // per account and address
  int login_attempts_per_hour_account = 30;   // per account, from addresses not known good

  // Faces.
  std::string retention = "keep_photos";  // or "embeddings_only"
  float duplicate_similarity = 0.6f;      // flag an enrollment this close to a classmate
  // Class photos: how many in one request, and the pixels of each (a 24 MP camera).
  int max_photos_per_upload = 10;
  std::uint64_t max_class_photo_pixels = 24'000'000;

  // Reports.
  float report_threshold_percent = 75;  // class reports list students below this

  // Work.
  int job_workers = 1;               // background jobs (imports, re-embedding) at once
  int webhook_retry_base_ms = 1000;  // first webhook retry; doubles per attempt (1 h cap)
  int webhook_max_attempts = 10;     // then the delivery is failed, the endpoint failing

  // Self check-in.
  // Where QR links point (the web UI); "" = the address each request came
  // in on (the listen address for the bots).
  std::string public_url;
  int checkin_workers = 0;               // verification threads; 0 = cores
  int checkin_grace_s = 30;              // queued work finishes this long after a close
  int checkin_attempts_per_student = 5;  // per window, per address (per account signed in)
  int checkin_attempts_per_ip_per_minute = 600;
  int checkin_wrong_codes_ip_per_minute = 60;
  int checkin_wrong_codes_per_code = 100;    // then the code changes
  int checkin_wrong_codes_per_window = 500;  // then only signed-in students check in
  float checkin_max_accuracy_m = 100;        // coarser positions are refused
  int checkin_default_duration_s = 90;       // a window's length when the teacher gives none
  float checkin_default_radius_m = 50;       // a window's radius when the teacher gives none
  int checkin_queue_limit = 2000;            // pending verifications, all windows
  std::size_t max_video_bytes = 30u * 1024 * 1024;
  int max_video_seconds = 15;

  // Telegram bots (off until a token is set).
  std::string telegram_teacher_token;  // secret
  std::string telegram_student_token;  // secret
  std::string telegram_api_url = "https://api.telegram.org";
  std::string telegram_mode = "polling";  // or "webhook"
  std::string telegram_webhook_url;       // "" = public_url; Telegram POSTs to URL/telegram/BOT
  std::string telegram_webhook_secret;    // secret; "" = generated once, kept in the database
  int telegram_long_poll_s = 25;
  int telegram_conversation_timeout_s = 600;  // an unfinished conversation is forgotten
  int telegram_messages_per_minute = 20;      // per Telegram user; more get one polite refusal

  // Logs.
  std::string log_level = "info";   // trace, debug, info, warn, error
  std::string log_format = "json";  // json or text
};

// One setting as the loaders see it: its key, a line of help, whether it
// is a secret (masked by `config show`), and how to read/print it.
struct SettingInfo {
  std::string key;
  std::string help;
  bool is_secret = false;
};
const std::vector<SettingInfo>& setting_infos();

// Sets one setting from text (file, environment or flag all come here).
// Errors: setting_unknown, setting_invalid (names the key, the value and
// what was expected).
Result<void> set_setting(Settings& settings, const std::string& key, const std::string& value);

// The value of `key` as text (lists joined by commas).
std::string get_setting(const Settings& settings, const std::string& key);

// Applies a TOML file. Errors: config_unreadable, config_invalid (with the
// line), setting_unknown, setting_invalid.
Result<void> apply_toml_file(Settings& settings, const fs::path& file);

// Applies ROLLCALL_<KEY> variables from `environment` (name -> value).
Result<void> apply_environment(Settings& settings,
                               const std::map<std::string, std::string>& environment);
std::map<std::string, std::string> process_environment();

// Registers --config and one --<key> flag per setting on `command`; after
// parsing, finish() applies file, environment and flags in order.
// Requires: the SettingsFlags stays in place (not moved) from add_to until
// parsing ends, since the flags write into it.
class SettingsFlags {
 public:
  void add_to(CLI::App& command);
  Result<Settings> finish() const;

 private:
  std::string config_file_;
  std::map<std::string, std::string> flags_;  // key -> value given on the command line
};

// Rules between settings that no single value breaks: tls_cert_file and
// tls_key_file are set together. finish() runs it; call it after setting
// values by hand. Errors: setting_invalid.
Result<void> check_settings(const Settings& settings);

// `rollcall config show`: every setting and its value,
// secrets as "********" (or "(unset)").
std::string describe_settings(const Settings& settings);

}  // namespace rollcall::app
