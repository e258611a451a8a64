// src/domain/checkin.h
//
// Self check-in: windows a teacher opens for a session, students'
// submissions (validated cheaply, stored, acknowledged), their later
// verification by a worker, and the close of the window that locks the
// session.
// Owns: the code (6 digits from libsodium's CSPRNG, compared in constant
// time), the order and wording of every refusal, the attempt limits
// (checkin_limits.cc: allowances taken atomically in the database before
// the work, so several servers and simultaneous requests share them; a
// stranger's attempts never use up a student's), the window's count of
// wrong codes from every address and the code's change after a number of
// them, the geofence, a video's decode budget (face/capture.h) checked
// before the 202, the bound on the queue (answer queue_full with a retry
// time rather than accept what cannot finish before the window's grace
// period ends, counting what each pending submission is expected to
// cost), the face verdict (the claimed student must
// be the class's best match, above the calibrated threshold and by the
// margin; liveness as face/capture.h), and finalisation (absent for the
// rest, the session locked, session.closed announced) exactly once.
// Leaves to others: the worker threads and timers (jobs), transport and
// SSE (http), pixels (face).
// Thread safety: shared by every request and worker thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/result.h"
#include "domain/enrollment.h"
#include "domain/geofence.h"
#include "domain/principal.h"
#include "face/assignment.h"
#include "face/capture.h"
#include "face/engine.h"
#include "face/gallery.h"
#include "store/store.h"

namespace rollcall::domain {

struct CheckinOptions {
  int default_duration_s = 90;
  int max_duration_s = 3600;
  double default_radius_m = 50;
  double max_radius_m = 10'000;
  // After a window closes, queued work still finishes before the session
  // locks; also the horizon the queue bound plans for.
  int grace_s = 30;
  // Attempts with the right code per window by one student from one
  // address (by one account when signed in): a classmate elsewhere cannot
  // use them up.
  int attempts_per_student = 5;
  // A campus NAT can put a whole lecture hall behind one address: every
  // attempt from one address, per minute...
  int attempts_per_ip_per_minute = 600;
  // ... of which wrong codes (a hall mistypes a few; a guesser many).
  int wrong_codes_per_ip_per_minute = 60;
  // Wrong codes from all addresses and servers after which the window's
  // code changes (the projector shows the new one and an alert) ...
  int wrong_codes_per_code = 100;
  // ... and after which only signed-in students may check in: at most this
  // many anonymous guesses per window, 1 in 2000 with the defaults
  // (docs/API.md, "How likely a guess is").
  int wrong_codes_per_window = 500;
  double max_accuracy_m = 100;  // a phone reporting worse cannot be placed
  int max_photos = 5;
  std::int64_t queue_limit = 2000;  // pending submissions, all windows
  // A worker's claim; after it another server takes over (a verification
  // takes well under a second, so 15 s is ample, and a crashed server's
  // work resumes inside a window's 30 s grace period).
  int lease_s = 15;
  int max_verification_attempts = 3;
  face::DecodeLimits image_limits;
  face::VideoLimits video_limits;
  face::LivenessPolicy liveness = face::LivenessPolicy::defaults();
  face::MatchPolicy match;
  // Where students open the check-in page: the QR code's link is
  // BASE + "/checkin?session=ID&code=CODE", BASE being public_url when set,
  // else the address the teacher's request came in on, else fallback_url
  // (the listen address; for the bots, which have no request).
  std::string public_url;
  std::string fallback_url = "http://localhost:8080";
  int workers = 1;  // verification workers in this server, for the queue bound
  // When set, default_duration_s, default_radius_m and max_accuracy_m are
  // read from it on use (an admin may change them while servers run).
  RuntimeSettings* runtime = nullptr;
};

struct WindowRequest {
  std::optional<int> duration_s;
  std::optional<Position> position;  // required
  std::optional<double> radius_m;
  std::optional<int> late_after_s;  // from opening; later arrivals are late
  std::optional<bool> accept_photos;
};

struct CheckinRequest {
  std::optional<SessionId> session;  // required
  std::string code;
  std::string roll_number;  // or the logged-in student
  std::optional<Position> position;
  std::optional<double> accuracy_m;
  std::vector<Upload> photos;   // either photos (if the window accepts them)...
  std::optional<Upload> video;  // ... or one short video
  std::string client_ip;
};

struct Acknowledgement {
  store::CheckinSubmission submission;
  bool already = false;  // an earlier submission holds the student's place
};

// A submission as staff list it: with whose it is, so that a list needs
// no second request per student.
struct StaffSubmission {
  store::CheckinSubmission submission;
  std::string student_name;  // "" when the student has since been deleted
  std::string roll_number;
};

// What a student's check-in page shows before asking for anything: the
// newest window of a session, never its code (the code is the proof of
// being in the room).
struct CheckinInfo {
  SessionId session;
  bool is_open = false;
  std::optional<std::int64_t> closes_ms;  // set iff is_open
  std::int64_t seconds_left = 0;
  bool accept_photos = false;
  double radius_m = 0;
  std::string class_name;
  std::string class_section;
  std::string subject_name;
};

// A refusal the client may retry later: queue_full with a wait.
struct QueueFull {
  int retry_after_s = 1;
};

// What the workers measure, for the queue bound and /metrics (verdict
// counts and times go out through on_verified).
struct VerificationStats {
  std::atomic<double> mean_verify_ms{400};  // moving average; starts pessimistic
  // The same per unit of expected cost (store::CheckinSubmission::cost):
  // what the queue bound plans with.
  std::atomic<double> mean_ms_per_cost{400};
};

class Checkins {
 public:
  Checkins(store::Store& store, face::Engine* engine, CheckinOptions options);

