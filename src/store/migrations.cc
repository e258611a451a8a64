// src/store/migrations.cc
//
// The schema, as numbered migrations; docs/SCHEMA.md explains each table.
// A migration, once released, is never edited: changes go in a new one.
//
// Each migration's SQL is written once. Two placeholders stand for what
// the dialects spell differently:
//   {id}   the surrogate key: SQLite's INTEGER PRIMARY KEY AUTOINCREMENT
//          (AUTOINCREMENT so a deleted row's id is never handed out again,
//          which the audit log relies on) or PostgreSQL's identity column;
//   {blob} BLOB or BYTEA.
// Everything else (BIGINT, TEXT, BOOLEAN, DOUBLE PRECISION, named
// constraints, CREATE INDEX) means the same to both.
//
// Constraint names follow the pattern the PostgreSQL driver decodes into
// error messages (postgres_connection.cc): uq__<table>__<col>[__<col>],
// fk__<table>__<col>__<parent>, ck__<table>__<col>.
// References without an ON DELETE action are NO ACTION: deleting a row
// still referenced fails with foreign_key at the end of the statement
// (RESTRICT would fire even when the SQLite driver defers the checks to
// find out which key broke).
#include <string_view>

#include "base/clock.h"
#include "store/detail/migrations.h"
#include "store/detail/sql.h"
#include "store/store.h"

