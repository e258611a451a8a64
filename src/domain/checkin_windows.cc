// src/domain/checkin_windows.cc
//
// Checkins: opening, extending and closing windows, their JSON, and the
// finalisation that locks the session once a window's grace period ends.
#include <sodium.h>

#include <algorithm>
#include <cstdio>
#include <set>

#include "base/clock.h"
#include "domain/audit.h"
#include "domain/checkin.h"
#include "domain/detail/session_rules.h"
#include "domain/public_url.h"
#include "domain/sessions.h"

namespace rollcall::domain {
namespace {

bool is_closed(const store::CheckinWindow& window, std::int64_t now_ms) {
  return now_ms >= window.closes_ms;
}

std::string window_state(const store::CheckinWindow& window, std::int64_t now_ms) {
  if (window.finalized_ms) return "finalized";
  return is_closed(window, now_ms) ? "closing" : "open";
}

Error no_window(SessionId session) {
  return make_error("no_window",
                    "session " + std::to_string(session.value) + " has no check-in window");
}

Result<store::CheckinWindow> latest_window(store::Tx& tx, SessionId session) {
  auto found = tx.latest_checkin_window(session);
  if (!found) return found.error();
  if (!*found) return no_window(session);
  return **found;
}

// What the projector tells the teacher once codes were guessed at; null
// while nothing happened.
nlohmann::json guessing_alert(const store::CheckinWindow& w, int wrong_codes_per_window) {
  if (w.code_changes == 0 && w.wrong_codes_total < wrong_codes_per_window) return nullptr;
  std::string text = std::to_string(w.wrong_codes_total) + " wrong codes were tried";
  if (w.code_changes > 0) text += "; the code was changed";
  if (w.wrong_codes_total >= wrong_codes_per_window) {
    text += "; only students who are signed in can check in now";
  }
  return text;
}

nlohmann::json audit_json(const store::CheckinWindow& w) {
  return {{"id", w.id},
          {"opens_ms", w.opens_ms},
          {"closes_ms", w.closes_ms},
          {"radius_m", w.radius_m},
          {"latitude", w.latitude},
          {"longitude", w.longitude}};
}

}  // namespace

// Uniform: libsodium rejects the modulo bias.
std::string Checkins::new_code() {
  char digits[8];
  std::snprintf(digits, sizeof digits, "%06u", randombytes_uniform(1'000'000));
  return digits;
}

Checkins::Checkins(store::Store& store, face::Engine* engine, CheckinOptions options)
    : store_(store), engine_(engine), options_(std::move(options)) {
  options_.workers = std::max(1, options_.workers);
}

void Checkins::set_fallback_url(std::string url) {
  std::lock_guard lock(fallback_mutex_);
  options_.fallback_url = std::move(url);
}

std::string Checkins::link_base(const std::string& seen) const {
  std::string base = options_.public_url.empty() ? seen : options_.public_url;
  if (base.empty()) {
    std::lock_guard lock(fallback_mutex_);
    base = options_.fallback_url;
  }
  while (!base.empty() && base.back() == '/') base.pop_back();
  return base;
}

std::string Checkins::link(const store::CheckinWindow& window, const std::string& seen) const {
  return link_base(seen) + "/checkin?session=" + std::to_string(window.session.value) +
         "&code=" + window.code;
}

std::vector<std::string> Checkins::link_warnings(const std::string& seen) const {
  return domain::link_warnings(link_base(seen), options_.public_url.empty() ? "" : seen);
}

nlohmann::json Checkins::window_json(store::Tx& tx, const store::CheckinWindow& w,
                                     const std::string& seen) const {
  const std::int64_t now = unix_ms_now();
  const std::string base = "/api/v1/sessions/" + std::to_string(w.session.value);
  nlohmann::json out = {
      {"id", w.id},
      {"session_id", w.session.value},
      {"code", w.code},
      {"state", window_state(w, now)},
      {"opens_at", format_iso8601(w.opens_ms)},
      {"closes_at", format_iso8601(w.closes_ms)},
      {"grace_ends_at", format_iso8601(w.closes_ms + w.grace_ms)},
      {"seconds_left", std::max<std::int64_t>(0, (w.closes_ms - now + 999) / 1000)},
      {"latitude", w.latitude},
      {"longitude", w.longitude},
      {"radius_m", w.radius_m},
      {"late_after", w.late_after_ms ? nlohmann::json(format_iso8601(*w.late_after_ms))
                                     : nlohmann::json(nullptr)},
      {"accept_photos", w.accept_photos},
      {"link", link(w, seen)},
      {"link_warnings", link_warnings(seen)},
      {"qr_svg_url", base + "/checkin-window/qr.svg"},
      {"qr_png_url", base + "/checkin-window/qr.png"},
      {"report_url", base + "/report"},  // routes_reports.cc
      {"finalized_at",
       w.finalized_ms ? nlohmann::json(format_iso8601(*w.finalized_ms)) : nlohmann::json(nullptr)},
      // Guessing, as the teacher sees it (checkin_limits.cc).
      {"wrong_codes", w.wrong_codes_total},
      {"code_changes", w.code_changes},
      {"code_changed_at", w.code_changed_ms ? nlohmann::json(format_iso8601(*w.code_changed_ms))
                                            : nlohmann::json(nullptr)},
      {"alert", guessing_alert(w, options_.wrong_codes_per_window)}};
  // Counts are a convenience of the view: a failed read shows zeros.
  std::map<std::string, std::int64_t> counts = {
      {"queued", 0}, {"verifying", 0}, {"accepted", 0}, {"rejected", 0}};
  if (auto by_state = tx.count_checkin_submissions(w.id)) {
    for (const auto& [state, count] : *by_state) counts[store::to_string(state)] = count;
  }
  out["counts"] = counts;
  return out;
}

Result<nlohmann::json> Checkins::window_json(const store::CheckinWindow& window,
                                             const std::string& seen) {
  return store_.read_value<nlohmann::json>(
      [&](store::Tx& tx) -> Result<nlohmann::json> { return window_json(tx, window, seen); });
}

Result<store::CheckinWindow> Checkins::open_window(const Principal& who, SessionId session,
                                                   const WindowRequest& request) {
  // The input, checked once the caller may change the session.
  int duration = 0;
  double radius = 0;
  const auto check_input = [&]() -> Result<void> {
    if (!request.position) {
      return field_error("missing_field", "latitude",
                         "latitude and longitude (the teacher's position) are required");
    }
    ROLLCALL_TRY(check_position(*request.position));
    duration = request.duration_s.value_or(options_.runtime
                                               ? options_.runtime->checkin_default_duration_s()
                                               : options_.default_duration_s);
    if (duration < 10 || duration > options_.max_duration_s) {
      return field_error("invalid_field", "duration_s",
                         "duration_s must be between 10 and " +
                             std::to_string(options_.max_duration_s) + " seconds");
    }
    radius =
        request.radius_m.value_or(options_.runtime ? options_.runtime->checkin_default_radius_m()
                                                   : options_.default_radius_m);
    if (!(radius >= 1 && radius <= options_.max_radius_m)) {
      return field_error("invalid_field", "radius_m",
                         "radius_m must be between 1 and " +
                             std::to_string(static_cast<int>(options_.max_radius_m)) + " metres");
    }
    if (request.late_after_s && (*request.late_after_s < 0 || *request.late_after_s > duration)) {
      return field_error("invalid_field", "late_after_s",
                         "late_after_s must be between 0 and the window's duration");
    }
    return {};
  };
  return store_.write_value<store::CheckinWindow>(
      [&](store::Tx& tx) -> Result<store::CheckinWindow> {
        auto found = detail::session_for_change(tx, who, session);
        if (!found) return found.error();
        ROLLCALL_TRY(check_input());
        auto latest = tx.latest_checkin_window(session);
        if (!latest) return latest.error();
        const std::int64_t now = unix_ms_now();
        if (*latest && !(*latest)->finalized_ms) {
          return make_error("window_open",
                            "session " + std::to_string(session.value) +
                                " already has a check-in window, open or closing "
                                "until " +
                                format_iso8601((*latest)->closes_ms + (*latest)->grace_ms));
        }
        store::CheckinWindow w;
        w.session = session;
        w.code = new_code();
        w.opens_ms = now;
        w.closes_ms = now + duration * 1000LL;
        w.grace_ms = options_.grace_s * 1000LL;
        w.latitude = request.position->latitude;
        w.longitude = request.position->longitude;
        w.radius_m = radius;
        if (request.late_after_s) w.late_after_ms = now + *request.late_after_s * 1000LL;
        w.accept_photos = request.accept_photos.value_or(false);
        w.opened_by = who.user;
        w.created_ms = now;
        auto id = tx.insert_checkin_window(w);
        if (!id) return id.error();
        w.id = *id;
        ROLLCALL_TRY(
            audit(tx, &who, "checkin.open", "session", session.value, nullptr, audit_json(w)));
        return w;
      });
}

Result<store::CheckinWindow> Checkins::window(const Principal& who, SessionId session) {
  return store_.read_value<store::CheckinWindow>(
      [&](store::Tx& tx) -> Result<store::CheckinWindow> {
        if (who.role == store::Role::student) return forbidden("see check-in windows");
        auto found = detail::session_for_read(tx, who, session);
        if (!found) return found.error();
        return latest_window(tx, session);
      });
}

Result<store::CheckinWindow> Checkins::window_by_id(std::int64_t id) {
  auto found = store_.read_value<std::optional<store::CheckinWindow>>(
      [&](store::Tx& tx) { return tx.find_checkin_window(id); });
  if (!found) return found.error();
  if (!*found) return make_error("no_window", "check-in window " + std::to_string(id) + " is gone");
  return **found;
}

Result<store::CheckinWindow> Checkins::extend_window(const Principal& who, SessionId session,
                                                     std::optional<int> seconds) {
  return store_.write_value<store::CheckinWindow>(
      [&](store::Tx& tx) -> Result<store::CheckinWindow> {
        auto found = detail::session_for_change(tx, who, session);
        if (!found) return found.error();
        if (!seconds) return field_error("missing_field", "seconds", "seconds is required");
        if (*seconds < 1 || *seconds > options_.max_duration_s) {
          return field_error(
              "invalid_field", "seconds",
              "seconds must be between 1 and " + std::to_string(options_.max_duration_s));
        }
        auto w = latest_window(tx, session);
        if (!w) return w.error();
        if (is_closed(*w, unix_ms_now())) {
          return make_error("window_closed", "the check-in window closed at " +
                                                 format_iso8601(w->closes_ms) +
                                                 "; open a new session to check in again");
        }
        const auto before = audit_json(*w);
        w->closes_ms += *seconds * 1000LL;
        ROLLCALL_TRY(tx.update_checkin_window(*w));
        ROLLCALL_TRY(
            audit(tx, &who, "checkin.extend", "session", session.value, before, audit_json(*w)));
        return w;
      });
}

Result<store::CheckinWindow> Checkins::close_window(const Principal& who, SessionId session) {
  return store_.write_value<store::CheckinWindow>(
      [&](store::Tx& tx) -> Result<store::CheckinWindow> {
        auto found = detail::session_for_change(tx, who, session);
        if (!found) return found.error();
        auto w = latest_window(tx, session);
        if (!w) return w.error();
        const std::int64_t now = unix_ms_now();
        if (is_closed(*w, now)) return w;  // closing twice is closing once
        const auto before = audit_json(*w);
        w->closes_ms = now;
        ROLLCALL_TRY(tx.update_checkin_window(*w));
        ROLLCALL_TRY(
            audit(tx, &who, "checkin.close", "session", session.value, before, audit_json(*w)));
        return w;
      });
}

Result<std::vector<StaffSubmission>> Checkins::submissions(const Principal& who,
                                                           SessionId session) {
  return store_.read_value<std::vector<StaffSubmission>>(
      [&](store::Tx& tx) -> Result<std::vector<StaffSubmission>> {
        if (who.role == store::Role::student) return forbidden("see other students' check-ins");
        auto found = detail::session_for_read(tx, who, session);
        if (!found) return found.error();
        auto w = latest_window(tx, session);
        if (!w) return w.error();
        auto list = tx.list_checkin_submissions(w->id);
        if (!list) return list.error();
        // Submitters are of the session's class (checked at submit); one
        // read of the class covers them, and a student moved since is
        // looked up alone.
        auto students = detail::class_students(tx, found->class_id);
        if (!students) return students.error();
        std::vector<StaffSubmission> out;
        for (auto& submission : *list) {
          StaffSubmission row;
          row.submission = std::move(submission);
          auto it = students->find(row.submission.student);
          if (it == students->end()) {
            auto moved = tx.find_student(row.submission.student);
            if (!moved) return moved.error();
            if (*moved) it = students->emplace(row.submission.student, **moved).first;
          }
          if (it != students->end()) {
            row.student_name = it->second.name;
            row.roll_number = it->second.roll_number;
          }
          out.push_back(std::move(row));
        }
        return out;
      });
}

Result<CheckinInfo> Checkins::info(SessionId session) {
  return store_.read_value<CheckinInfo>([&](store::Tx& tx) -> Result<CheckinInfo> {
    auto found = tx.find_session(session);
    if (!found) return found.error();
    if (!*found) {
      return make_error("session_not_found", "no session has id " + std::to_string(session.value));
    }
    auto w = latest_window(tx, session);
    if (!w) return w.error();
    const std::int64_t now = unix_ms_now();
    CheckinInfo info;
    info.session = session;
    info.is_open = window_state(*w, now) == "open";
    if (info.is_open) {
      info.closes_ms = w->closes_ms;
      info.seconds_left = std::max<std::int64_t>(0, (w->closes_ms - now + 999) / 1000);
    }
    info.accept_photos = w->accept_photos;
    info.radius_m = w->radius_m;
    auto group = tx.find_class((*found)->class_id);
    if (!group) return group.error();
    if (*group) {
      info.class_name = (*group)->name;
      info.class_section = (*group)->section;
    }
    auto subject = tx.find_subject((*found)->subject);
    if (!subject) return subject.error();
    if (*subject) info.subject_name = (*subject)->name;
    return info;
  });
}

Result<int> Checkins::finalize_due() {
  auto due = store_.read_value<std::vector<store::CheckinWindow>>(
      [&](store::Tx& tx) { return tx.due_checkin_windows(unix_ms_now()); });
  if (!due) return due.error();
  int finalized = 0;
  for (const auto& candidate : *due) {
    std::optional<store::Session> locked;
    store::CheckinWindow window = candidate;
    auto done = store_.write([&](store::Tx& tx) -> Result<void> {
      // Again inside the write: another server may have finalised it.
      auto fresh = tx.find_checkin_window(candidate.id);
      if (!fresh) return fresh.error();
      if (!*fresh || (*fresh)->finalized_ms) return {};
      window = **fresh;
      // Acknowledged work is never cut off: wait for it (the queue bound
      // keeps that inside the grace period; docs/API.md "Self check-in").
      auto pending = tx.count_pending_submissions(window.id);
      if (!pending) return pending.error();
      if (*pending > 0) return {};
      auto session = tx.find_session(window.session);
      if (!session) return session.error();
      const std::int64_t now = unix_ms_now();
      window.finalized_ms = now;
      ROLLCALL_TRY(tx.update_checkin_window(window));
      if (!*session) return {};
      store::Session s = **session;
      auto students = detail::class_students(tx, s.class_id);
      if (!students) return students.error();
      auto records = tx.list_attendance(s.id);
      if (!records) return records.error();
      std::set<StudentId> decided;
      for (const auto& r : *records) decided.insert(r.student);
      for (const auto& [id, student] : *students) {
        if (decided.count(id)) continue;
        store::AttendanceRecord record;
        record.session = s.id;
        record.student = id;
        record.status = store::AttendanceStatus::absent;
        record.decided_by = "checkin";
        record.changed_ms = now;
        ROLLCALL_TRY(tx.upsert_attendance(record));
        ROLLCALL_TRY(detail::announce_record(tx, record, student.roll_number, std::nullopt));
      }
      const bool was_locked = s.is_locked;
      if (!was_locked) {
        s.is_locked = true;
        ROLLCALL_TRY(tx.update_session(s));
        ROLLCALL_TRY(detail::announce_closed(tx, s));
      }
      ROLLCALL_TRY(audit(tx, nullptr, "checkin.finalize", "session", s.id.value, nullptr,
                         audit_json(window)));
      locked = s;
      return {};
    });
    if (!done) return done.error();
    if (!locked) continue;
    ++finalized;
    for (const auto& callback : on_finalized_) callback(*locked, window);
  }
  return finalized;
}

}  // namespace rollcall::domain