  // ---- Windows (teacher, admin) ----
  // Who may change the session is checked before the input, so a caller
  // without the right learns nothing from a malformed request.
  // Errors: session_not_found, forbidden, session_locked, window_open
  // (one open or closing window per session), missing_field, invalid_field.
  Result<store::CheckinWindow> open_window(const Principal& who, SessionId session,
                                           const WindowRequest& request);
  // The newest window. Errors: no_window.
  Result<store::CheckinWindow> window(const Principal& who, SessionId session);
  // A window by id, for a caller already allowed to see it. Errors: no_window.
  Result<store::CheckinWindow> window_by_id(std::int64_t id);
  // Errors: missing_field / invalid_field (seconds), window_closed.
  Result<store::CheckinWindow> extend_window(const Principal& who, SessionId session,
                                             std::optional<int> seconds);
  Result<store::CheckinWindow> close_window(const Principal& who, SessionId session);
  // The newest window's submissions, oldest first, with names.
  Result<std::vector<StaffSubmission>> submissions(const Principal& who, SessionId session);
  // Public: anyone may ask (the student page asks before any login).
  // Errors: session_not_found, no_window.
  Result<CheckinInfo> info(SessionId session);
  // `seen`: the base URL the request came in on ("https://school.lan"),
  // "" when there is no request (bots, timers).
  std::string link_base(const std::string& seen = "") const;
  std::string link(const store::CheckinWindow& window, const std::string& seen = "") const;
  // What is wrong with the link for phones (domain/public_url.h), in words.
  std::vector<std::string> link_warnings(const std::string& seen = "") const;
  // The base used when public_url is unset and there is no request: known
  // only once the server listens (its port may be chosen then).
  void set_fallback_url(std::string url);
  nlohmann::json window_json(store::Tx& tx, const store::CheckinWindow& window,
                             const std::string& seen = "") const;
  Result<nlohmann::json> window_json(const store::CheckinWindow& window,
                                     const std::string& seen = "");

  // ---- Submissions (anyone with the code) ----
  // Checks, in order: fields; a video's decode budget from its container
  // (video_too_many_pixels, video_frame_rate_too_high, video_too_long,
  // video_corrupt: nothing is stored, nothing counted); the session
  // (session_not_found); the window (no_open_window); the network's
  // attempts (too_many_attempts); the window's wrong codes (code_locked,
  // anonymous only); the network's wrong codes and a signed-in account's
  // (too_many_attempts); the code (code_changed for the one before a
  // change, not counted; wrong_code, counted against the network, the
  // account and the window, never a student); the student (a logged-in
  // student is themselves, student_not_in_class; anonymous callers get
  // unknown_student for an unknown roll number and for another class's
  // alike, and only once they knew the code, so roll numbers cannot be
  // listed); an earlier active submission (returned, already = true, also
  // after the close); the close (code_expired); the student's attempts
  // from this address or account (too_many_attempts); position
  // (position_inaccurate, outside_geofence); the capture
  // (capture_missing, photos_not_accepted, too_many_photos,
  // video_unsupported_type, image_unsupported_type, video_too_large,
  // image_too_large); enrollment (student_not_enrolled, models_not_ready);
  // the queue (queue_full, with `queue_full` set).
  Result<Acknowledgement> submit(const std::optional<Principal>& who, const CheckinRequest& request,
                                 QueueFull* queue_full = nullptr);
  // For a chat that asks for the code before anything else (the Telegram
  // bot): the open window of the student's class with this code. Attempts
  // are limited and recorded as submit() does (the student is known, as
  // if signed in). Errors: student_not_found, no_open_window,
  // too_many_attempts, code_changed, wrong_code, code_expired.
  Result<store::CheckinWindow> window_for_code(StudentId student, const std::string& code,
                                               const std::string& client_ip);
  // The distance to the window's centre, if the position is accurate and
  // inside the fence. Errors: position_inaccurate, outside_geofence.
  Result<double> check_place(const store::CheckinWindow& window, const Position& position,
                             double accuracy_m) const;

