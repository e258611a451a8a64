// src/domain/checkin_limits.cc
//
// Checkins: the attempt limits and the code's guard (checkin.h). Every
// limit is an allowance taken in the database before the work it guards
// (Tx::take_checkin_allowance, one upsert): a check made first and counted
// after lets simultaneous requests all through, and a count in memory
// would be one per server. Keys are bounded: an address, a student's or a
// user's id, never a roll number or a name the client typed.
#include "base/clock.h"
#include "domain/checkin.h"
#include "domain/passwords.h"
#include "domain/reports.h"

namespace rollcall::domain {
namespace {

constexpr std::int64_t kMinuteMs = 60'000;

std::string seconds_left_of_minute(std::int64_t now_ms) {
  return std::to_string((kMinuteMs - now_ms % kMinuteMs + 999) / 1000) + " s";
}

// Signed in, the attempts are this account's for this student (a
// student's own); anonymous, the roll number could be anyone's, so they
// are the student's at this address only.
std::string student_attempt_key(const store::Student& student, const std::string& client_ip,
                                const std::string& account) {
  const std::string student_key = "student:" + std::to_string(student.id.value);
  return account.empty() ? student_key + "@" + client_ip : account + "/" + student_key;
}

Error wrong_code() {
  return field_error("wrong_code", "code", "the code is wrong; check the board");
}

}  // namespace

Result<std::optional<Error>> Checkins::check_code(store::Tx& tx, const store::CheckinWindow& seen,
                                                  const std::string& code,
                                                  const std::string& client_ip,
                                                  const std::string& account, std::int64_t now) {
  using Refusal = std::optional<Error>;
  const std::int64_t minute = now / kMinuteMs;
  // 1. Everything from this address, before anything is compared.
  auto from_ip = tx.take_checkin_allowance(seen.id, "ip:" + client_ip, minute);
  if (!from_ip) return from_ip.error();
  if (*from_ip > options_.attempts_per_ip_per_minute) {
    return Refusal(make_error(
        "too_many_attempts",
        "too many check-in attempts from this network; wait " + seconds_left_of_minute(now)));
  }
  // 2. The window as last committed (its code may have changed since the
  // caller read it). Not locked: a wrong code's count must take the row's
  // lock, and two holding a shared one while waiting for it would
  // deadlock. So, on PostgreSQL, requests in flight when the total is
  // reached may still be compared: at most one per request a server runs
  // at once (docs/API.md, "How likely a guess is").
  auto fresh = tx.find_checkin_window(seen.id);
  if (!fresh) return fresh.error();
  if (!*fresh) {
    return Refusal(make_error("no_open_window", "this check-in window is gone; ask your teacher"));
  }
  const store::CheckinWindow& w = **fresh;
  // 3. Past the window's total, a code typed by someone nobody knows is
  // not compared at all: signing in still works, and the teacher was told.
  if (account.empty() && w.wrong_codes_total >= options_.wrong_codes_per_window) {
    return Refusal(make_error(
        "code_locked", std::to_string(w.wrong_codes_total) +
                           " wrong codes were tried in this check-in, so it takes only students "
                           "who are signed in; sign in and try again, or ask your teacher"));
  }
  // 4. A wrong code from this address (and account), reserved before the
  // comparison and given back if the code is right.
  const std::string wrong_key = "wrong-ip:" + client_ip;
  auto wrong_from_ip = tx.take_checkin_allowance(w.id, wrong_key, minute);
  if (!wrong_from_ip) return wrong_from_ip.error();
  if (*wrong_from_ip > options_.wrong_codes_per_ip_per_minute) {
    return Refusal(make_error("too_many_attempts", "too many wrong codes from this network; wait " +
                                                       seconds_left_of_minute(now) +
                                                       " and check the board"));
  }
  const std::string account_key = account.empty() ? "" : "wrong-" + account;
  if (!account.empty()) {
    auto wrong_from_account = tx.take_checkin_allowance(w.id, account_key, 0);
    if (!wrong_from_account) return wrong_from_account.error();
    if (*wrong_from_account > options_.attempts_per_student) {
      return Refusal(make_error("too_many_attempts",
                                "too many wrong codes from your account in this check-in (" +
                                    std::to_string(options_.attempts_per_student) +
                                    " per window); ask your teacher to mark you"));
    }
  }
  const auto give_back = [&]() -> Result<void> {
    ROLLCALL_TRY(tx.give_back_checkin_allowance(w.id, wrong_key, minute));
    if (!account.empty()) ROLLCALL_TRY(tx.give_back_checkin_allowance(w.id, account_key, 0));
    return {};
  };
  if (same_secret(code, w.code)) {
    ROLLCALL_TRY(give_back());
    return Refusal();
  }
  // 5. The code before a change: a student who read it (or scanned its QR
  // code) is not guessing.
  if (!w.previous_code.empty() && same_secret(code, w.previous_code)) {
    ROLLCALL_TRY(give_back());
    return Refusal(field_error("code_changed", "code",
                               "the code was changed just now; type the new code from the board "
                               "or scan the QR code again"));
  }
  if (now >= w.closes_ms) {
    return Refusal(make_error(
        "no_open_window", "this check-in closed at " + format_report_time(w.closes_ms).substr(11) +
                              " UTC; if you were in the room, ask your teacher to mark you"));
  }
  // 6. Counted against the window, from every address and server; enough
  // of them and the code changes (the projector shows the new one).
  auto count = tx.count_wrong_checkin_code(w.id);
  if (!count) return count.error();
  if (count->wrong_codes >= options_.wrong_codes_per_code) {
    ROLLCALL_TRY(tx.change_checkin_code(w.id, new_code(), now));
  }
  return Refusal(wrong_code());
}

Result<std::optional<Error>> Checkins::take_student_attempt(store::Tx& tx,
                                                            const store::CheckinWindow& window,
                                                            const store::Student& student,
                                                            const std::string& client_ip,
                                                            const std::string& account) {
  using Refusal = std::optional<Error>;
  const std::string key = student_attempt_key(student, client_ip, account);
  auto used = tx.take_checkin_allowance(window.id, key, 0);
  if (!used) return used.error();
  if (*used <= options_.attempts_per_student) return Refusal();
  const std::string limit = std::to_string(options_.attempts_per_student) + " per window";
  return Refusal(make_error("too_many_attempts",
                            account.empty()
                                ? "too many check-in attempts for " + student.roll_number +
                                      " from this network (" + limit +
                                      "); sign in and try again, or ask your teacher to mark you"
                                : "too many check-in attempts for " + student.roll_number + " (" +
                                      limit + "); ask your teacher to mark you"));
}

Result<void> Checkins::give_back_student_attempt(store::Tx& tx, const store::CheckinWindow& window,
                                                 const store::Student& student,
                                                 const std::string& client_ip,
                                                 const std::string& account) {
  return tx.give_back_checkin_allowance(window.id, student_attempt_key(student, client_ip, account),
                                        0);
}

}  // namespace rollcall::domain
