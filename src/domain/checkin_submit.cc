// src/domain/checkin_submit.cc
//
// Checkins::submit: the cheap checks a request passes before it is stored
// and acknowledged, the attempt limits, and the bound on the queue.
#include <sodium.h>

#include <algorithm>
#include <cmath>
#include <variant>

#include "base/clock.h"
#include "domain/checkin.h"
#include "domain/detail/directory_rules.h"
#include "domain/detail/session_rules.h"
#include "domain/passwords.h"
#include "domain/reports.h"

namespace rollcall::domain {
namespace {

// A closed window, in words (not "the code expired", not an ISO instant):
// the code may be right, but the check-in is over.
std::string closed_message(const store::CheckinWindow& window) {
  return "this check-in closed at " + format_report_time(window.closes_ms).substr(11) +
         " UTC; if you were in the room, ask your teacher to mark you";
}

std::string new_public_id() {
  unsigned char bytes[16];
  randombytes_buf(bytes, sizeof bytes);
  char hex[sizeof bytes * 2 + 1];
  sodium_bin2hex(hex, sizeof hex, bytes, sizeof bytes);
  return std::string("ck_") + hex;
}

std::string metres(double value) {
  return std::to_string(static_cast<long long>(std::llround(value))) + " m";
}

// The capture, checked by its bytes (never by its name or declared type)
// and packed into one blob with its part sizes.
Result<void> pack_capture(const CheckinRequest& request, const store::CheckinWindow& window,
                          const CheckinOptions& options, store::CheckinSubmission& out) {
  if (request.video && !request.photos.empty()) {
    return field_error("invalid_field", "video", "send either a video or photos, not both");
  }
  std::vector<Upload> parts;
  if (request.video) {
    const Upload& video = *request.video;
    if (video.bytes.size() > options.video_limits.max_bytes) {
      return field_error("video_too_large", "video",
                         "the video is " + std::to_string(video.bytes.size() / 1024) +
                             " KiB; at most " +
                             std::to_string(options.video_limits.max_bytes / 1024 / 1024) + " MiB");
    }
    if (!face::looks_like_video(video.bytes)) {
      return field_error("video_unsupported_type", "video",
                         video.filename + " is not an MP4, MOV or WebM video");
    }
    out.capture_kind = "video";
    parts.push_back(video);
  } else if (!request.photos.empty()) {
    if (!window.accept_photos) {
      return field_error("photos_not_accepted", "photos",
                         "this check-in window takes a short video (a still photo cannot show "
                         "that you are there in person); record a few seconds of your face");
    }
    if (static_cast<int>(request.photos.size()) > options.max_photos) {
      return field_error("too_many_photos", "photos",
                         "at most " + std::to_string(options.max_photos) + " photos");
    }
    for (const Upload& photo : request.photos) {
      if (photo.bytes.size() > options.image_limits.max_bytes) {
        return field_error("image_too_large", "photos",
                           photo.filename + " is larger than " +
                               std::to_string(options.image_limits.max_bytes / 1024 / 1024) +
                               " MiB");
      }
      auto header = face::read_image_header(photo.bytes);
      if (!header) return field_error(header.error().code, "photos", header.error().message);
    }
    out.capture_kind = "photos";
    parts = request.photos;
  } else {
    return field_error("capture_missing", "video",
                       window.accept_photos ? "send a short video (field video) or photos "
                                              "(field photos) of your face"
                                            : "send a short video of your face (field video)");
  }
  for (const Upload& part : parts) {
    if (!out.capture_parts.empty()) out.capture_parts += ',';
    out.capture_parts += std::to_string(part.bytes.size());
    out.capture.insert(out.capture.end(), part.bytes.begin(), part.bytes.end());
  }
  return {};
}

// A refusal inside the write: the attempt is still recorded, so the
// transaction commits and the error is returned after it.
using Outcome = std::variant<Acknowledgement, Error, QueueFull>;

}  // namespace

Result<std::optional<QueueFull>> Checkins::check_capacity(store::Tx& tx,
                                                          const store::CheckinWindow& window,
                                                          std::int64_t now_ms, double cost) {
  auto pending = tx.count_pending_submissions(std::nullopt);
  if (!pending) return pending.error();
  // What is pending is added up by what each is expected to cost (a 1080p
  // clip decodes for many times a 640x480 one), so a few costly clips
  // cannot claim the horizon as if they were cheap.
  auto pending_cost = tx.pending_checkin_cost();
  if (!pending_cost) return pending_cost.error();
  // The cost this server's workers finish per second at the measured pace.
  const double per_second =
      options_.workers * 1000.0 / std::max(1.0, stats_.mean_ms_per_cost.load());
  const double horizon_s = std::max(0.0, (window.closes_ms + window.grace_ms - now_ms) / 1000.0);
  const double can_finish = per_second * horizon_s;
  const double after = *pending_cost + cost;
  if (after <= can_finish && *pending < options_.queue_limit) return std::optional<QueueFull>();
  QueueFull full;
  // When enough of the backlog has drained for this one to fit.
  const double excess = std::max(cost, after - can_finish);
  full.retry_after_s = std::clamp(static_cast<int>(std::ceil(excess / per_second)), 1, 60);
  return std::optional<QueueFull>(full);
}

Result<double> Checkins::check_place(const store::CheckinWindow& window, const Position& position,
                                     double accuracy_m) const {
  const double max_accuracy_m =
      options_.runtime ? options_.runtime->checkin_max_accuracy_m() : options_.max_accuracy_m;
  if (accuracy_m > max_accuracy_m) {
    return field_error("position_inaccurate", "accuracy_m",
                       "your position is only accurate to " + metres(accuracy_m) + "; need " +
                           metres(max_accuracy_m) +
                           " or better (turn on precise location, step nearer a window)");
  }
  const double distance =
      geodesic_distance_m(position, Position{window.latitude, window.longitude});
  if (distance > window.radius_m) {
    return field_error("outside_geofence", "latitude",
                       "you are " + metres(distance) +
                           " from the teacher; check-in is open within " + metres(window.radius_m));
  }
  return distance;
}

Result<store::CheckinWindow> Checkins::window_for_code(StudentId student_id,
                                                       const std::string& code,
                                                       const std::string& client_ip) {
  using Found = std::variant<store::CheckinWindow, Error>;
  auto found = store_.write_value<Found>([&](store::Tx& tx) -> Result<Found> {
    const std::int64_t now = unix_ms_now();
    auto student = tx.find_student(student_id);
    if (!student) return student.error();
    if (!*student) return Found(detail::not_found("student", student_id.value));
    auto windows = tx.unfinalized_windows_of_class((*student)->class_id);
    if (!windows) return windows.error();
    if (windows->empty()) {
      return Found(make_error("no_open_window",
                              "no check-in window is open for your class; ask your teacher"));
    }
    const store::CheckinWindow& newest = windows->front();
    // The chat's student is known (linked through Telegram): limited as
    // a signed-in one, per student.
    const std::string account = "student:" + std::to_string(student_id.value);
    auto refusal = check_code(tx, newest, code, client_ip, account, now);
    if (!refusal) return refusal.error();
    if (!*refusal) {
      auto fresh = tx.find_checkin_window(newest.id);  // its code may have just changed
      if (!fresh) return fresh.error();
      const store::CheckinWindow& w = *fresh ? **fresh : newest;
      if (now < w.closes_ms) return Found(w);
      ROLLCALL_TRY(tx.insert_checkin_attempt({w.id, student_id, client_ip, "code_expired", now}));
      return Found(field_error("code_expired", "code", closed_message(w)));
    }
    // An older window of the class still in its grace period (another
    // lecture's) with this code: compared only once the limits passed.
    if ((*refusal)->code == "wrong_code" || (*refusal)->code == "no_open_window") {
      for (std::size_t i = 1; i < windows->size(); ++i) {
        const store::CheckinWindow& window = (*windows)[i];
        if (!same_secret(code, window.code)) continue;
        if (now < window.closes_ms) return Found(window);
        ROLLCALL_TRY(
            tx.insert_checkin_attempt({window.id, student_id, client_ip, "code_expired", now}));
        return Found(field_error("code_expired", "code", closed_message(window)));
      }
    }
    // As in submit(): a wrong code counts against the network and the
    // account, never against a student's check-in attempts.
    ROLLCALL_TRY(
        tx.insert_checkin_attempt({newest.id, std::nullopt, client_ip, (*refusal)->code, now}));
    return Found(**refusal);
  });
  if (!found) return found.error();
  if (auto* error = std::get_if<Error>(&*found)) return *error;
  return std::get<store::CheckinWindow>(std::move(*found));
}

Result<Acknowledgement> Checkins::submit(const std::optional<Principal>& who,
                                         const CheckinRequest& request, QueueFull* queue_full) {
  if (!request.session) return field_error("missing_field", "session_id", "session_id is required");
  if (request.code.empty()) return field_error("missing_field", "code", "code is required");
  const bool as_student = who && who->role == store::Role::student && who->student;
  if (!as_student && request.roll_number.empty()) {
    return field_error("missing_field", "roll_number", "roll_number is required");
  }
  if (!request.position) {
    return field_error("missing_field", "latitude", "latitude and longitude are required");
  }
  ROLLCALL_TRY(check_position(*request.position));
  if (!request.accuracy_m) {
    return field_error("missing_field", "accuracy_m",
                       "accuracy_m (the position's accuracy in metres, as the phone reports it) "
                       "is required");
  }
  if (!std::isfinite(*request.accuracy_m) || *request.accuracy_m < 0) {
    return field_error("invalid_field", "accuracy_m", "accuracy_m must be a number >= 0");
  }

  // The video's decode budget, from its container, before anything is
  // stored or counted: a clip that would hold a worker for a minute is
  // refused here, in words, not after the 202.
  double cost = 1;
  if (request.video && request.video->bytes.size() <= options_.video_limits.max_bytes &&
      face::looks_like_video(request.video->bytes)) {
    auto probe = face::probe_video(request.video->bytes, options_.video_limits);
    if (!probe) {
      // The server's fault (no temporary file): not the student's.
      if (probe.error().code == "video_failed") return probe.error();
      return field_error(probe.error().code, "video", probe.error().message);
    }
    if (auto fits = face::check_video_budget(*probe, options_.video_limits); !fits) {
      return field_error(fits.error().code, "video", fits.error().message);
    }
    cost = face::video_cost(*probe, options_.video_limits);
  }
  // Who is known: the signed-in user (a student is themselves).
  const std::string account =
      who && who->user.value != 0 ? "user:" + std::to_string(who->user.value) : "";

  auto outcome = store_.write_value<Outcome>([&](store::Tx& tx) -> Result<Outcome> {
    const std::int64_t now = unix_ms_now();
    // 1. The session and its window.
    auto session = tx.find_session(*request.session);
    if (!session) return session.error();
    if (!*session) {
      return Outcome(field_error("session_not_found", "session_id",
                                 "no session with id " + std::to_string(request.session->value)));
    }
    auto latest = tx.latest_checkin_window(*request.session);
    if (!latest) return latest.error();
    if (!*latest || (*latest)->finalized_ms) {
      return Outcome(make_error("no_open_window",
                                "no check-in window is open for this session; ask your teacher"));
    }
    store::CheckinWindow window = **latest;
    store::CheckinAttempt attempt{window.id, std::nullopt, request.client_ip, "", now};
    const auto refuse = [&](Error error) -> Result<Outcome> {
      attempt.outcome = error.code;
      ROLLCALL_TRY(tx.insert_checkin_attempt(attempt));
      return Outcome(std::move(error));
    };
    // 2. The network's limits and the code, before anything about a
    // student is looked up: a guesser learns nothing, not even whether a
    // roll number exists, and a wrong code never counts against a student.
    auto refusal = check_code(tx, window, request.code, request.client_ip, account, now);
    if (!refusal) return refusal.error();
    if (*refusal) {
      // A limit's refusal is not recorded: a flood must not grow the table.
      const bool limited =
          (*refusal)->code == "too_many_attempts" || (*refusal)->code == "code_locked";
      if (limited) return Outcome(std::move(**refusal));
      return refuse(std::move(**refusal));
    }
    // 3. Who. Anonymous, an unknown roll number and another class's
    // student are refused alike; signed in, precisely.
    auto student = as_student
                       ? tx.find_student(*who->student)
                       : tx.find_student_by_roll_in_session(*request.session, request.roll_number);
    if (!student) return student.error();
    const bool in_class = *student && (**student).class_id == (*session)->class_id;
    if (!in_class) {
      if (as_student) {
        return refuse(field_error("student_not_in_class", "roll_number",
                                  *student
                                      ? (**student).roll_number + " is not in this session's class"
                                      : "your student record was not found"));
      }
      return refuse(field_error("unknown_student", "roll_number",
                                "roll number " + request.roll_number.substr(0, 64) +
                                    " is not on the list of this class"));
    }
    const store::Student& s = **student;
    attempt.student = s.id;
    // 4. Already checked in (or on the way): the first result, even after
    // the window closed.
    auto active = tx.active_checkin_submission(*request.session, s.id);
    if (!active) return active.error();
    if (*active) return Outcome(Acknowledgement{**active, true});
    if (now >= window.closes_ms) {
      return refuse(field_error("code_expired", "code", closed_message(window)));
    }
    // 5. The student's own attempts: from this address (or this account),
    // so a classmate elsewhere naming them cannot use them up.
    auto spent = take_student_attempt(tx, window, s, request.client_ip, account);
    if (!spent) return spent.error();
    if (*spent) return Outcome(std::move(**spent));
    // 6. Where they are.
    auto distance = check_place(window, *request.position, *request.accuracy_m);
    if (!distance) return refuse(distance.error());
    // 7. The evidence, and something to compare it with.
    store::CheckinSubmission sub;
    if (auto packed = pack_capture(request, window, options_, sub); !packed) {
      return refuse(packed.error());
    }
    if (!engine_) {
      ROLLCALL_TRY(give_back_student_attempt(tx, window, s, request.client_ip, account));
      return Outcome(
          make_error("models_not_ready", "face models are not loaded on this server; see /readyz"));
    }
    auto embeddings = tx.list_embeddings(s.id);
    if (!embeddings) return embeddings.error();
    const bool enrolled = std::any_of(
        embeddings->begin(), embeddings->end(),
        [&](const store::StoredEmbedding& e) { return e.model_id == engine_->model_id(); });
    if (!enrolled) {
      return refuse(field_error("student_not_enrolled", "roll_number",
                                s.roll_number + " has no enrolled face photos; ask your teacher"));
    }
    // 8. Room in the queue.
    sub.cost = sub.capture_kind == "video" ? cost : 1.0;
    auto full = check_capacity(tx, window, now, sub.cost);
    if (!full) return full.error();
    if (*full) {
      // Told to come back: nothing was tried, so nothing is used up.
      ROLLCALL_TRY(give_back_student_attempt(tx, window, s, request.client_ip, account));
      return Outcome(**full);
    }
    sub.public_id = new_public_id();
    sub.window = window.id;
    sub.session = window.session;
    sub.student = s.id;
    sub.client_ip = request.client_ip;
    sub.latitude = request.position->latitude;
    sub.longitude = request.position->longitude;
    sub.accuracy_m = *request.accuracy_m;
    sub.distance_m = *distance;
    sub.state = store::SubmissionState::queued;
    sub.submitted_ms = now;
    auto id = tx.insert_checkin_submission(sub);
    if (!id) return id.error();
    sub.id = *id;
    attempt.outcome = "queued";
    ROLLCALL_TRY(tx.insert_checkin_attempt(attempt));
    sub.capture.clear();
    return Outcome(Acknowledgement{std::move(sub), false});
  });
  if (!outcome) {
    // Two at once: the unique index let one in; the other gets its result.
    if (outcome.error().code != "duplicate") return outcome.error();
    auto first = store_.read_value<std::optional<store::CheckinSubmission>>(
        [&](store::Tx& tx) -> Result<std::optional<store::CheckinSubmission>> {
          auto student = as_student ? tx.find_student(*who->student)
                                    : tx.find_student_by_roll_in_session(*request.session,
                                                                         request.roll_number);
          if (!student) return student.error();
          if (!*student) return std::optional<store::CheckinSubmission>();
          return tx.active_checkin_submission(*request.session, (*student)->id);
        });
    if (!first) return first.error();
    if (!*first) return outcome.error();
    return Acknowledgement{**first, true};
  }
  if (auto* error = std::get_if<Error>(&*outcome)) return *error;
  if (auto* full = std::get_if<QueueFull>(&*outcome)) {
    if (queue_full) *queue_full = *full;
    return make_error("queue_full", "too many check-ins are waiting to be verified; try again in " +
                                        std::to_string(full->retry_after_s) + " s");
  }
  auto ack = std::get<Acknowledgement>(std::move(*outcome));
  if (!ack.already && on_queued_) on_queued_();
  return ack;
}

Result<store::CheckinSubmission> Checkins::find(const std::string& public_id) {
  auto found = store_.read_value<std::optional<store::CheckinSubmission>>(
      [&](store::Tx& tx) { return tx.find_checkin_submission(public_id, false); });
  if (!found) return found.error();
  if (!*found) {
    return make_error("submission_not_found", "no check-in submission " + public_id);
  }
  return **found;
}

Result<std::int64_t> Checkins::queue_depth() {
  return store_.read_value<std::int64_t>(
      [&](store::Tx& tx) { return tx.count_pending_submissions(std::nullopt); });
}

nlohmann::json Checkins::submission_json(const store::CheckinSubmission& s, bool for_staff) const {
  const bool done =
      s.state == store::SubmissionState::accepted || s.state == store::SubmissionState::rejected;
  nlohmann::json out = {
      {"id", s.public_id},
      {"session_id", s.session.value},
      {"state", store::to_string(s.state)},
      {"submitted_at", format_iso8601(s.submitted_ms)},
      {"verified_at",
       s.finished_ms ? nlohmann::json(format_iso8601(*s.finished_ms)) : nlohmann::json(nullptr)},
      {"verdict", done ? nlohmann::json{{"code", s.verdict_code}, {"message", s.verdict_message}}
                       : nlohmann::json(nullptr)},
      {"attendance", s.attendance.empty() ? nlohmann::json(nullptr) : nlohmann::json(s.attendance)},
      {"status_url", "/api/v1/checkins/" + s.public_id},
      {"events_url", "/api/v1/checkins/" + s.public_id + "/events"}};
  if (for_staff) {
    // Scores only for staff: a student probing with photos learns nothing
    // from a number.
    out["student_id"] = s.student.value;
    out["distance_m"] = s.distance_m;
    out["accuracy_m"] = s.accuracy_m;
    out["capture_kind"] = s.capture_kind;
    out["similarity"] = s.similarity ? nlohmann::json(*s.similarity) : nlohmann::json(nullptr);
    out["motion"] = s.motion ? nlohmann::json(*s.motion) : nlohmann::json(nullptr);
    out["passive_live"] =
        s.passive_live ? nlohmann::json(*s.passive_live) : nlohmann::json(nullptr);
  }
  return out;
}

}  // namespace rollcall::domain
