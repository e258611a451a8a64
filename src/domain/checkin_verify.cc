// src/domain/checkin_verify.cc
//
// Checkins::verify_next: one queued submission through the face pipeline
// (decode, one face, quality, liveness, match against the class), and its
// verdict written with the attendance record in one transaction.
#include <algorithm>
#include <cmath>

#include "base/clock.h"
#include "domain/audit.h"
#include "domain/checkin.h"
#include "domain/detail/session_rules.h"
#include "domain/sessions.h"
#include "domain/templates.h"

namespace rollcall::domain {
namespace {

constexpr std::int64_t kGalleryTtlMs = 30'000;

// The capture's parts, unpacked from the sizes stored beside them.
std::vector<std::span<const std::uint8_t>> unpack(const store::CheckinSubmission& s) {
  std::vector<std::span<const std::uint8_t>> parts;
  std::size_t at = 0;
  std::size_t start = 0;
  while (start < s.capture_parts.size()) {
    auto comma = s.capture_parts.find(',', start);
    if (comma == std::string::npos) comma = s.capture_parts.size();
    const std::size_t size = std::stoull(s.capture_parts.substr(start, comma - start));
    if (at + size > s.capture.size()) break;
    parts.emplace_back(s.capture.data() + at, size);
    at += size;
    start = comma + 1;
  }
  return parts;
}

}  // namespace

struct Checkins::Verdict {
  bool accepted = false;
  std::string code;  // checked_in, or the refusal's code
  std::string message;
  std::optional<float> similarity;
  std::optional<float> motion;
  std::optional<float> passive_live;
};

Result<std::shared_ptr<const face::Gallery>> Checkins::class_gallery(ClassId class_id) {
  const std::int64_t now = unix_ms_now();
  {
    std::lock_guard lock(galleries_mutex_);
    const auto it = galleries_.find(class_id);
    if (it != galleries_.end() && now - it->second.built_ms < kGalleryTtlMs) {
      return it->second.gallery;
    }
  }
  auto embeddings = store_.read_value<std::vector<store::StoredEmbedding>>(
      [&](store::Tx& tx) { return tx.list_class_embeddings(class_id, engine_->model_id()); });
  if (!embeddings) return embeddings.error();
  auto gallery = std::make_shared<face::Gallery>();
  fill_gallery(*gallery, build_templates(*embeddings));
  std::lock_guard lock(galleries_mutex_);
  galleries_[class_id] = {gallery, now};
  return std::shared_ptr<const face::Gallery>(gallery);
}

Result<Checkins::Verdict> Checkins::judge(const store::CheckinSubmission& submission) {
  const auto refuse = [](std::string code, std::string message) {
    Verdict v;
    v.code = std::move(code);
    v.message = std::move(message);
    return v;
  };
  if (!engine_) return make_error("models_not_ready", "face models are not loaded");
  // Decode.
  std::vector<cv::Mat> frames;
  const auto parts = unpack(submission);
  const bool is_video = submission.capture_kind == "video";
  if (is_video) {
    if (parts.empty()) return refuse("video_corrupt", "the video could not be read");
    auto sampled = face::sample_video(parts.front(), options_.video_limits);
    // The server's fault (no room for the temporary file): try again later.
    if (!sampled && sampled.error().code == "video_failed") return sampled.error();
    if (!sampled) return refuse(sampled.error().code, sampled.error().message);
    frames = std::move(sampled).value();
  } else {
    for (const auto& part : parts) {
      auto decoded = face::decode_image(part, options_.image_limits);
      if (!decoded) return refuse(decoded.error().code, decoded.error().message);
      frames.push_back(std::move(decoded).value());
    }
  }
  // One face, good enough, alive.
  auto capture = face::analyze_capture(
      *engine_, frames, is_video ? face::CaptureKind::video : face::CaptureKind::photos,
      face::QualityPolicy::recognition());
  if (!capture) return refuse(capture.error().code, capture.error().message);
  Verdict verdict;
  verdict.motion = capture->motion;
  verdict.passive_live = capture->passive_live;
  if (auto alive = face::check_liveness(*capture, options_.liveness); !alive) {
    verdict.code = alive.error().code;
    verdict.message = alive.error().message;
    return verdict;
  }
  // The claimed student, against the whole class: they must be the best
  // match, above the threshold, and clear of the runner-up.
  auto session = store_.read_value<std::optional<store::Session>>(
      [&](store::Tx& tx) { return tx.find_session(submission.session); });
  if (!session) return session.error();
  if (!*session) return refuse("session_not_found", "the session was deleted");
  auto gallery = class_gallery((*session)->class_id);
  if (!gallery) return gallery.error();
  const auto enrolled = (*gallery)->students();
  if (std::find(enrolled.begin(), enrolled.end(), submission.student) == enrolled.end()) {
    // Enrolled since the cached gallery was built: build it again.
    {
      std::lock_guard lock(galleries_mutex_);
      galleries_.erase((*session)->class_id);
    }
    gallery = class_gallery((*session)->class_id);
    if (!gallery) return gallery.error();
  }
  const auto scores = (*gallery)->nearest(capture->embedding.values, 2);
  const auto own = std::find_if(scores.begin(), scores.end(), [&](const face::Match& m) {
    return m.student == submission.student;
  });
  float similarity = 0;
  if (own != scores.end()) {
    similarity = own->similarity;
  } else {
    const auto all = (*gallery)->scores(capture->embedding.values);
    const auto ids = (*gallery)->students();
    for (std::size_t i = 0; i < ids.size(); ++i) {
      if (ids[i] == submission.student) similarity = all[i];
    }
  }
  verdict.similarity = similarity;
  const bool is_best = !scores.empty() && scores.front().student == submission.student;
  const float rival = scores.size() > 1 ? scores[1].similarity : -1.0f;
  const bool clear = !is_best || scores.size() < 2 || similarity - rival >= options_.match.margin;
  if (!is_best || similarity < options_.match.threshold || !clear) {
    verdict.code = "face_mismatch";
    verdict.message =
        "the face does not match this student's enrolled photos; try again facing the camera "
        "in good light, or ask your teacher";
    return verdict;
  }
  verdict.accepted = true;
  verdict.code = "checked_in";
  verdict.message = "checked in";
  return verdict;
}

Result<void> Checkins::record(store::CheckinSubmission submission, const Verdict& verdict) {
  return store_.write([&](store::Tx& tx) -> Result<void> {
    const std::int64_t now = unix_ms_now();
    submission.finished_ms = now;
    submission.verdict_code = verdict.code;
    submission.verdict_message = verdict.message;
    submission.similarity = verdict.similarity;
    submission.motion = verdict.motion;
    submission.passive_live = verdict.passive_live;
    submission.state =
        verdict.accepted ? store::SubmissionState::accepted : store::SubmissionState::rejected;
    if (verdict.accepted) {
      auto window = tx.find_checkin_window(submission.window);
      if (!window) return window.error();
      auto session = tx.find_session(submission.session);
      if (!session) return session.error();
      auto student = tx.find_student(submission.student);
      if (!student) return student.error();
      if (!*session || !*student || !*window) {
        submission.state = store::SubmissionState::rejected;
        submission.verdict_code = "session_not_found";
        submission.verdict_message = "the session or student was deleted";
      } else if ((*session)->is_locked) {
        submission.state = store::SubmissionState::rejected;
        submission.verdict_code = "session_locked";
        submission.verdict_message = "the session was locked before the check-in was verified";
      } else {
        const bool late =
            (*window)->late_after_ms && submission.submitted_ms > *(*window)->late_after_ms;
        submission.attendance = late ? "late" : "present";
        auto records = tx.list_attendance(submission.session);
        if (!records) return records.error();
        std::optional<store::AttendanceRecord> before;
        for (const auto& r : *records) {
          if (r.student == submission.student) before = r;
        }
        // A person's mark stands over the check-in (detail::decide).
        if (!before || before->decided_by != "manual") {
          store::AttendanceRecord record;
          record.session = submission.session;
          record.student = submission.student;
          record.status = late ? store::AttendanceStatus::late : store::AttendanceStatus::present;
          record.decided_by = "checkin";
          record.similarity = verdict.similarity;
          record.changed_ms = now;
          ROLLCALL_TRY(tx.upsert_attendance(record));
          ROLLCALL_TRY(audit(tx, nullptr, "attendance.checkin", "attendance",
                             submission.session.value,
                             before ? to_json(*before) : nlohmann::json(nullptr), to_json(record)));
          ROLLCALL_TRY(detail::announce_record(tx, record, (*student)->roll_number, before));
        }
      }
    }
    return tx.finish_checkin_submission(submission);
  });
}

Result<bool> Checkins::verify_next() {
  const std::int64_t lease_ms = options_.lease_s * 1000LL;
  auto claimed = store_.write_value<std::optional<store::CheckinSubmission>>(
      [&](store::Tx& tx) { return tx.claim_checkin_submission(unix_ms_now(), lease_ms); });
  if (!claimed) return claimed.error();
  if (!*claimed) return false;
  store::CheckinSubmission submission = std::move(**claimed);
  Stopwatch clock;
  Result<Verdict> verdict = [&]() -> Result<Verdict> {
    // A submission that keeps killing or failing its worker is refused,
    // not retried for ever.
    if (submission.attempts > options_.max_verification_attempts) {
      Verdict v;
      v.code = "verification_failed";
      v.message = "the check-in could not be verified; ask your teacher to mark you";
      return v;
    }
    return judge(submission);
  }();
  if (!verdict) return verdict.error();  // the lease ends and it is tried again
  ROLLCALL_TRY(record(submission, *verdict));
  const double ms = clock.elapsed_ms();
  // An exponential moving average: recent pace, smoothed over ~20 checks.
  const double mean = stats_.mean_verify_ms.load();
  stats_.mean_verify_ms.store(mean + (ms - mean) * 0.05);
  // The queue bound's pace: time per unit of expected cost.
  const double per_cost = ms / std::max(0.1, submission.cost);
  const double mean_per_cost = stats_.mean_ms_per_cost.load();
  stats_.mean_ms_per_cost.store(mean_per_cost + (per_cost - mean_per_cost) * 0.05);
  if (on_verified_) {
    const double wait_ms = static_cast<double>(*submission.started_ms - submission.submitted_ms);
    on_verified_(verdict->accepted, wait_ms, ms);
  }
  return true;
}

}  // namespace rollcall::domain
