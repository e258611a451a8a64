// src/store/store.h
//
// The store module: everything Rollcall keeps, in SQLite (the embedded
// default, a file in the data directory) or PostgreSQL (chosen by a
// postgres:// URL), behind one interface.
// Owns: the schema and its numbered migrations (applied at open, recorded
// in schema_migrations), connections, transactions, the typed queries
// (Tx), and online backup. Leaves to others: every rule about what may be
// written (domain) and who may ask (http).
// Invariants: the SQL of every query is written once and runs on both
// back ends (placeholders $1, $2...; times as BIGINT milliseconds; vectors
// as BLOB/BYTEA of little-endian float32). A Tx never outlives the call
// that handed it out.
// Thread safety: Store is shared by all threads; each read()/write()
// borrows a pooled connection. A Tx belongs to the thread it was given to.
//
// Errors every method may return: database_error (the driver's message),
// database_busy (the database stayed locked past the busy timeout),
// database_unavailable (the database cannot be reached: connection
// refused or lost, the server shutting down), storage_full (the disk, or
// sqlite_max_bytes, is full: SQLITE_FULL, PostgreSQL 53100), and,
// from inserts and updates, `duplicate` with the message naming the
// unique columns that clashed as "table.column" (e.g. "students.roll_number",
// "classes.name, classes.section"). Also: `foreign_key` when a row would
// point at a missing one, or a delete would leave rows pointing at nothing
// (e.g. a class that still has students), the message naming the reference
// as "students.class_id -> classes.id"; `not_found` from an update_* of
// an id that does not exist; `invalid_page` for a negative offset or limit.
// After a failed statement the rest of that transaction fails too (on
// both back ends): return the error so that it rolls back.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/ids.h"
#include "base/result.h"
#include "store/records.h"

namespace rollcall::store {

namespace fs = std::filesystem;

class Connection;  // a driver's connection (detail/connection.h)

enum class Backend { sqlite, postgres };
std::string to_string(Backend backend);

// The typed queries, one per thing the domain needs. Written once over
// Connection; the same code runs on both back ends.
class Tx {
 public:
  explicit Tx(Connection& connection) : connection_(connection) {}
  Tx(const Tx&) = delete;
  Tx& operator=(const Tx&) = delete;

  Connection& connection() { return connection_; }

  // Settings: small key/value pairs the server keeps (e.g. the JWT key when
  // none is configured, so every instance on one database agrees).
  Result<std::optional<std::string>> get_setting(const std::string& key);
  Result<void> put_setting(const std::string& key, const std::string& value);
  // Inserts iff absent; returns the value that is stored after the call,
  // so concurrent first starts agree on one value.
  Result<std::string> put_setting_if_absent(const std::string& key, const std::string& value);
  // Every setting whose key starts with `prefix`, as (key, value), by key.
  Result<std::vector<std::pair<std::string, std::string>>> list_settings(const std::string& prefix);
  Result<void> delete_setting(const std::string& key);

  // Users. Usernames are stored lower case and compared that way.
  Result<UserId> insert_user(const User& user);
  Result<std::optional<User>> find_user(UserId id);
  Result<std::optional<User>> find_user_by_username(const std::string& username);
  Result<Page<User>> list_users(const ListQuery& query);
  Result<void> update_user(const User& user);  // display_name, role, is_active
  // Sets the hash and must_change_password (true when someone other than
  // the user chose the password).
  Result<void> update_password(UserId id, const std::string& password_hash,
                               bool must_change_password = false);
  Result<bool> delete_user(UserId id);
  Result<std::int64_t> count_users(Role role);