namespace rollcall::store {
namespace {

struct Migration {
  int version;
  const char* name;
  const char* sql;
  // When the dialects cannot share the SQL (SQLite cannot drop a
  // constraint): `sql` is SQLite's, this PostgreSQL's.
  const char* postgres_sql = nullptr;
  // SQLite only: the migration rebuilds a table others refer to, so it
  // runs with foreign keys off (a DROP TABLE would otherwise cascade) and
  // checks every reference before it commits.
  bool rebuilds_tables = false;
};

constexpr Migration kMigrations[] = {
    {1, "accounts", R"sql(
CREATE TABLE settings (
  name TEXT NOT NULL PRIMARY KEY,
  value TEXT NOT NULL,
  updated_ms BIGINT NOT NULL
);

CREATE TABLE users (
  id {id},
  username TEXT NOT NULL,  -- lower case; the store folds it
  password_hash TEXT NOT NULL,
  role TEXT NOT NULL CONSTRAINT ck__users__role CHECK (role IN ('admin', 'teacher', 'student')),
  display_name TEXT NOT NULL,
  is_active BOOLEAN NOT NULL,
  created_ms BIGINT NOT NULL,
  CONSTRAINT uq__users__username UNIQUE (username)
);

CREATE TABLE refresh_tokens (
  id {id},
  user_id BIGINT NOT NULL
    CONSTRAINT fk__refresh_tokens__user_id__users REFERENCES users (id) ON DELETE CASCADE,
  family TEXT NOT NULL,
  token_hash TEXT NOT NULL,
  expires_ms BIGINT NOT NULL,
  is_used BOOLEAN NOT NULL,
  is_revoked BOOLEAN NOT NULL,
  created_ms BIGINT NOT NULL,
  CONSTRAINT uq__refresh_tokens__token_hash UNIQUE (token_hash)
);
CREATE INDEX idx__refresh_tokens__family ON refresh_tokens (family);
CREATE INDEX idx__refresh_tokens__user_id ON refresh_tokens (user_id);
)sql"},

    {2, "people", R"sql(
CREATE TABLE teachers (
  id {id},
  user_id BIGINT NOT NULL CONSTRAINT fk__teachers__user_id__users REFERENCES users (id),
  name TEXT NOT NULL,
  email TEXT NOT NULL,
  phone TEXT NOT NULL,
  telegram_id BIGINT,
  created_ms BIGINT NOT NULL,
  CONSTRAINT uq__teachers__user_id UNIQUE (user_id),
  CONSTRAINT uq__teachers__telegram_id UNIQUE (telegram_id)
);
CREATE INDEX idx__teachers__phone ON teachers (phone);  -- the bot links by phone

CREATE TABLE classes (
  id {id},
  name TEXT NOT NULL,
  section TEXT NOT NULL,
  created_ms BIGINT NOT NULL,
  CONSTRAINT uq__classes__name__section UNIQUE (name, section)
);

CREATE TABLE subjects (
  id {id},
  code TEXT NOT NULL,
  name TEXT NOT NULL,
  created_ms BIGINT NOT NULL,
  CONSTRAINT uq__subjects__code UNIQUE (code)
);

CREATE TABLE assignments (
  id {id},
  teacher_id BIGINT NOT NULL
    CONSTRAINT fk__assignments__teacher_id__teachers REFERENCES teachers (id) ON DELETE CASCADE,
  class_id BIGINT NOT NULL
    CONSTRAINT fk__assignments__class_id__classes REFERENCES classes (id) ON DELETE CASCADE,
  subject_id BIGINT NOT NULL
    CONSTRAINT fk__assignments__subject_id__subjects REFERENCES subjects (id) ON DELETE CASCADE,
  CONSTRAINT uq__assignments__teacher_id__class_id__subject_id
    UNIQUE (teacher_id, class_id, subject_id)
);
CREATE INDEX idx__assignments__class_id ON assignments (class_id);
CREATE INDEX idx__assignments__subject_id ON assignments (subject_id);

CREATE TABLE students (
  id {id},
  user_id BIGINT CONSTRAINT fk__students__user_id__users REFERENCES users (id),
  name TEXT NOT NULL,
  roll_number TEXT NOT NULL,
  registration_number TEXT NOT NULL,
  class_id BIGINT NOT NULL CONSTRAINT fk__students__class_id__classes REFERENCES classes (id),
  phone TEXT NOT NULL,
  telegram_id BIGINT,
  created_ms BIGINT NOT NULL,
  CONSTRAINT uq__students__roll_number UNIQUE (roll_number),
  CONSTRAINT uq__students__registration_number UNIQUE (registration_number),
  CONSTRAINT uq__students__user_id UNIQUE (user_id),
  CONSTRAINT uq__students__telegram_id UNIQUE (telegram_id)
);
CREATE INDEX idx__students__class_id ON students (class_id);
)sql"},

    {3, "enrollment", R"sql(
CREATE TABLE enrollment_photos (
  id {id},
  student_id BIGINT NOT NULL
    CONSTRAINT fk__enrollment_photos__student_id__students REFERENCES students (id)
    ON DELETE CASCADE,
  content_type TEXT NOT NULL,
  bytes {blob},  -- NULL once forgotten (embeddings-only retention)
  is_kept BOOLEAN NOT NULL,
  quality_json TEXT NOT NULL,
  created_ms BIGINT NOT NULL
);
CREATE INDEX idx__enrollment_photos__student_id ON enrollment_photos (student_id);

CREATE TABLE embeddings (
  id {id},
  student_id BIGINT NOT NULL
    CONSTRAINT fk__embeddings__student_id__students REFERENCES students (id) ON DELETE CASCADE,
  photo_id BIGINT
    CONSTRAINT fk__embeddings__photo_id__enrollment_photos REFERENCES enrollment_photos (id)
    ON DELETE CASCADE,
  model_id TEXT NOT NULL,
  vector {blob} NOT NULL,  -- little-endian float32
  weight DOUBLE PRECISION NOT NULL,
  created_ms BIGINT NOT NULL
);
CREATE INDEX idx__embeddings__student_id ON embeddings (student_id);
CREATE INDEX idx__embeddings__model_id ON embeddings (model_id);
CREATE INDEX idx__embeddings__photo_id ON embeddings (photo_id);
)sql"},

    {4, "sessions", R"sql(
CREATE TABLE sessions (
  id {id},
  class_id BIGINT NOT NULL CONSTRAINT fk__sessions__class_id__classes REFERENCES classes (id),
  subject_id BIGINT NOT NULL
    CONSTRAINT fk__sessions__subject_id__subjects REFERENCES subjects (id),
  teacher_id BIGINT NOT NULL
    CONSTRAINT fk__sessions__teacher_id__teachers REFERENCES teachers (id),
  starts_ms BIGINT NOT NULL,
  ends_ms BIGINT NOT NULL,
  method TEXT NOT NULL
    CONSTRAINT ck__sessions__method CHECK (method IN ('photo', 'checkin', 'manual', 'mixed')),
  is_locked BOOLEAN NOT NULL,
  created_ms BIGINT NOT NULL
);
CREATE INDEX idx__sessions__class_id__starts_ms ON sessions (class_id, starts_ms);
CREATE INDEX idx__sessions__teacher_id ON sessions (teacher_id);
CREATE INDEX idx__sessions__subject_id ON sessions (subject_id);

CREATE TABLE attendance_records (
  id {id},
  session_id BIGINT NOT NULL
    CONSTRAINT fk__attendance_records__session_id__sessions REFERENCES sessions (id)
    ON DELETE CASCADE,
  student_id BIGINT NOT NULL
    CONSTRAINT fk__attendance_records__student_id__students REFERENCES students (id)
    ON DELETE CASCADE,
  status TEXT NOT NULL CONSTRAINT ck__attendance_records__status
    CHECK (status IN ('present', 'absent', 'late', 'excused')),
  decided_by TEXT NOT NULL,
  similarity DOUBLE PRECISION,
  changed_by BIGINT
    CONSTRAINT fk__attendance_records__changed_by__users REFERENCES users (id)
    ON DELETE SET NULL,
  changed_ms BIGINT NOT NULL,
  CONSTRAINT uq__attendance_records__session_id__student_id UNIQUE (session_id, student_id)
);
CREATE INDEX idx__attendance_records__student_id ON attendance_records (student_id);
CREATE INDEX idx__attendance_records__changed_by ON attendance_records (changed_by);
)sql"},

    {5, "audit and jobs", R"sql(
CREATE TABLE audit_log (
  id {id},
  actor_id BIGINT,  -- no reference: the log outlives the accounts it names
  action TEXT NOT NULL,
  entity TEXT NOT NULL,
  entity_id BIGINT NOT NULL,
  before_json TEXT NOT NULL,
  after_json TEXT NOT NULL,
  at_ms BIGINT NOT NULL
);
CREATE INDEX idx__audit_log__at_ms ON audit_log (at_ms);
CREATE INDEX idx__audit_log__entity__at_ms ON audit_log (entity, at_ms);

CREATE TABLE jobs (
  id {id},
  kind TEXT NOT NULL,
  state TEXT NOT NULL
    CONSTRAINT ck__jobs__state CHECK (state IN ('queued', 'running', 'done', 'failed')),
  done BIGINT NOT NULL,
  total BIGINT NOT NULL,
  errors_json TEXT NOT NULL,
  created_by BIGINT
    CONSTRAINT fk__jobs__created_by__users REFERENCES users (id) ON DELETE SET NULL,
  created_ms BIGINT NOT NULL,
  updated_ms BIGINT NOT NULL
);
CREATE INDEX idx__jobs__created_by ON jobs (created_by);
)sql"},

    {6, "class photos", R"sql(
CREATE TABLE class_photos (
  id {id},
  session_id BIGINT NOT NULL
    CONSTRAINT fk__class_photos__session_id__sessions REFERENCES sessions (id) ON DELETE CASCADE,
  content_type TEXT NOT NULL,
  bytes {blob} NOT NULL,  -- empty when retention is embeddings_only
  width BIGINT NOT NULL,
  height BIGINT NOT NULL,
  annotated {blob} NOT NULL,
  processing_ms DOUBLE PRECISION NOT NULL,
  uploaded_by BIGINT
    CONSTRAINT fk__class_photos__uploaded_by__users REFERENCES users (id) ON DELETE SET NULL,
  created_ms BIGINT NOT NULL
);
CREATE INDEX idx__class_photos__session_id ON class_photos (session_id);
CREATE INDEX idx__class_photos__uploaded_by ON class_photos (uploaded_by);

CREATE TABLE photo_faces (
  id {id},
  class_photo_id BIGINT NOT NULL
    CONSTRAINT fk__photo_faces__class_photo_id__class_photos REFERENCES class_photos (id)
    ON DELETE CASCADE,
  face_index BIGINT NOT NULL,
  box_x DOUBLE PRECISION NOT NULL,
  box_y DOUBLE PRECISION NOT NULL,
  box_w DOUBLE PRECISION NOT NULL,
  box_h DOUBLE PRECISION NOT NULL,
  landmarks_json TEXT NOT NULL,
  detector_score DOUBLE PRECISION NOT NULL,
  quality_json TEXT NOT NULL,
  status TEXT NOT NULL CONSTRAINT ck__photo_faces__status
    CHECK (status IN ('matched', 'borderline', 'unknown', 'low_quality')),
  student_id BIGINT
    CONSTRAINT fk__photo_faces__student_id__students REFERENCES students (id) ON DELETE SET NULL,
  similarity DOUBLE PRECISION NOT NULL,
  runner_up_id BIGINT
    CONSTRAINT fk__photo_faces__runner_up_id__students REFERENCES students (id) ON DELETE SET NULL,
  runner_up_similarity DOUBLE PRECISION,
  margin DOUBLE PRECISION NOT NULL,
  corrected_by BIGINT
    CONSTRAINT fk__photo_faces__corrected_by__users REFERENCES users (id) ON DELETE SET NULL,
  corrected_ms BIGINT,
  CONSTRAINT uq__photo_faces__class_photo_id__face_index UNIQUE (class_photo_id, face_index)
);
CREATE INDEX idx__photo_faces__student_id ON photo_faces (student_id);
CREATE INDEX idx__photo_faces__runner_up_id ON photo_faces (runner_up_id);
CREATE INDEX idx__photo_faces__corrected_by ON photo_faces (corrected_by);
)sql"},

    {7, "webhooks", R"sql(
CREATE TABLE webhook_endpoints (
  id {id},
  url TEXT NOT NULL,
  secret TEXT NOT NULL,
  events TEXT NOT NULL,  -- comma list: record.changed, session.closed
  is_active BOOLEAN NOT NULL,
  state TEXT NOT NULL
    CONSTRAINT ck__webhook_endpoints__state CHECK (state IN ('healthy', 'failing')),
  consecutive_failures BIGINT NOT NULL,
  created_ms BIGINT NOT NULL
);

CREATE TABLE webhook_outbox (
  id {id},
  endpoint_id BIGINT NOT NULL
    CONSTRAINT fk__webhook_outbox__endpoint_id__webhook_endpoints REFERENCES webhook_endpoints (id)
    ON DELETE CASCADE,
  event TEXT NOT NULL,
  delivery_id TEXT NOT NULL,
  payload_json TEXT NOT NULL,
  attempts BIGINT NOT NULL,
  next_attempt_ms BIGINT NOT NULL,
  state TEXT NOT NULL
    CONSTRAINT ck__webhook_outbox__state CHECK (state IN ('pending', 'delivered', 'failed')),
  last_status BIGINT,
  last_error TEXT NOT NULL,
  created_ms BIGINT NOT NULL,
  delivered_ms BIGINT,
  CONSTRAINT uq__webhook_outbox__delivery_id UNIQUE (delivery_id)
);
CREATE INDEX idx__webhook_outbox__state__next_attempt_ms ON webhook_outbox (state, next_attempt_ms);
CREATE INDEX idx__webhook_outbox__endpoint_id__id ON webhook_outbox (endpoint_id, id);
)sql"},

    {8, "self check-in", R"sql(
CREATE TABLE checkin_windows (
  id {id},
  session_id BIGINT NOT NULL
    CONSTRAINT fk__checkin_windows__session_id__sessions REFERENCES sessions (id) ON DELETE CASCADE,
  code TEXT NOT NULL,
  opens_ms BIGINT NOT NULL,
  closes_ms BIGINT NOT NULL,
  grace_ms BIGINT NOT NULL,
  latitude DOUBLE PRECISION NOT NULL,
  longitude DOUBLE PRECISION NOT NULL,
  radius_m DOUBLE PRECISION NOT NULL,
  late_after_ms BIGINT,
  accept_photos BOOLEAN NOT NULL,
  opened_by BIGINT
    CONSTRAINT fk__checkin_windows__opened_by__users REFERENCES users (id) ON DELETE SET NULL,
  finalized_ms BIGINT,
  created_ms BIGINT NOT NULL
);
CREATE INDEX idx__checkin_windows__session_id ON checkin_windows (session_id);
CREATE INDEX idx__checkin_windows__opened_by ON checkin_windows (opened_by);
CREATE INDEX idx__checkin_windows__finalized_ms__closes_ms ON checkin_windows (finalized_ms, closes_ms);

CREATE TABLE checkin_submissions (
  id {id},
  public_id TEXT NOT NULL,
  window_id BIGINT NOT NULL
    CONSTRAINT fk__checkin_submissions__window_id__checkin_windows REFERENCES checkin_windows (id)
    ON DELETE CASCADE,
  session_id BIGINT NOT NULL
    CONSTRAINT fk__checkin_submissions__session_id__sessions REFERENCES sessions (id) ON DELETE CASCADE,
  student_id BIGINT NOT NULL
    CONSTRAINT fk__checkin_submissions__student_id__students REFERENCES students (id) ON DELETE CASCADE,
  client_ip TEXT NOT NULL,
  latitude DOUBLE PRECISION NOT NULL,
  longitude DOUBLE PRECISION NOT NULL,
  accuracy_m DOUBLE PRECISION NOT NULL,
  distance_m DOUBLE PRECISION NOT NULL,
  capture_kind TEXT NOT NULL CONSTRAINT ck__checkin_submissions__capture_kind
    CHECK (capture_kind IN ('photos', 'video')),
  capture_parts TEXT NOT NULL,
  capture {blob} NOT NULL,  -- emptied once the verdict is in
  state TEXT NOT NULL CONSTRAINT ck__checkin_submissions__state
    CHECK (state IN ('queued', 'verifying', 'accepted', 'rejected')),
  -- 1 while the submission holds the student's one place in the session
  -- (queued, verifying, accepted); NULL once rejected, so a retry may follow.
  active BIGINT,
  verdict_code TEXT NOT NULL,
  verdict_message TEXT NOT NULL,
  similarity DOUBLE PRECISION,
  motion DOUBLE PRECISION,
  passive_live DOUBLE PRECISION,
  attendance TEXT NOT NULL,
  submitted_ms BIGINT NOT NULL,
  started_ms BIGINT,
  finished_ms BIGINT,
  lease_until_ms BIGINT NOT NULL,
  attempts BIGINT NOT NULL,
  CONSTRAINT uq__checkin_submissions__public_id UNIQUE (public_id),
  CONSTRAINT uq__checkin_submissions__session_id__student_id__active
    UNIQUE (session_id, student_id, active)
);
CREATE INDEX idx__checkin_submissions__window_id ON checkin_submissions (window_id);
CREATE INDEX idx__checkin_submissions__student_id ON checkin_submissions (student_id);
CREATE INDEX idx__checkin_submissions__state__id ON checkin_submissions (state, id);

CREATE TABLE checkin_attempts (
  id {id},
  window_id BIGINT NOT NULL
    CONSTRAINT fk__checkin_attempts__window_id__checkin_windows REFERENCES checkin_windows (id)
    ON DELETE CASCADE,
  student_id BIGINT
    CONSTRAINT fk__checkin_attempts__student_id__students REFERENCES students (id) ON DELETE CASCADE,
  client_ip TEXT NOT NULL,
  outcome TEXT NOT NULL,
  created_ms BIGINT NOT NULL
);
CREATE INDEX idx__checkin_attempts__window_id__student_id ON checkin_attempts (window_id, student_id);
CREATE INDEX idx__checkin_attempts__window_id__client_ip__created_ms
  ON checkin_attempts (window_id, client_ip, created_ms);
CREATE INDEX idx__checkin_attempts__student_id ON checkin_attempts (student_id);
)sql"},

    {9, "telegram bots", R"sql(
-- One row per chat a bot talks in: where the conversation is, so that it
-- survives a restart (issue 7).
CREATE TABLE bot_chats (
  id {id},
  bot TEXT NOT NULL CONSTRAINT ck__bot_chats__bot CHECK (bot IN ('teacher', 'student')),
  chat_id BIGINT NOT NULL,
  telegram_user_id BIGINT NOT NULL,
  state TEXT NOT NULL,
  data_json TEXT NOT NULL,
  updated_ms BIGINT NOT NULL,
  expires_ms BIGINT NOT NULL,
  CONSTRAINT uq__bot_chats__bot__chat_id UNIQUE (bot, chat_id)
);
CREATE INDEX idx__bot_chats__expires_ms ON bot_chats (expires_ms);

-- One-time codes a teacher makes in the web UI to link their Telegram
-- account without typing the password into a chat.
CREATE TABLE telegram_link_codes (
  id {id},
  teacher_id BIGINT NOT NULL
    CONSTRAINT fk__telegram_link_codes__teacher_id__teachers REFERENCES teachers (id) ON DELETE CASCADE,
  code_hash TEXT NOT NULL,
  expires_ms BIGINT NOT NULL,
  used_ms BIGINT,
  created_ms BIGINT NOT NULL,
  CONSTRAINT uq__telegram_link_codes__code_hash UNIQUE (code_hash)
);
CREATE INDEX idx__telegram_link_codes__teacher_id ON telegram_link_codes (teacher_id);
)sql"},

    {10, "class photo filenames", R"sql(
-- The name a class photo was uploaded under, so that the web UI can list a
-- session's photos by something a teacher recognises ('' before this).
ALTER TABLE class_photos ADD COLUMN filename TEXT NOT NULL DEFAULT '';
)sql"},

    {11, "telegram report outbox", R"sql(
-- The teacher bot's reports waiting to go out (issue 15): queued when a
-- window is finalised, sent by the bots (never on the finaliser's thread),
-- retried with backoff, kept across restarts.
CREATE TABLE bot_reports (
  id {id},
  window_id BIGINT NOT NULL
    CONSTRAINT fk__bot_reports__window_id__checkin_windows REFERENCES checkin_windows (id)
    ON DELETE CASCADE,
  session_id BIGINT NOT NULL
    CONSTRAINT fk__bot_reports__session_id__sessions REFERENCES sessions (id) ON DELETE CASCADE,
  chat_id BIGINT NOT NULL,
  state TEXT NOT NULL
    CONSTRAINT ck__bot_reports__state CHECK (state IN ('pending', 'sent', 'failed')),
  parts_sent BIGINT NOT NULL,
  attempts BIGINT NOT NULL,
  next_attempt_ms BIGINT NOT NULL,
  last_error TEXT NOT NULL,
  created_ms BIGINT NOT NULL,
  finished_ms BIGINT,
  CONSTRAINT uq__bot_reports__window_id__chat_id UNIQUE (window_id, chat_id)
);
CREATE INDEX idx__bot_reports__state__next_attempt_ms ON bot_reports (state, next_attempt_ms);
CREATE INDEX idx__bot_reports__session_id ON bot_reports (session_id);
)sql"},

    // Roll numbers become unique within a class (not the school) and compare
    // ignoring ASCII case, through roll_key, the folded copy the store
    // writes; two students of one class whose roll numbers differed only in
    // case (allowed before) keep them, the later one's key suffixed with
    // '#<id>' (never a roll number: '#' is not allowed in one) so the
    // migration cannot fail; it then answers to its registration number
    // until renamed. LOWER folds ASCII the same on both back ends, and roll
    // numbers are ASCII. Users get the "must change the password" flag.
    // SQLite cannot drop a constraint, so it rebuilds the table (its
    // foreign keys off, checked before commit; the AUTOINCREMENT counter
    // kept, so a deleted student's id is never handed out again).
    {12, "roll numbers per class, forced password change",
     R"sql(
CREATE TABLE students_v12 (
  id {id},
  user_id BIGINT CONSTRAINT fk__students__user_id__users REFERENCES users (id),
  name TEXT NOT NULL,
  roll_number TEXT NOT NULL,
  registration_number TEXT NOT NULL,
  class_id BIGINT NOT NULL CONSTRAINT fk__students__class_id__classes REFERENCES classes (id),
  phone TEXT NOT NULL,
  telegram_id BIGINT,
  created_ms BIGINT NOT NULL,
  roll_key TEXT NOT NULL,
  CONSTRAINT uq__students__class_id__roll_key UNIQUE (class_id, roll_key),
  CONSTRAINT uq__students__registration_number UNIQUE (registration_number),
  CONSTRAINT uq__students__user_id UNIQUE (user_id),
  CONSTRAINT uq__students__telegram_id UNIQUE (telegram_id)
);
INSERT INTO students_v12 (id, user_id, name, roll_number, registration_number, class_id, phone,
                          telegram_id, created_ms, roll_key)
  SELECT o.id, o.user_id, o.name, o.roll_number, o.registration_number, o.class_id, o.phone,
         o.telegram_id, o.created_ms,
         LOWER(o.roll_number) || CASE WHEN EXISTS (
           SELECT 1 FROM students AS s WHERE s.class_id = o.class_id
             AND LOWER(s.roll_number) = LOWER(o.roll_number) AND s.id < o.id)
           THEN '#' || CAST(o.id AS TEXT) ELSE '' END
  FROM students AS o;
DELETE FROM sqlite_sequence WHERE name = 'students_v12';
UPDATE sqlite_sequence SET name = 'students_v12' WHERE name = 'students';
DROP TABLE students;
ALTER TABLE students_v12 RENAME TO students;
CREATE INDEX idx__students__class_id ON students (class_id);
ALTER TABLE users ADD COLUMN must_change_password BOOLEAN NOT NULL DEFAULT FALSE;
)sql",
     R"sql(
ALTER TABLE students ADD COLUMN roll_key TEXT NOT NULL DEFAULT '';
UPDATE students SET roll_key = LOWER(roll_number) || CASE WHEN EXISTS (
    SELECT 1 FROM students AS s WHERE s.class_id = students.class_id
      AND LOWER(s.roll_number) = LOWER(students.roll_number) AND s.id < students.id)
  THEN '#' || CAST(id AS TEXT) ELSE '' END;
ALTER TABLE students DROP CONSTRAINT uq__students__roll_number;
ALTER TABLE students ADD CONSTRAINT uq__students__class_id__roll_key UNIQUE (class_id, roll_key);
ALTER TABLE users ADD COLUMN must_change_password BOOLEAN NOT NULL DEFAULT FALSE;
)sql",
     true},

