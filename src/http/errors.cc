// src/http/errors.cc
#include "http/errors.h"

#include <spdlog/spdlog.h>

#include <string_view>
#include <unordered_map>

namespace rollcall::http {
namespace {

// How long a client should wait after a database outage before trying
// again: a PostgreSQL restart or fail-over takes tens of seconds.
constexpr int kDatabaseRetryAfterS = 30;

bool ends_with(std::string_view text, std::string_view suffix) {
  return text.size() >= suffix.size() && text.substr(text.size() - suffix.size()) == suffix;
}

bool starts_with(std::string_view text, std::string_view prefix) {
  return text.substr(0, prefix.size()) == prefix;
}

}  // namespace

int status_of(const std::string& code) {
  static const std::unordered_map<std::string, int> kStatus = {
      {"unauthenticated", 401},
      {"token_invalid", 401},
      {"token_expired", 401},
      {"login_failed", 401},
      {"refresh_token_invalid", 401},
      {"refresh_token_expired", 401},
      {"refresh_token_reused", 401},
      {"account_disabled", 403},
      {"forbidden", 403},
      {"cors_origin_denied", 403},
      {"password_wrong", 403},
      {"password_change_required", 403},
      {"roll_number_ambiguous", 409},
      {"not_found", 404},
      {"method_not_allowed", 405},
      {"conflict", 409},
      {"duplicate", 409},
      {"foreign_key", 409},
      {"teacher_not_of_class", 409},
      {"assignment_exists", 409},
      {"class_not_empty", 409},
      {"teacher_in_use", 409},
      {"subject_in_use", 409},
      {"user_in_use", 409},
      {"last_admin", 409},
      {"too_many_photos", 409},
      {"session_locked", 409},
      {"body_too_large", 413},
      {"too_many_parts", 413},
      {"headers_too_large", 431},
      {"request_timeout", 408},
      {"server_busy", 503},
      {"too_many_connections", 503},
      {"image_too_large", 413},
      {"image_too_many_pixels", 413},
      {"zip_too_large", 413},
      {"zip_entry_too_large", 413},
      {"zip_too_many_entries", 413},
      {"csv_too_many_rows", 413},
      {"too_many_photos_in_upload", 413},
      {"photo_not_kept", 404},
      {"shutting_down", 503},
      {"transaction_conflict", 503},
      {"unsupported_media_type", 415},
      {"image_unsupported_type", 415},
      {"rate_limited", 429},
      {"models_not_ready", 503},
      {"human_check_unavailable", 503},
      {"database_busy", 503},
      {"database_unavailable", 503},
      {"storage_full", 507},
      {"queue_full", 503},
      // Self check-in (docs/API.md "Self check-in").
      {"no_window", 404},
      {"window_open", 409},
      {"window_closed", 409},
      {"no_open_window", 409},
      {"code_expired", 410},
      {"wrong_code", 422},
      {"code_changed", 422},
      {"code_locked", 403},
      {"unknown_student", 422},
      {"student_not_enrolled", 422},
      {"too_many_attempts", 429},
      {"position_inaccurate", 422},
      {"outside_geofence", 403},
      {"capture_missing", 400},
      {"photos_not_accepted", 422},
      {"video_too_large", 413},
      {"video_unsupported_type", 415},
      // A clip over the decode budget (face/capture.h): understood, refused.
      {"video_too_many_pixels", 422},
      {"video_frame_rate_too_high", 422},
      {"video_too_long", 422},
      {"too_many_streams", 503},
      // Telegram linking (issue 7).
      {"link_code_invalid", 422},
      {"telegram_taken", 409},
      {"telegram_webhook_off", 404},
      {"telegram_secret_wrong", 403},
      // Administration (docs/API.md "Administration").
      {"backup_unsupported", 409},
      {"backup_failed", 500},
      {"setting_unknown", 422},
      {"setting_invalid", 422},
      {"database_error", 500},
      {"internal", 500},
  };
  if (auto it = kStatus.find(code); it != kStatus.end()) return it->second;
  if (ends_with(code, "_not_found")) return 404;
  if (ends_with(code, "_taken")) return 409;
  // Faces and images that cannot be used, and every field rule: the
  // request was understood but its content cannot be accepted.
  if (starts_with(code, "image_") || starts_with(code, "face_") || code == "no_face" ||
      code == "no_human_face" || code == "several_faces" || code == "not_the_same_person" ||
      code == "looks_like_classmate" || code == "detect_failed" || code == "embed_failed") {
    return 422;
  }
  return 400;
}

std::string public_message(const Error& error, const std::string& request_id) {
  if (error.code == "database_unavailable") {
    return "the database is not reachable; try again in a minute";
  }
  if (error.code == "storage_full") {
    return "the server's storage is full, so nothing can be saved now; tell the administrator "
           "(quote request id " +
           request_id + ")";
  }
  if (error.code == "database_error") {
    return "the database failed on this request; quote request id " + request_id +
           " to the administrator";
  }
  return error.message;
}

Reply error_reply(const Error& error, const std::string& request_id) {
  // The store's messages name hosts, users, databases and files: fine for
  // the log, not for an anonymous client. database_unavailable and
  // storage_full are logged by the store once per outage (on_health).
  const std::string message = public_message(error, request_id);
  if (error.code == "database_error") {
    spdlog::error(nlohmann::json{
        {"event", "database_error"}, {"request_id", request_id}, {"detail", error.message}}
                      .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  }
  nlohmann::json body = {{"code", error.code}, {"message", message}, {"request_id", request_id}};
  if (!error.field.empty()) body["field"] = error.field;
  Reply reply = Reply::json({{"error", body}}, status_of(error.code));
  if (error.code == "database_unavailable") {
    reply = with_retry_after(std::move(reply), kDatabaseRetryAfterS);
  }
  return reply;
}

}  // namespace rollcall::http