  // Logins and their refresh tokens. A login is the family its refresh
  // tokens share; its access tokens name it, and work while it is live.
  Result<void> insert_login(UserId user, const std::string& family, std::int64_t now_ms);
  // True iff `family` is a login of `user` that has not ended.
  Result<bool> is_login_live(const std::string& family, UserId user);
  Result<void> insert_refresh_token(const RefreshToken& token);
  Result<std::optional<RefreshToken>> find_refresh_token(const std::string& token_hash);
  // Marks a token used unless it already was: false when another request
  // used it first (PostgreSQL waits for that one to commit, then sees it).
  Result<bool> mark_refresh_token_used(std::int64_t id);
  // End one login (its refresh tokens and its access tokens), or all of a user's.
  Result<void> revoke_token_family(const std::string& family);
  Result<void> revoke_user_tokens(UserId user);

  // Teachers.
  Result<TeacherId> insert_teacher(const Teacher& teacher);
  Result<std::optional<Teacher>> find_teacher(TeacherId id);
  Result<std::optional<Teacher>> find_teacher_by_user(UserId user);
  Result<Page<Teacher>> list_teachers(const ListQuery& query);  // search: name, email, phone
  Result<void> update_teacher(const Teacher& teacher);
  Result<bool> delete_teacher(TeacherId id);

  // Classes.
  Result<ClassId> insert_class(const ClassGroup& group);
  Result<std::optional<ClassGroup>> find_class(ClassId id);
  Result<Page<ClassGroup>> list_classes(const ListQuery& query);  // search: name, section
  Result<void> update_class(const ClassGroup& group);
  Result<bool> delete_class(ClassId id);

  // Subjects.
  Result<SubjectId> insert_subject(const Subject& subject);
  Result<std::optional<Subject>> find_subject(SubjectId id);
  Result<Page<Subject>> list_subjects(const ListQuery& query);  // search: code, name
  Result<void> update_subject(const Subject& subject);
  Result<bool> delete_subject(SubjectId id);

  // Teacher assignments.
  Result<std::int64_t> insert_assignment(const Assignment& assignment);
  Result<std::optional<Assignment>> find_assignment(std::int64_t id);
  Result<std::vector<Assignment>> list_assignments(std::optional<TeacherId> teacher,
                                                   std::optional<ClassId> class_id);
  Result<bool> delete_assignment(std::int64_t id);
  // True iff the teacher is assigned any subject of this class.
  Result<bool> teaches_class(TeacherId teacher, ClassId class_id);

  // Students. list_students filters by class when given; search matches
  // name, roll number and registration number. Roll numbers are unique
  // within a class and compared ignoring ASCII case (the store keeps a
  // folded copy, roll_key); a clash is duplicate "students.class_id,
  // students.roll_key".
  Result<StudentId> insert_student(const Student& student);
  Result<std::optional<Student>> find_student(StudentId id);
  Result<std::optional<Student>> find_student_by_roll(ClassId class_id,
                                                      const std::string& roll_number);
  // The student with this roll number in the class of `session`; when
  // that class has none (or there is no such session), the first student
  // of another class with it, so that the caller can say where they are not.
  Result<std::optional<Student>> find_student_by_roll_in_session(SessionId session,
                                                                 const std::string& roll_number);
  // Every student of the school with this roll number (any class, any
  // case), by id; at most `limit`.
  Result<std::vector<Student>> list_students_by_roll(const std::string& roll_number, int limit);
  // The student with this registration number: the exact spelling, else
  // the only one that matches ignoring ASCII case.
  Result<std::optional<Student>> find_student_by_registration(
      const std::string& registration_number);
  Result<std::optional<Student>> find_student_by_user(UserId user);
  Result<Page<Student>> list_students(const ListQuery& query, std::optional<ClassId> class_id);
  // Only students of classes the teacher is assigned to.
  Result<Page<Student>> list_students_of_teacher(const ListQuery& query, TeacherId teacher,
                                                 std::optional<ClassId> class_id);
  Result<void> update_student(const Student& student);
  // Deletes the student with their photos and embeddings (cascade).
  Result<bool> delete_student(StudentId id);
  Result<std::int64_t> count_students();