    // Logins that end when they should (issue 16): one row per login (the
    // family its refresh tokens share), ended by logout, refresh-token
    // reuse, a password change or reset, and disabling the account. Access
    // tokens name their login ("sid") and every request checks it is still
    // live, so an access token stops working when its login ends instead of
    // up to access_token_ttl_s later. One row holds the state, so a refresh
    // racing a logout cannot leave a live token behind (a new refresh
    // token is checked against the login, not only its own row). Logins of
    // refresh tokens already issued are carried over, ended if revoked.
    {13, "logins", R"sql(
CREATE TABLE logins (
  id {id},
  family TEXT NOT NULL,
  user_id BIGINT NOT NULL
    CONSTRAINT fk__logins__user_id__users REFERENCES users (id) ON DELETE CASCADE,
  created_ms BIGINT NOT NULL,
  ended_ms BIGINT,
  CONSTRAINT uq__logins__family UNIQUE (family)
);
CREATE INDEX idx__logins__user_id ON logins (user_id);
INSERT INTO logins (family, user_id, created_ms, ended_ms)
  SELECT family, MIN(user_id), MIN(created_ms),
         CASE WHEN MAX(CASE WHEN is_revoked THEN 1 ELSE 0 END) = 1 THEN MAX(created_ms) END
  FROM refresh_tokens GROUP BY family;
)sql"},

