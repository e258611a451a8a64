// src/store/records.h
//
// The rows Rollcall keeps, as plain structs. The schema they map to is in
// migrations.cc and described in docs/SCHEMA.md.
// Invariants: times are milliseconds since the Unix epoch (UTC); an id of
// 0 means "not saved yet"; optional columns are std::optional.
// Thread safety: plain value types.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/ids.h"

namespace rollcall::store {

enum class Role { admin, teacher, student };
std::string to_string(Role role);
std::optional<Role> role_from_string(const std::string& text);

struct User {
  UserId id;
  std::string username;       // unique, case-insensitive (stored lower case)
  std::string password_hash;  // Argon2id, libsodium's encoded string
  Role role = Role::student;
  std::string display_name;
  bool is_active = true;
  // Set when someone else chose the password (an admin's reset, `rollcall
  // user reset-password`, the generated first admin password); cleared when
  // the user changes it. Until then the API serves the user nothing else.
  bool must_change_password = false;
  std::int64_t created_ms = 0;
};

struct RefreshToken {
  std::int64_t id = 0;
  UserId user;
  std::string family;      // every rotation of one login shares it
  std::string token_hash;  // SHA-256 hex of the token; the token itself is never stored
  std::int64_t expires_ms = 0;
  bool is_used = false;     // rotated: presenting it again is theft
  bool is_revoked = false;  // logout, reuse, or password change
  std::int64_t created_ms = 0;
};

struct Teacher {
  TeacherId id;
  UserId user;  // the account the teacher logs in with
  std::string name;
  std::string email;  // may be empty
  std::string phone;  // E.164 or empty; the Telegram bot matches it
  std::optional<std::int64_t> telegram_id;
  std::int64_t created_ms = 0;
};

struct ClassGroup {  // "class" is a keyword
  ClassId id;
  std::string name;     // "BTech IT"
  std::string section;  // "A"; (name, section) is unique
  std::int64_t created_ms = 0;
};

struct Subject {
  SubjectId id;
  std::string code;  // unique, e.g. "CS301"
  std::string name;
  std::int64_t created_ms = 0;
};

// A teacher teaches a subject to a class. Unique over all three.
struct Assignment {
  std::int64_t id = 0;
  TeacherId teacher;
  ClassId class_id;
  SubjectId subject;
};

struct Student {
  StudentId id;
  std::optional<UserId> user;  // set when the student has a login
  std::string name;
  std::string roll_number;          // unique within the class, ignoring ASCII case
  std::string registration_number;  // PRN; unique in the whole school
  ClassId class_id;
  std::string phone;  // may be empty
  std::optional<std::int64_t> telegram_id;
  std::int64_t created_ms = 0;
};

// An accepted enrollment photo. `bytes` is empty when the retention
// setting keeps embeddings only (then `is_kept` is false).
struct EnrollmentPhoto {
  PhotoId id;
  StudentId student;
  std::string content_type;  // image/jpeg, image/png, image/webp
  std::vector<std::uint8_t> bytes;
  bool is_kept = true;
  std::string quality_json;  // the face's quality measures, as JSON
  std::int64_t created_ms = 0;
};

struct StoredEmbedding {
  std::int64_t id = 0;
  StudentId student;
  std::optional<PhotoId> photo;  // the photo it came from, if kept
  std::string model_id;          // e.g. fr_feature@87aacdfe
  std::vector<float> values;     // unit length
  float weight = 0;              // face::template_weight of its photo
  std::int64_t created_ms = 0;
};

enum class SessionMethod { photo, checkin, manual, mixed };
std::string to_string(SessionMethod method);
std::optional<SessionMethod> session_method_from_string(const std::string& text);

struct Session {
  SessionId id;
  ClassId class_id;
  SubjectId subject;
  TeacherId teacher;
  std::int64_t starts_ms = 0;
  std::int64_t ends_ms = 0;
  SessionMethod method = SessionMethod::photo;
  bool is_locked = false;
  std::int64_t created_ms = 0;
};

enum class AttendanceStatus { present, absent, late, excused };
std::string to_string(AttendanceStatus status);
std::optional<AttendanceStatus> attendance_status_from_string(const std::string& text);

struct AttendanceRecord {
  std::int64_t id = 0;
  SessionId session;
  StudentId student;
  AttendanceStatus status = AttendanceStatus::absent;
  std::string decided_by;  // photo, checkin, manual
  std::optional<float> similarity;
  std::optional<UserId> changed_by;
  std::int64_t changed_ms = 0;
};

// ---- Reports (issue 5) ----------------------------------------------------
// A session with its subject's code and name, for reports.
struct SessionSummary {
  Session session;
  std::string subject_code;
  std::string subject_name;
};

// One attendance record of a student with the session it belongs to.
struct HistoryEntry {
  SessionSummary session;
  AttendanceRecord record;
};
// ---- end Reports ------------------------------------------------------------

// ---- Class photos (issue 5; tx_class_photos.cc) ---------------------------
// A class photo uploaded to a session, and every face found in it.
struct ClassPhoto {
  std::int64_t id = 0;
  SessionId session;
  std::string content_type;
  std::vector<std::uint8_t> bytes;  // empty when not kept (retention) or not asked for
  int width = 0;
  int height = 0;
  std::vector<std::uint8_t> annotated;  // JPEG; empty when not asked for
  double processing_ms = 0;
  std::optional<UserId> uploaded_by;
  std::int64_t created_ms = 0;
  std::string filename;  // as uploaded (multipart filename), for people to recognise it
};

struct PhotoFace {
  std::int64_t id = 0;
  std::int64_t class_photo = 0;
  int face_index = 0;  // in the photo, by descending detector score
  float x = 0, y = 0, w = 0, h = 0;
  std::string landmarks_json;  // [[x, y] x 5]
  float detector_score = 0;
  std::string quality_json;
  std::string status;  // matched, borderline, unknown, low_quality
  std::optional<StudentId> student;
  float similarity = 0;
  std::optional<StudentId> runner_up;
  std::optional<float> runner_up_similarity;
  float margin = 0;
  std::optional<UserId> corrected_by;  // set iff a person changed the student
  std::optional<std::int64_t> corrected_ms;
};

// Which sessions list_sessions returns; empty fields do not filter.
struct SessionFilter {
  std::optional<ClassId> class_id;
  std::optional<TeacherId> teacher;
  std::optional<std::int64_t> from_ms;  // starts_ms >= from_ms
  std::optional<std::int64_t> to_ms;    // starts_ms < to_ms
};
// ---- end Class photos -------------------------------------------------------

struct AuditEntry {
  std::int64_t id = 0;
  std::optional<UserId> actor;  // none for the system itself
  std::string action;           // e.g. student.create
  std::string entity;           // e.g. student
  std::int64_t entity_id = 0;
  std::string before_json;  // "" when there was nothing before
  std::string after_json;   // "" when there is nothing after
  std::int64_t at_ms = 0;
};

enum class JobState { queued, running, done, failed };
std::string to_string(JobState state);
std::optional<JobState> job_state_from_string(const std::string& text);

// A background job (bulk import, re-embedding) and its progress.
struct Job {
  JobId id;
  std::string kind;  // import, reembed
  JobState state = JobState::queued;
  int done = 0;
  int total = 0;
  std::string errors_json = "[]";  // [{"line": 3, "roll_number": ..., "code": ..., "message": ...}]
  std::optional<UserId> created_by;
  std::int64_t created_ms = 0;
  std::int64_t updated_ms = 0;
};

// Webhooks: an LMS endpoint and one delivery of one event to it.
enum class WebhookState { healthy, failing };
std::string to_string(WebhookState state);
std::optional<WebhookState> webhook_state_from_string(const std::string& text);

struct WebhookEndpoint {
  std::int64_t id = 0;
  std::string url;                  // http:// or https://
  std::string secret;               // the HMAC key; never shown after creation
  std::vector<std::string> events;  // record.changed, session.closed
  bool is_active = true;
  WebhookState state = WebhookState::healthy;
  std::int64_t consecutive_failures = 0;  // deliveries failed in a row
  std::int64_t created_ms = 0;
};

enum class DeliveryState { pending, delivered, failed };
std::string to_string(DeliveryState state);
std::optional<DeliveryState> delivery_state_from_string(const std::string& text);

struct WebhookDelivery {
  std::int64_t id = 0;
  std::int64_t endpoint = 0;
  std::string event;        // record.changed, session.closed, ping
  std::string delivery_id;  // unique, random; the same on every retry
  std::string payload_json;
  std::int64_t attempts = 0;
  std::int64_t next_attempt_ms = 0;
  DeliveryState state = DeliveryState::pending;
  std::optional<std::int64_t> last_status;  // HTTP status of the last attempt
  std::string last_error;                   // "" after a 2xx
  std::int64_t created_ms = 0;
  std::optional<std::int64_t> delivered_ms;
};

// ---- Self check-in (issue 6) ----------------------------------------------
// A check-in window of a session. Closed is derived from time (now >=
// closes_ms); `finalized` is set once, when the session is locked after
// closes_ms + grace_ms.
struct CheckinWindow {
  std::int64_t id = 0;
  SessionId session;
  std::string code;  // 6 digits; shown to the teacher, compared in constant time
  std::int64_t opens_ms = 0;
  std::int64_t closes_ms = 0;
  std::int64_t grace_ms = 0;
  double latitude = 0;
  double longitude = 0;
  double radius_m = 0;
  std::optional<std::int64_t> late_after_ms;  // absolute; later arrivals are late
  bool accept_photos = false;
  std::optional<UserId> opened_by;
  std::optional<std::int64_t> finalized_ms;
  std::int64_t created_ms = 0;
  // Wrong codes tried against this window from every address and server:
  // since the code last changed, and in all; the code changes after a
  // number of them (domain/checkin.h), and the one before stays known so a
  // student with the old QR code is told, not counted as a guesser.
  std::int64_t wrong_codes = 0;
  std::int64_t wrong_codes_total = 0;
  std::int64_t code_changes = 0;
  std::string previous_code;  // "" until the code first changes
  std::optional<std::int64_t> code_changed_ms;
};

// A window's wrong-code counters just after one more was counted.
struct WrongCodeCount {
  std::int64_t wrong_codes = 0;  // since the code last changed
  std::int64_t wrong_codes_total = 0;
  std::int64_t code_changes = 0;
};

enum class SubmissionState { queued, verifying, accepted, rejected };
std::string to_string(SubmissionState state);
std::optional<SubmissionState> submission_state_from_string(const std::string& text);

// A student's check-in, stored before it is acknowledged; verified later
// by a worker. The capture's bytes are dropped once a verdict is reached.
struct CheckinSubmission {
  std::int64_t id = 0;
  std::string public_id;  // random, unguessable: the id clients poll
  std::int64_t window = 0;
  SessionId session;
  StudentId student;
  std::string client_ip;
  double latitude = 0;
  double longitude = 0;
  double accuracy_m = 0;
  double distance_m = 0;
  std::string capture_kind;   // photos, video
  std::string capture_parts;  // comma list of part sizes in `capture`
  std::vector<std::uint8_t> capture;
  SubmissionState state = SubmissionState::queued;
  std::string verdict_code;  // "" until verdict; checked_in, face_mismatch, ...
  std::string verdict_message;
  std::optional<float> similarity;  // for the teacher only
  std::optional<float> motion;
  std::optional<float> passive_live;
  std::string attendance;  // present or late, once accepted
  std::int64_t submitted_ms = 0;
  std::optional<std::int64_t> started_ms;
  std::optional<std::int64_t> finished_ms;
  std::int64_t lease_until_ms = 0;
  std::int64_t attempts = 0;  // verification attempts (a crashed worker's claim counts)
  // The expected verification work, in typical submissions (1 = a short
  // clip a phone records); the queue bound adds these up.
  double cost = 1;
};

// A check-in attempt, counted for the per-student and per-IP limits
// whatever its outcome.
struct CheckinAttempt {
  std::int64_t window = 0;
  std::optional<StudentId> student;
  std::string client_ip;
  std::string outcome;  // accepted for queueing, or the refusal's code
  std::int64_t created_ms = 0;
};
// ---- end Self check-in ----

// ---- Telegram bots (issue 7) ----------------------------------------------
// Where a conversation in one chat stands (a bot's state machine).
struct BotChat {
  std::string bot;  // teacher or student
  std::int64_t chat_id = 0;
  std::int64_t telegram_user_id = 0;
  std::string state;      // the bot's own names, e.g. "await_contact"
  std::string data_json;  // what the conversation has gathered so far
  std::int64_t updated_ms = 0;
  std::int64_t expires_ms = 0;  // after this the conversation starts over
};

struct TelegramLinkCode {
  std::int64_t id = 0;
  TeacherId teacher;
  std::string code_hash;  // SHA-256 hex of the code; the code is shown once
  std::int64_t expires_ms = 0;
  std::optional<std::int64_t> used_ms;
  std::int64_t created_ms = 0;
};

// A window's report on its way to the teacher's Telegram chat (issue 15):
// the message, then the CSV, then the XLSX file ("parts", in that order).
struct BotReport {
  std::int64_t id = 0;
  std::int64_t window = 0;
  SessionId session;
  std::int64_t chat_id = 0;          // the teacher's private chat (== Telegram user id)
  std::string state = "pending";     // pending, sent, failed (given up)
  int parts_sent = 0;                // how many parts went out already
  int attempts = 0;                  // failed attempts so far
  std::int64_t next_attempt_ms = 0;  // due time; a claim moves it on as a lease
  std::string last_error;
  std::int64_t created_ms = 0;
  std::optional<std::int64_t> finished_ms;  // sent or given up
};
// ---- end Telegram bots ----

// A page of a list: `items` plus the count of every match, for paging.
template <typename T>
struct Page {
  std::vector<T> items;
  std::int64_t total = 0;
};

struct ListQuery {
  std::string search;  // substring of name / roll number / code; "" = all
  std::int64_t offset = 0;
  std::int64_t limit = 50;
};

}  // namespace rollcall::store