  // Errors: submission_not_found.
  Result<store::CheckinSubmission> find(const std::string& public_id);
  nlohmann::json submission_json(const store::CheckinSubmission& submission, bool for_staff) const;

  // ---- Workers and timers (jobs) ----
  // Claims and verifies one submission; false when the queue is empty.
  Result<bool> verify_next();
  // Locks the sessions of windows past their grace period whose queued
  // work is done; returns how many were finalised.
  Result<int> finalize_due();
  // Called after a submission is queued in this process (wakes workers).
  void on_queued(std::function<void()> callback) { on_queued_ = std::move(callback); }
  // Called once per finalised window, after its transaction commits.
  void on_finalized(std::function<void(const store::Session&, const store::CheckinWindow&)> cb) {
    on_finalized_.push_back(std::move(cb));
  }

  // Called after each verdict: accepted?, queue wait and verification time.
  void on_verified(std::function<void(bool, double, double)> callback) {
    on_verified_ = std::move(callback);
  }

  VerificationStats& stats() { return stats_; }
  Result<std::int64_t> queue_depth();
  int workers() const { return options_.workers; }
  const CheckinOptions& options() const { return options_; }

 private:
  struct Verdict;
  Result<Verdict> judge(const store::CheckinSubmission& submission);
  Result<void> record(store::CheckinSubmission submission, const Verdict& verdict);
  Result<std::shared_ptr<const face::Gallery>> class_gallery(ClassId class_id);
  // `cost`: the new submission's (store::CheckinSubmission::cost).
  Result<std::optional<QueueFull>> check_capacity(store::Tx& tx, const store::CheckinWindow& window,
                                                  std::int64_t now_ms, double cost);
  // checkin_limits.cc. Requires: inside the submission's write. The
  // network's limits, the window's wrong codes and the code itself; a
  // refusal, or none when the code is right. `account`: "" for an
  // anonymous caller, else a key naming who is known ("user:7").
  Result<std::optional<Error>> check_code(store::Tx& tx, const store::CheckinWindow& window,
                                          const std::string& code, const std::string& client_ip,
                                          const std::string& account, std::int64_t now_ms);
  // Takes one of the student's attempts (per address, or per account);
  // a refusal once they are used up.
  Result<std::optional<Error>> take_student_attempt(store::Tx& tx,
                                                    const store::CheckinWindow& window,
                                                    const store::Student& student,
                                                    const std::string& client_ip,
                                                    const std::string& account);
  // Gives one back when nothing was tried after all (queue_full,
  // models_not_ready: the student is told to come back).
  Result<void> give_back_student_attempt(store::Tx& tx, const store::CheckinWindow& window,
                                         const store::Student& student,
                                         const std::string& client_ip, const std::string& account);
  // Six digits, uniform, from the OS CSPRNG (checkin_windows.cc).
  static std::string new_code();

  store::Store& store_;
  face::Engine* engine_;  // null when the models are not loaded
  CheckinOptions options_;
  mutable std::mutex fallback_mutex_;  // options_.fallback_url, set once the server listens
  VerificationStats stats_;
  std::function<void()> on_queued_;
  std::function<void(bool, double, double)> on_verified_;
  std::vector<std::function<void(const store::Session&, const store::CheckinWindow&)>>
      on_finalized_;

  // Class galleries, rebuilt when older than kGalleryTtlMs: a worker must
  // not read every template of a 500-student class per submission.
  struct CachedGallery {
    std::shared_ptr<const face::Gallery> gallery;
    std::int64_t built_ms = 0;
  };
  std::mutex galleries_mutex_;
  std::map<ClassId, CachedGallery> galleries_;  // guarded by galleries_mutex_
};

}  // namespace rollcall::domain