  // Enrollment photos and embeddings.
  Result<PhotoId> insert_photo(const EnrollmentPhoto& photo);
  Result<std::vector<EnrollmentPhoto>> list_photos(StudentId student, bool with_bytes);
  Result<std::optional<EnrollmentPhoto>> find_photo(PhotoId id);
  Result<bool> delete_photo(PhotoId id);  // and the embeddings made from it
  Result<std::int64_t> count_photos(StudentId student);
  // Drops the bytes of every kept photo (retention: embeddings only).
  Result<std::int64_t> forget_photo_bytes();
  Result<std::int64_t> insert_embedding(const StoredEmbedding& embedding);
  Result<std::vector<StoredEmbedding>> list_embeddings(StudentId student);
  // Every embedding of one model for the students of one class (or of
  // every student when class_id is empty), ordered by student.
  Result<std::vector<StoredEmbedding>> list_class_embeddings(std::optional<ClassId> class_id,
                                                             const std::string& model_id);
  Result<std::int64_t> delete_embeddings(StudentId student);
  // Students that have a kept photo, for re-embedding.
  Result<std::vector<StudentId>> students_with_photos();

  // Sessions and attendance (issue 5 builds on these).
  Result<SessionId> insert_session(const Session& session);
  Result<std::optional<Session>> find_session(SessionId id);
  Result<void> upsert_attendance(const AttendanceRecord& record);
  Result<std::vector<AttendanceRecord>> list_attendance(SessionId session);

  // ---- Reports (issue 5; tx_reports.cc) ----
  // Sessions of a class starting in [from_ms, to_ms), oldest first, with
  // their subject.
  Result<std::vector<SessionSummary>> list_class_sessions(ClassId class_id, std::int64_t from_ms,
                                                          std::int64_t to_ms);
  // The attendance records of those sessions, by session then student.
  Result<std::vector<AttendanceRecord>> list_class_attendance(ClassId class_id,
                                                              std::int64_t from_ms,
                                                              std::int64_t to_ms);
  // Every attendance record of a student, oldest session first.
  Result<std::vector<HistoryEntry>> list_student_history(StudentId student);
  // ---- end Reports ----

  // ---- Sessions and class photos (issue 5; tx_class_photos.cc) ----
  // Sessions newest first (starts_ms, then id).
  Result<Page<Session>> list_sessions(const SessionFilter& filter, const ListQuery& query);
  Result<void> update_session(const Session& session);  // teacher, subject, times, method, lock
  // With its photos, faces and attendance records (cascade).
  Result<bool> delete_session(SessionId id);
  Result<std::int64_t> insert_class_photo(const ClassPhoto& photo);
  // with_bytes: also the original and the annotated JPEG.
  Result<std::optional<ClassPhoto>> find_class_photo(std::int64_t id, bool with_bytes);
  Result<std::vector<ClassPhoto>> list_class_photos(SessionId session);  // no bytes, oldest first
  Result<std::int64_t> insert_photo_face(const PhotoFace& face);
  Result<std::optional<PhotoFace>> find_photo_face(std::int64_t id);
  // Every face of every photo of the session, by photo then face index.
  Result<std::vector<PhotoFace>> list_session_faces(SessionId session);
  Result<std::vector<PhotoFace>> list_photo_faces(std::int64_t class_photo);
  Result<void> update_photo_face(const PhotoFace& face);  // status, student, corrected_*
  // The session a face belongs to (via its photo).
  Result<std::optional<SessionId>> session_of_face(std::int64_t face);
  // ---- end Sessions and class photos ----

  // Audit log, newest first.
  Result<std::int64_t> insert_audit(const AuditEntry& entry);
  Result<Page<AuditEntry>> list_audit(const ListQuery& query, const std::string& entity);

  // Background jobs.
  Result<JobId> insert_job(const Job& job);
  Result<std::optional<Job>> find_job(JobId id);
  Result<void> update_job(const Job& job);  // state, done, total, errors_json, updated_ms
  // Marks every queued or running job failed; returns how many.
  Result<std::int64_t> fail_unfinished_jobs(std::int64_t now_ms);