    // Check-in limits that races and strangers cannot slip past (issue 16):
    // checkin_limits holds every attempt allowance as a counter taken with
    // one upsert (one student at one address, one account, one address per
    // minute), so simultaneous requests cannot all pass a check made before
    // any of them counted; the window counts wrong codes across every
    // address and server and changes its code after a number of them; a
    // submission carries its expected verification cost for the queue bound.
    {14, "check-in allowances, wrong codes per window, submission cost", R"sql(
CREATE TABLE checkin_limits (
  window_id BIGINT NOT NULL
    CONSTRAINT fk__checkin_limits__window_id__checkin_windows REFERENCES checkin_windows (id)
    ON DELETE CASCADE,
  limit_key TEXT NOT NULL,
  bucket BIGINT NOT NULL,
  used BIGINT NOT NULL,
  CONSTRAINT uq__checkin_limits__window_id__limit_key__bucket UNIQUE (window_id, limit_key, bucket)
);
ALTER TABLE checkin_windows ADD COLUMN wrong_codes BIGINT NOT NULL DEFAULT 0;
ALTER TABLE checkin_windows ADD COLUMN wrong_codes_total BIGINT NOT NULL DEFAULT 0;
ALTER TABLE checkin_windows ADD COLUMN code_changes BIGINT NOT NULL DEFAULT 0;
ALTER TABLE checkin_windows ADD COLUMN previous_code TEXT NOT NULL DEFAULT '';
ALTER TABLE checkin_windows ADD COLUMN code_changed_ms BIGINT;
ALTER TABLE checkin_submissions ADD COLUMN cost DOUBLE PRECISION NOT NULL DEFAULT 1;
)sql"},
};

// Any fixed 64-bit number works as long as nothing else on the database
// uses it; this one is "rollcall" in ASCII.
constexpr std::int64_t kMigrationLockKey = 0x726f6c6c63616c6c;

std::string replace_all(std::string text, std::string_view from, std::string_view to) {
  for (std::size_t at = text.find(from); at != std::string::npos;
       at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
  return text;
}

std::string in_dialect(const std::string& sql, Backend backend) {
  const bool is_sqlite = backend == Backend::sqlite;
  std::string out = replace_all(sql, "{id}",
                                is_sqlite ? "INTEGER PRIMARY KEY AUTOINCREMENT"
                                          : "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY");
  return replace_all(std::move(out), "{blob}", is_sqlite ? "BLOB" : "BYTEA");
}

// BEGIN IMMEDIATE takes SQLite's write lock now, so two servers starting
// together cannot both decide a migration is pending.
std::string begin_write(Backend backend) {
  return backend == Backend::sqlite ? "BEGIN IMMEDIATE" : "BEGIN";
}

Result<void> apply_one(Connection& connection, const Migration& migration) {
  const bool is_sqlite = connection.backend() == Backend::sqlite;
  const char* sql =
      !is_sqlite && migration.postgres_sql != nullptr ? migration.postgres_sql : migration.sql;
  // PRAGMA foreign_keys is a no-op inside a transaction: set it around it.
  const bool keys_off = is_sqlite && migration.rebuilds_tables;
  if (keys_off) {
    if (auto off = connection.execute("PRAGMA foreign_keys = OFF"); !off) return off.error();
  }
  struct KeysBackOn {
    Connection& connection;
    bool is_on;
    ~KeysBackOn() {
      if (is_on) (void)connection.execute("PRAGMA foreign_keys = ON");
    }
  } keys_back_on{connection, keys_off};
  if (auto begun = connection.execute(begin_write(connection.backend())); !begun) {
    return begun.error();
  }
  auto step = [&]() -> Result<void> {
    auto applied =
        select_integer(connection, "SELECT COUNT(*) FROM schema_migrations WHERE version = $1",
                       {param(migration.version)});
    if (!applied) return applied.error();
    if (*applied > 0) return {};  // another server got there first
    if (auto made = connection.execute(in_dialect(sql, connection.backend())); !made) {
      return made.error();
    }
    if (keys_off) {
      auto broken = connection.query("PRAGMA foreign_key_check", {});
      if (!broken) return broken.error();
      if (!broken->rows.empty()) {
        return make_error("database_error", "the rebuilt tables leave " +
                                                std::to_string(broken->rows.size()) +
                                                " references pointing at nothing");
      }
    }
    auto recorded =
        connection.query("INSERT INTO schema_migrations (version, applied_ms) VALUES ($1, $2)",
                         {param(migration.version), param(unix_ms_now())});
    if (!recorded) return recorded.error();
    return {};
  };
  auto done = step();
  if (done) done = connection.execute("COMMIT");
  if (done) return {};
  (void)connection.execute("ROLLBACK");
  const Error& why = done.error();
  if (why.code == "database_busy") return why;
  return make_error("migration_failed", "migration " + std::to_string(migration.version) + " (" +
                                            migration.name + ") failed: " + why.message);
}

Result<void> apply_all(Connection& connection, int up_to) {
  auto created = connection.execute(
      "CREATE TABLE IF NOT EXISTS schema_migrations ("
      "version INTEGER NOT NULL PRIMARY KEY, applied_ms BIGINT NOT NULL)");
  if (!created) return created.error();
  auto current = applied_version(connection);
  if (!current) return current.error();
  if (*current > latest_schema_version()) {
    return make_error("migration_failed",
                      "the database is at schema version " + std::to_string(*current) +
                          ", newer than this build knows (" +
                          std::to_string(latest_schema_version()) + "); run a newer rollcall");
  }
  for (const Migration& migration : kMigrations) {
    if (migration.version <= *current) continue;
    if (migration.version > up_to) break;
    if (auto applied = apply_one(connection, migration); !applied) return applied;
  }
  return {};
}

}  // namespace

int latest_schema_version() { return std::end(kMigrations)[-1].version; }

Result<int> applied_version(Connection& connection) {
  auto version =
      select_integer(connection, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations", {});
  if (!version) return version.error();
  return static_cast<int>(*version);
}

Result<void> apply_migrations(Connection& connection) {
  return apply_migrations_up_to(connection, latest_schema_version());
}

Result<void> apply_migrations_up_to(Connection& connection, int version) {
  const bool is_postgres = connection.backend() == Backend::postgres;
  // Concurrent CREATE TABLE IF NOT EXISTS can still collide in PostgreSQL's
  // catalogue, so the whole run holds the lock, not only each step.
  if (is_postgres) {
    auto locked =
        connection.query("SELECT pg_advisory_lock(CAST($1 AS BIGINT))", {kMigrationLockKey});
    if (!locked) return locked.error();
  }
  auto applied = apply_all(connection, version);
  if (is_postgres) {
    (void)connection.query("SELECT pg_advisory_unlock(CAST($1 AS BIGINT))", {kMigrationLockKey});
  }
  return applied;
}

}  // namespace rollcall::store
