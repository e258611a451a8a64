// src/store/tx_checkin.cc
//
// Tx: self check-in windows, the durable queue of submissions, and the
// attempts counted for rate limits.
#include "store/detail/sql.h"
#include "store/store.h"

namespace rollcall::store {
namespace {

constexpr std::array<std::pair<SubmissionState, const char*>, 4> kSubmissionStates{{
    {SubmissionState::queued, "queued"},
    {SubmissionState::verifying, "verifying"},
    {SubmissionState::accepted, "accepted"},
    {SubmissionState::rejected, "rejected"},
}};

constexpr const char* kWindowColumns =
    "id, session_id, code, opens_ms, closes_ms, grace_ms, latitude, longitude, radius_m, "
    "late_after_ms, accept_photos, opened_by, finalized_ms, created_ms, wrong_codes, "
    "wrong_codes_total, code_changes, previous_code, code_changed_ms";

CheckinWindow read_window(RowReader& row) {
  CheckinWindow w;
  w.id = row.integer();
  w.session = row.id<SessionTag>();
  w.code = row.text();
  w.opens_ms = row.integer();
  w.closes_ms = row.integer();
  w.grace_ms = row.integer();
  w.latitude = row.real();
  w.longitude = row.real();
  w.radius_m = row.real();
  w.late_after_ms = row.optional_integer();
  w.accept_photos = row.flag();
  w.opened_by = row.optional_id<UserTag>();
  w.finalized_ms = row.optional_integer();
  w.created_ms = row.integer();
  w.wrong_codes = row.integer();
  w.wrong_codes_total = row.integer();
  w.code_changes = row.integer();
  w.previous_code = row.text();
  w.code_changed_ms = row.optional_integer();
  return w;
}

// Without the capture column, which only a worker needs.
constexpr const char* kSubmissionColumns =
    "id, public_id, window_id, session_id, student_id, client_ip, latitude, longitude, "
    "accuracy_m, distance_m, capture_kind, capture_parts, state, verdict_code, verdict_message, "
    "similarity, motion, passive_live, attendance, submitted_ms, started_ms, finished_ms, "
    "lease_until_ms, attempts, cost";

std::optional<float> optional_float(RowReader& row) {
  const auto value = row.optional_real();
  if (!value) return std::nullopt;
  return static_cast<float>(*value);
}

CheckinSubmission read_submission(RowReader& row) {
  CheckinSubmission s;
  s.id = row.integer();
  s.public_id = row.text();
  s.window = row.integer();
  s.session = row.id<SessionTag>();
  s.student = row.id<StudentTag>();
  s.client_ip = row.text();
  s.latitude = row.real();
  s.longitude = row.real();
  s.accuracy_m = row.real();
  s.distance_m = row.real();
  s.capture_kind = row.text();
  s.capture_parts = row.text();
  s.state = row.enumeration(submission_state_from_string);
  s.verdict_code = row.text();
  s.verdict_message = row.text();
  s.similarity = optional_float(row);
  s.motion = optional_float(row);
  s.passive_live = optional_float(row);
  s.attendance = row.text();
  s.submitted_ms = row.integer();
  s.started_ms = row.optional_integer();
  s.finished_ms = row.optional_integer();
  s.lease_until_ms = row.integer();
  s.attempts = row.integer();
  s.cost = row.real();
  return s;
}

CheckinSubmission read_submission_with_capture(RowReader& row) {
  CheckinSubmission s = read_submission(row);
  s.capture = row.blob();
  return s;
}

std::string submission_columns(bool with_capture) {
  return std::string(kSubmissionColumns) + (with_capture ? ", capture" : "");
}

bool holds_place(SubmissionState state) { return state != SubmissionState::rejected; }

}  // namespace

std::string to_string(SubmissionState state) { return name_of(state, kSubmissionStates); }
std::optional<SubmissionState> submission_state_from_string(const std::string& text) {
  return parse(text, kSubmissionStates);
}

Result<std::int64_t> Tx::insert_checkin_window(const CheckinWindow& w) {
  return insert_id(
      connection_,
      "INSERT INTO checkin_windows (session_id, code, opens_ms, closes_ms, grace_ms, "
      "latitude, longitude, radius_m, late_after_ms, accept_photos, opened_by, "
      "finalized_ms, created_ms) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, "
      "$11, $12, $13) RETURNING id",
      {param(w.session), param(w.code), param(w.opens_ms), param(w.closes_ms), param(w.grace_ms),
       param(w.latitude), param(w.longitude), param(w.radius_m), param(w.late_after_ms),
       param(w.accept_photos), param(w.opened_by), param(w.finalized_ms), param(w.created_ms)});
}

Result<std::optional<CheckinWindow>> Tx::find_checkin_window(std::int64_t id) {
  return select_one(connection_, select_from(kWindowColumns, "checkin_windows WHERE id = $1"),
                    {param(id)}, read_window);
}

Result<std::optional<CheckinWindow>> Tx::latest_checkin_window(SessionId session) {
  return select_one(
      connection_,
      select_from(kWindowColumns,
                  "checkin_windows WHERE session_id = $1 ORDER BY opens_ms DESC, id DESC LIMIT 1"),
      {param(session)}, read_window);
}

Result<void> Tx::update_checkin_window(const CheckinWindow& w) {
  return change_one(connection_,
                    "UPDATE checkin_windows SET closes_ms = $2, finalized_ms = $3 WHERE id = $1",
                    {param(w.id), param(w.closes_ms), param(w.finalized_ms)},
                    "check-in window with id " + std::to_string(w.id));
}

Result<std::vector<CheckinWindow>> Tx::unfinalized_windows_of_class(ClassId class_id) {
  return select_all(connection_,
                    select_from(kWindowColumns,
                                "checkin_windows WHERE finalized_ms IS NULL AND session_id IN "
                                "(SELECT id FROM sessions WHERE class_id = $1) "
                                "ORDER BY opens_ms DESC, id DESC"),
                    {param(class_id)}, read_window);
}

Result<std::vector<CheckinWindow>> Tx::due_checkin_windows(std::int64_t now_ms) {
  return select_all(connection_,
                    select_from(kWindowColumns,
                                "checkin_windows WHERE finalized_ms IS NULL AND "
                                "closes_ms + grace_ms <= $1 ORDER BY closes_ms, id"),
                    {param(now_ms)}, read_window);
}

Result<std::int64_t> Tx::insert_checkin_submission(const CheckinSubmission& s) {
  const std::optional<std::int64_t> active =
      holds_place(s.state) ? std::optional<std::int64_t>(1) : std::nullopt;
  return insert_id(
      connection_,
      "INSERT INTO checkin_submissions (public_id, window_id, session_id, student_id, client_ip, "
      "latitude, longitude, accuracy_m, distance_m, capture_kind, capture_parts, capture, state, "
      "active, verdict_code, verdict_message, similarity, motion, passive_live, attendance, "
      "submitted_ms, started_ms, finished_ms, lease_until_ms, attempts, cost) VALUES ($1, $2, $3, "
      "$4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, "
      "$23, $24, $25, $26) RETURNING id",
      {param(s.public_id),        param(s.window),        param(s.session),
       param(s.student),          param(s.client_ip),     param(s.latitude),
       param(s.longitude),        param(s.accuracy_m),    param(s.distance_m),
       param(s.capture_kind),     param(s.capture_parts), param(s.capture),
       param(to_string(s.state)), param(active),          param(s.verdict_code),
       param(s.verdict_message),  param(s.similarity),    param(s.motion),
       param(s.passive_live),     param(s.attendance),    param(s.submitted_ms),
       param(s.started_ms),       param(s.finished_ms),   param(s.lease_until_ms),
       param(s.attempts),         param(s.cost)});
}

Result<std::optional<CheckinSubmission>> Tx::find_checkin_submission(const std::string& public_id,
                                                                     bool with_capture) {
  return select_one(connection_,
                    select_from(submission_columns(with_capture).c_str(),
                                "checkin_submissions WHERE public_id = $1"),
                    {param(public_id)},
                    with_capture ? read_submission_with_capture : read_submission);
}

Result<std::optional<CheckinSubmission>> Tx::active_checkin_submission(SessionId session,
                                                                       StudentId student) {
  return select_one(connection_,
                    select_from(kSubmissionColumns,
                                "checkin_submissions WHERE session_id = $1 AND student_id = $2 "
                                "AND active = 1"),
                    {param(session), param(student)}, read_submission);
}

Result<std::optional<CheckinSubmission>> Tx::claim_checkin_submission(std::int64_t now_ms,
                                                                      std::int64_t lease_ms) {
  // Rows another server's claim holds are skipped, not waited for.
  const char* lock = connection_.backend() == Backend::postgres ? " FOR UPDATE SKIP LOCKED" : "";
  auto found = select_one(
      connection_,
      select_from(submission_columns(true).c_str(),
                  "checkin_submissions WHERE state = 'queued' OR (state = 'verifying' AND "
                  "lease_until_ms <= $1) ORDER BY id LIMIT 1") +
          lock,
      {param(now_ms)}, read_submission_with_capture);
  if (!found || !*found) return found;
  CheckinSubmission& s = **found;
  s.state = SubmissionState::verifying;
  s.started_ms = now_ms;
  s.lease_until_ms = now_ms + lease_ms;
  s.attempts += 1;
  auto leased = exec(connection_,
                     "UPDATE checkin_submissions SET state = 'verifying', started_ms = $2, "
                     "lease_until_ms = $3, attempts = $4 WHERE id = $1",
                     {param(s.id), param(now_ms), param(s.lease_until_ms), param(s.attempts)});
  if (!leased) return leased.error();
  return found;
}

Result<std::int64_t> Tx::release_checkin_claims(std::int64_t now_ms) {
  return change(connection_,
                "UPDATE checkin_submissions SET lease_until_ms = $1 WHERE state = 'verifying'",
                {param(now_ms)});
}

Result<void> Tx::finish_checkin_submission(const CheckinSubmission& s) {
  const std::optional<std::int64_t> active =
      holds_place(s.state) ? std::optional<std::int64_t>(1) : std::nullopt;
  return change_one(
      connection_,
      "UPDATE checkin_submissions SET state = $2, active = $3, verdict_code = $4, "
      "verdict_message = $5, similarity = $6, motion = $7, passive_live = $8, attendance = $9, "
      "finished_ms = $10, capture = $11 WHERE id = $1",
      {param(s.id), param(to_string(s.state)), param(active), param(s.verdict_code),
       param(s.verdict_message), param(s.similarity), param(s.motion), param(s.passive_live),
       param(s.attendance), param(s.finished_ms), param(Blob{})},
      "check-in submission with id " + std::to_string(s.id));
}

Result<std::int64_t> Tx::count_pending_submissions(std::optional<std::int64_t> window) {
  if (window) {
    return select_integer(connection_,
                          "SELECT COUNT(*) FROM checkin_submissions WHERE window_id = $1 AND "
                          "state IN ('queued', 'verifying')",
                          {param(*window)});
  }
  return select_integer(
      connection_,
      "SELECT COUNT(*) FROM checkin_submissions WHERE state IN ('queued', 'verifying')", {});
}

Result<std::vector<CheckinSubmission>> Tx::list_checkin_submissions(std::int64_t window) {
  return select_all(
      connection_,
      select_from(kSubmissionColumns, "checkin_submissions WHERE window_id = $1 ORDER BY id"),
      {param(window)}, read_submission);
}

Result<std::map<SubmissionState, std::int64_t>> Tx::count_checkin_submissions(std::int64_t window) {
  using Count = std::pair<SubmissionState, std::int64_t>;
  auto rows = select_all<Count>(
      connection_,
      "SELECT state, COUNT(*) FROM checkin_submissions WHERE window_id = $1 GROUP BY state",
      {param(window)}, [](RowReader& row) -> Count {
        const auto state = row.enumeration(submission_state_from_string);
        return {state, row.integer()};
      });
  if (!rows) return rows.error();
  return std::map<SubmissionState, std::int64_t>(rows->begin(), rows->end());
}

Result<void> Tx::insert_checkin_attempt(const CheckinAttempt& a) {
  return exec(connection_,
              "INSERT INTO checkin_attempts (window_id, student_id, client_ip, outcome, "
              "created_ms) VALUES ($1, $2, $3, $4, $5)",
              {param(a.window), param(a.student), param(a.client_ip), param(a.outcome),
               param(a.created_ms)});
}

Result<std::int64_t> Tx::count_student_attempts(std::int64_t window, StudentId student) {
  return select_integer(
      connection_, "SELECT COUNT(*) FROM checkin_attempts WHERE window_id = $1 AND student_id = $2",
      {param(window), param(student)});
}

Result<std::int64_t> Tx::count_ip_attempts(std::int64_t window, const std::string& ip,
                                           std::int64_t since_ms) {
  return select_integer(connection_,
                        "SELECT COUNT(*) FROM checkin_attempts WHERE window_id = $1 AND "
                        "client_ip = $2 AND created_ms >= $3",
                        {param(window), param(ip), param(since_ms)});
}

Result<std::int64_t> Tx::take_checkin_allowance(std::int64_t window, const std::string& key,
                                                std::int64_t bucket) {
  return select_integer(connection_,
                        "INSERT INTO checkin_limits (window_id, limit_key, bucket, used) VALUES "
                        "($1, $2, $3, 1) ON CONFLICT (window_id, limit_key, bucket) DO UPDATE SET "
                        "used = checkin_limits.used + 1 RETURNING used",
                        {param(window), param(key), param(bucket)});
}

Result<void> Tx::give_back_checkin_allowance(std::int64_t window, const std::string& key,
                                             std::int64_t bucket) {
  return exec(connection_,
              "UPDATE checkin_limits SET used = used - 1 WHERE window_id = $1 AND limit_key = $2 "
              "AND bucket = $3 AND used > 0",
              {param(window), param(key), param(bucket)});
}

Result<WrongCodeCount> Tx::count_wrong_checkin_code(std::int64_t window) {
  // The row stays locked until the transaction ends: concurrent counts
  // from any server queue here and each sees the one before.
  auto found = select_one<WrongCodeCount>(
      connection_,
      "UPDATE checkin_windows SET wrong_codes = wrong_codes + 1, wrong_codes_total = "
      "wrong_codes_total + 1 WHERE id = $1 RETURNING wrong_codes, wrong_codes_total, "
      "code_changes",
      {param(window)}, [](RowReader& row) {
        WrongCodeCount count;
        count.wrong_codes = row.integer();
        count.wrong_codes_total = row.integer();
        count.code_changes = row.integer();
        return count;
      });
  if (!found) return found.error();
  if (!*found) {
    return make_error("not_found", "check-in window with id " + std::to_string(window));
  }
  return **found;
}

Result<void> Tx::change_checkin_code(std::int64_t window, const std::string& code,
                                     std::int64_t now_ms) {
  return change_one(connection_,
                    "UPDATE checkin_windows SET previous_code = code, code = $2, wrong_codes = 0, "
                    "code_changes = code_changes + 1, code_changed_ms = $3 WHERE id = $1",
                    {param(window), param(code), param(now_ms)},
                    "check-in window with id " + std::to_string(window));
}

Result<double> Tx::pending_checkin_cost() {
  auto rows = select_one<double>(connection_,
                                 "SELECT COALESCE(SUM(cost), 0.0) FROM checkin_submissions WHERE "
                                 "state IN ('queued', 'verifying')",
                                 {}, [](RowReader& row) { return row.real(); });
  if (!rows) return rows.error();
  return rows->value_or(0.0);
}

}  // namespace rollcall::store