  // ---- Webhooks (tx_webhooks.cc) ----
  // Endpoints, oldest first; the secret is returned as stored.
  Result<std::int64_t> insert_webhook_endpoint(const WebhookEndpoint& endpoint);
  Result<std::optional<WebhookEndpoint>> find_webhook_endpoint(std::int64_t id);
  Result<std::vector<WebhookEndpoint>> list_webhook_endpoints();
  // url, secret, events, is_active, state, consecutive_failures.
  Result<void> update_webhook_endpoint(const WebhookEndpoint& endpoint);
  Result<bool> delete_webhook_endpoint(std::int64_t id);  // and its deliveries (cascade)
  // Active endpoints subscribed to `event` ("ping" matches every active one).
  Result<std::vector<WebhookEndpoint>> webhook_endpoints_for(const std::string& event);
  // The outbox. delivery_id must be unique (duplicate otherwise).
  Result<std::int64_t> insert_webhook_delivery(const WebhookDelivery& delivery);
  Result<std::optional<WebhookDelivery>> find_webhook_delivery(std::int64_t id);
  // Up to `limit` pending deliveries due at `now_ms`, oldest due first,
  // each leased until now_ms + lease_ms (next_attempt_ms moves there) so
  // no other server sends it meanwhile; a sender that dies mid-send leaves
  // the row to be claimed again when the lease ends (at-least-once).
  // Safe with several servers: PostgreSQL skips rows another claim holds
  // (FOR UPDATE SKIP LOCKED); SQLite serialises writers (BEGIN IMMEDIATE).
  Result<std::vector<WebhookDelivery>> claim_webhook_deliveries(std::int64_t now_ms, int limit,
                                                                std::int64_t lease_ms);
  // attempts, next_attempt_ms, state, last_status, last_error, delivered_ms.
  Result<void> update_webhook_delivery(const WebhookDelivery& delivery);
  // One endpoint's deliveries, newest first.
  Result<Page<WebhookDelivery>> list_webhook_deliveries(std::int64_t endpoint,
                                                        const ListQuery& query);
  // ---- end Webhooks ----

  // ---- Self check-in (issue 6; tx_checkin.cc) ----
  Result<std::int64_t> insert_checkin_window(const CheckinWindow& window);
  Result<std::optional<CheckinWindow>> find_checkin_window(std::int64_t id);
  // The session's newest window, open or not.
  Result<std::optional<CheckinWindow>> latest_checkin_window(SessionId session);
  // closes_ms and finalized_ms.
  Result<void> update_checkin_window(const CheckinWindow& window);
  // The class's windows not yet finalized (open, or closed and in their
  // grace period), newest first.
  Result<std::vector<CheckinWindow>> unfinalized_windows_of_class(ClassId class_id);
  // Windows past closes_ms + grace_ms at `now_ms` and not yet finalized.
  Result<std::vector<CheckinWindow>> due_checkin_windows(std::int64_t now_ms);
  // One active (queued, verifying or accepted) submission per session and
  // student: a second one fails with duplicate
  // "checkin_submissions.session_id, checkin_submissions.student_id".
  Result<std::int64_t> insert_checkin_submission(const CheckinSubmission& submission);
  Result<std::optional<CheckinSubmission>> find_checkin_submission(const std::string& public_id,
                                                                   bool with_capture);
  // The student's active submission in the session, without its capture.
  Result<std::optional<CheckinSubmission>> active_checkin_submission(SessionId session,
                                                                     StudentId student);
  // The oldest queued submission (or a verifying one whose lease ended: its
  // worker died), leased to the caller until now_ms + lease_ms, with its
  // capture. PostgreSQL skips rows another server's claim holds (FOR UPDATE
  // SKIP LOCKED); SQLite serialises writers.
  Result<std::optional<CheckinSubmission>> claim_checkin_submission(std::int64_t now_ms,
                                                                    std::int64_t lease_ms);
  // Makes every verifying submission claimable at once; returns how many.
  Result<std::int64_t> release_checkin_claims(std::int64_t now_ms);
  // The verdict: state, verdict_*, similarity, motion, passive_live,
  // attendance, finished_ms; the capture's bytes are dropped.
  Result<void> finish_checkin_submission(const CheckinSubmission& submission);
  // Queued or verifying submissions of one window (or of all, when empty).
  Result<std::int64_t> count_pending_submissions(std::optional<std::int64_t> window);
  // A window's submissions, oldest first, without captures.
  Result<std::vector<CheckinSubmission>> list_checkin_submissions(std::int64_t window);
  // How many of a window's submissions are in each state (absent = none).
  Result<std::map<SubmissionState, std::int64_t>> count_checkin_submissions(std::int64_t window);
  Result<void> insert_checkin_attempt(const CheckinAttempt& attempt);
  // Attempts of the window since `since_ms` by this student / from this IP.
  Result<std::int64_t> count_student_attempts(std::int64_t window, StudentId student);
  Result<std::int64_t> count_ip_attempts(std::int64_t window, const std::string& ip,
                                         std::int64_t since_ms);
  // Takes one of the allowance `key` has in `bucket` of the window (a
  // minute's number, or 0 for the whole window) and returns how many are
  // taken now, this one included: one upsert, so concurrent takers on any
  // server each see their own count (PostgreSQL locks the row until the
  // transaction ends). give_back undoes a take in the same transaction.
  Result<std::int64_t> take_checkin_allowance(std::int64_t window, const std::string& key,
                                              std::int64_t bucket);
  Result<void> give_back_checkin_allowance(std::int64_t window, const std::string& key,
                                           std::int64_t bucket);
  // Counts one wrong code against the window (one UPDATE ... RETURNING).
  Result<WrongCodeCount> count_wrong_checkin_code(std::int64_t window);
  // A new code; the old one becomes previous_code, wrong_codes restarts.
  Result<void> change_checkin_code(std::int64_t window, const std::string& code,
                                   std::int64_t now_ms);
  // The summed cost of queued and verifying submissions, all windows.
  Result<double> pending_checkin_cost();
  // ---- end Self check-in ----

  // ---- Telegram bots (issue 7; tx_bots.cc) ----
  Result<std::optional<BotChat>> find_bot_chat(const std::string& bot, std::int64_t chat_id);
  // Inserts or replaces the chat's row.
  Result<void> put_bot_chat(const BotChat& chat);
  Result<bool> delete_bot_chat(const std::string& bot, std::int64_t chat_id);
  // The bot's conversations in `state`, oldest change first (timers: a
  // countdown to edit, a verdict to tell).
  Result<std::vector<BotChat>> list_bot_chats(const std::string& bot, const std::string& state);
  // Removes conversations that expired before `now_ms`; returns how many.
  Result<std::int64_t> expire_bot_chats(std::int64_t now_ms);
  Result<std::optional<Teacher>> find_teacher_by_telegram(std::int64_t telegram_id);
  Result<std::optional<Student>> find_student_by_telegram(std::int64_t telegram_id);
  Result<std::int64_t> insert_link_code(const TelegramLinkCode& code);
  Result<std::optional<TelegramLinkCode>> find_link_code(const std::string& code_hash);
  // Sets used_ms iff still unused; false when it was used already.
  Result<bool> use_link_code(std::int64_t id, std::int64_t now_ms);
  // The teacher bot's report outbox (issue 15). Queues `report` unless
  // that window's report to that chat is queued already; true if queued.
  Result<bool> queue_bot_report(const BotReport& report);
  // The pending report due first (next_attempt_ms <= now), its
  // next_attempt_ms moved to now + `lease_ms` (a claim); rows another
  // server's claim holds are skipped.
  Result<std::optional<BotReport>> claim_bot_report(std::int64_t now_ms, std::int64_t lease_ms);
  // Records progress: state, parts_sent, attempts, next_attempt_ms,
  // last_error, finished_ms. Errors: not_found.
  Result<void> update_bot_report(const BotReport& report);
  // A session's reports, oldest first.
  Result<std::vector<BotReport>> list_bot_reports(SessionId session);
  // ---- end Telegram bots ----

 private:
  Connection& connection_;
};

struct StoreOptions {
  // "" or "sqlite" = <data_dir>/rollcall.db; "sqlite:///path/file.db";
  // "postgres://user:pass@host:port/db" or "postgresql://...".
  std::string url;
  fs::path data_dir = "data";
  int pool_size = 8;           // connections kept open
  int busy_timeout_ms = 5000;  // SQLite busy timeout; also the pool wait
  // The largest the SQLite file may grow to (PRAGMA max_page_count, set
  // after migrations); 0 = as large as the disk allows. Writes past it
  // fail with storage_full, as on a full disk.
  std::uint64_t sqlite_max_bytes = 0;
  // Told once per change of health (StoreHealth), with its cause: the
  // event is "database_unavailable", "database_available",
  // "storage_full" or "storage_writable". Called on the thread whose work
  // saw the change; must not call back into the store. Empty = not told.
  std::function<void(const std::string& event, const std::string& cause)> on_health = {};
};

// What the store has learnt of its database from the work it did.
struct StoreHealth {
  bool is_reachable = true;      // false from a database_unavailable until a success
  bool is_storage_full = false;  // true from a storage_full until a write succeeds
  std::string cause;             // the driver's words for the newest problem; "" when none
};

class Store {
 public:
  // Connects, creates the database file if needed, and applies every
  // pending migration (idempotent; concurrent starts on one PostgreSQL
  // database are serialised by an advisory lock). Errors: database_error,
  // database_url_invalid, migration_failed.
  static Result<std::unique_ptr<Store>> open(const StoreOptions& options);
  virtual ~Store() = default;
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  virtual Backend backend() const = 0;

  // Runs `work` in one transaction and commits iff it returns ok; rolls
  // back otherwise and returns its error. write() takes the write lock up
  // front on SQLite (BEGIN IMMEDIATE) and retries a serialisation failure
  // or deadlock on PostgreSQL a few times (so `work` may run more than
  // once there). read() is read-only on both back ends: a write in it
  // fails with database_error.
  Result<void> write(const std::function<Result<void>(Tx&)>& work);
  Result<void> read(const std::function<Result<void>(Tx&)>& work);

  // The common case of one value out of a transaction.
  template <typename T>
  Result<T> write_value(const std::function<Result<T>(Tx&)>& work) {
    std::optional<Result<T>> out;
    auto done = write([&](Tx& tx) -> Result<void> {
      out.emplace(work(tx));
      if (!out->ok()) return out->error();
      return {};
    });
    if (!done) return done.error();
    return std::move(*out);
  }
  template <typename T>
  Result<T> read_value(const std::function<Result<T>(Tx&)>& work) {
    std::optional<Result<T>> out;
    auto done = read([&](Tx& tx) -> Result<void> {
      out.emplace(work(tx));
      if (!out->ok()) return out->error();
      return {};
    });
    if (!done) return done.error();
    return std::move(*out);
  }

  // A trivial query, for /readyz.
  virtual Result<void> ping() = 0;

  // The health the store's own work has seen (a ping counts). Thread-safe.
  virtual StoreHealth health() const = 0;

  // The highest applied migration number.
  virtual Result<int> schema_version() = 0;

  // A consistent copy of the whole database while it is in use: the
  // SQLite online backup API into `out`. PostgreSQL answers
  // backup_unsupported naming pg_dump (docs/OPERATIONS.md).
  virtual Result<void> backup(const fs::path& out) = 0;

 protected:
  Store() = default;
  // Borrow a connection, run `work` between BEGIN and COMMIT/ROLLBACK.
  virtual Result<void> transact(bool is_write, const std::function<Result<void>(Tx&)>& work) = 0;
};

// The number of the newest migration this build knows.
int latest_schema_version();

// `url` (postgres://user@host:port/db?options) naming `database` instead:
// how tests, the benchmark and operators point at a sibling database.
std::string postgres_url_with_database(const std::string& url, const std::string& database);

}  // namespace rollcall::store
