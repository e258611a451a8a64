// src/http/routes_checkin.cc
//
// Self check-in: a session's window (open, read, extend, close, QR code,
// its submissions) for staff, and for students the submission itself
// (multipart/form-data: text fields, then a "video" part or "photos"
// parts), its status by opaque id, and a Server-Sent Events stream that
// ends with the verdict.
#include <atomic>
#include <chrono>
#include <cmath>
#include <thread>

#include "base/clock.h"
#include "domain/audit.h"
#include "domain/checkin.h"
#include "domain/qr_code.h"
#include "http/errors.h"
#include "http/json_input.h"
#include "http/routes.h"

namespace rollcall::http {
namespace {

constexpr auto kStreamPoll = std::chrono::milliseconds(200);
constexpr std::int64_t kStreamMaxMs = 60'000;  // then the client reconnects or polls
// Each open stream polls the database every kStreamPoll and holds a
// thread of the server's own (http/server.cc): past this many, clients
// are told to poll instead, so streams cannot starve the check-ins.
constexpr int kMaxStreams = 16;
std::atomic<int> open_streams{0};
constexpr std::int64_t kKeepAliveMs = 15'000;  // a comment line keeps proxies from timing out

Result<domain::WindowRequest> window_request(const Call& call) {
  auto input = JsonInput::parse(
      call, {"latitude", "longitude", "radius_m", "duration_s", "late_after_s", "accept_photos"});
  if (!input) return input.error();
  domain::WindowRequest r;
  auto lat = input->number("latitude");
  if (!lat) return lat.error();
  auto lon = input->number("longitude");
  if (!lon) return lon.error();
  if (*lat && *lon) r.position = domain::Position{**lat, **lon};
  auto radius = input->number("radius_m");
  if (!radius) return radius.error();
  r.radius_m = *radius;
  auto duration = input->integer("duration_s");
  if (!duration) return duration.error();
  if (*duration) r.duration_s = static_cast<int>(std::clamp<std::int64_t>(**duration, -1, 1 << 30));
  auto late = input->integer("late_after_s");
  if (!late) return late.error();
  if (*late) r.late_after_s = static_cast<int>(std::clamp<std::int64_t>(**late, -1, 1 << 30));
  auto photos = input->boolean("accept_photos");
  if (!photos) return photos.error();
  r.accept_photos = *photos;
  return r;
}

Result<std::optional<double>> form_number(const Call& call, const char* field) {
  const auto it = call.form.find(field);
  if (it == call.form.end() || it->second.empty()) return std::optional<double>();
  try {
    std::size_t used = 0;
    const double value = std::stod(it->second, &used);
    if (used == it->second.size() && std::isfinite(value)) return std::optional<double>(value);
  } catch (const std::exception&) {
  }
  return field_error("invalid_field", field, std::string(field) + " must be a number");
}

std::string form_text(const Call& call, const char* field) {
  const auto it = call.form.find(field);
  return it == call.form.end() ? "" : it->second;
}

Result<domain::CheckinRequest> checkin_request(const Call& call) {
  if (call.content_type != "multipart/form-data") {
    return make_error("unsupported_media_type",
                      "send a check-in as multipart/form-data: session_id, code, roll_number, "
                      "latitude, longitude, accuracy_m, and a \"video\" (or \"photos\") part");
  }
  static const char* kFields[] = {"session_id", "code",      "roll_number",
                                  "latitude",   "longitude", "accuracy_m"};
  for (const auto& field : call.form) {
    // Not a structured binding: clang 14 (the sanitizer build) cannot
    // capture one in the lambda below.
    const std::string& name = field.first;
    if (std::find_if(std::begin(kFields), std::end(kFields),
                     [&](const char* f) { return name == f; }) == std::end(kFields)) {
      return field_error("unknown_field", name,
                         "unknown form field \"" + name.substr(0, 64) +
                             "\"; a check-in takes session_id, code, roll_number, latitude, "
                             "longitude, accuracy_m, video or photos");
    }
  }
  domain::CheckinRequest r;
  auto session = form_number(call, "session_id");
  if (!session) return session.error();
  if (*session) {
    if (**session < 1 || std::floor(**session) != **session) {
      return field_error("invalid_field", "session_id", "session_id must be a session's id");
    }
    r.session = SessionId{static_cast<std::int64_t>(**session)};
  }
  r.code = form_text(call, "code");
  r.roll_number = form_text(call, "roll_number");
  auto lat = form_number(call, "latitude");
  if (!lat) return lat.error();
  auto lon = form_number(call, "longitude");
  if (!lon) return lon.error();
  if (*lat && *lon) r.position = domain::Position{**lat, **lon};
  // One without the other: name the one that is missing.
  if (*lat && !*lon) return field_error("missing_field", "longitude", "longitude is required");
  auto accuracy = form_number(call, "accuracy_m");
  if (!accuracy) return accuracy.error();
  r.accuracy_m = *accuracy;
  for (const auto& file : call.files) {
    const domain::Upload upload{
        std::string(file.filename),
        {reinterpret_cast<const std::uint8_t*>(file.content.data()), file.content.size()}};
    if (file.field == "photos") {
      r.photos.push_back(upload);
    } else if (file.field == "video" && !r.video) {
      r.video = upload;
    } else {
      return field_error("unknown_field", std::string(file.field),
                         file.field == "video" ? "send one video"
                                               : "unknown file field \"" + std::string(file.field) +
                                                     "\"; send \"video\" or \"photos\"");
    }
  }
  r.client_ip = call.remote_ip;
  return r;
}

bool is_done(const store::CheckinSubmission& s) {
  return s.state == store::SubmissionState::accepted || s.state == store::SubmissionState::rejected;
}

std::string sse_event(const std::string& event, const nlohmann::json& data) {
  return "event: " + event + "\ndata: " + data.dump() + "\n\n";
}

// The receipt of an accepted check-in: who, which lecture, when. Only
// once accepted: the face matched the student by then, so the page that
// holds the submission's unguessable id is the student's own.
nlohmann::json with_receipt(store::Store& store, const store::CheckinSubmission& s,
                            nlohmann::json body) {
  if (s.state != store::SubmissionState::accepted) return body;
  auto receipt = store.read_value<nlohmann::json>([&](store::Tx& tx) -> Result<nlohmann::json> {
    nlohmann::json r = {{"student_name", ""},
                        {"roll_number", ""},
                        {"subject_name", ""},
                        {"subject_code", ""},
                        {"class_name", ""},
                        {"class_section", ""},
                        {"session_starts_at", nullptr},
                        {"checked_in_at", format_iso8601(s.finished_ms.value_or(s.submitted_ms))}};
    auto student = tx.find_student(s.student);
    if (!student) return student.error();
    if (*student) {
      r["student_name"] = (*student)->name;
      r["roll_number"] = (*student)->roll_number;
    }
    auto lecture = domain::session_about(tx, s.session.value);
    if (!lecture) return lecture.error();
    for (const char* key : {"subject_name", "subject_code", "class_name", "class_section"}) {
      if (lecture->contains(key)) r[key] = (*lecture)[key];
    }
    if (lecture->contains("starts_at")) r["session_starts_at"] = (*lecture)["starts_at"];
    return r;
  });
  // A receipt that cannot be read leaves the verdict as it is.
  if (receipt) body["receipt"] = std::move(*receipt);
  return body;
}

Result<Reply> window_reply(domain::Checkins& checkins, const Call& call,
                           const Result<store::CheckinWindow>& window, int status = 200) {
  if (!window) return window.error();
  auto json = checkins.window_json(*window, call.base_url());
  if (!json) return json.error();
  return Reply::json(*json, status);
}

// What a polled event stream sends: the current view, and whether it is
// the last one.
struct Snapshot {
  nlohmann::json data;
  bool is_final = false;
};

// A Server-Sent Events reply that reads `fetch` every kStreamPoll and sends
// `event: update` when the view changed, `event: <final_event>` (then
// ends) when it is final. It polls the database, not a local signal: the
// change may come from another server sharing it. Errors: too_many_streams.
Result<Reply> polled_stream(const Call& call, const std::string& final_event,
                            std::function<Result<Snapshot>()> fetch) {
  if (open_streams.fetch_add(1) >= kMaxStreams) {
    --open_streams;
    return with_retry_after(
        error_reply(
            make_error("too_many_streams", "too many clients are waiting on events; poll instead"),
            call.request_id),
        2);
  }
  Reply reply;
  reply.content_type = "text/event-stream";
  reply.headers.emplace_back("Cache-Control", "no-store");
  reply.headers.emplace_back("X-Accel-Buffering", "no");
  struct State {
    ~State() { --open_streams; }  // the stream's slot, held until the server is done
    std::string last;             // the last view sent
    bool finished = false;
    Stopwatch age;
    double last_write_ms = 0;
  };
  auto state = std::make_shared<State>();
  reply.stream = [state, final_event, fetch = std::move(fetch)](
                     std::string& chunk, const std::function<bool()>& is_open) {
    if (state->finished) return false;
    while (is_open() && state->age.elapsed_ms() < kStreamMaxMs) {
      auto now = fetch();
      if (!now) {
        chunk = sse_event("error", {{"code", now.error().code}, {"message", now.error().message}});
        state->finished = true;
        return true;
      }
      auto text = now->data.dump();
      if (text != state->last) {
        state->last = std::move(text);
        state->finished = now->is_final;
        chunk = sse_event(state->finished ? final_event : "update", now->data);
        state->last_write_ms = state->age.elapsed_ms();
        return true;
      }
      if (state->age.elapsed_ms() - state->last_write_ms > kKeepAliveMs) {
        chunk = ": waiting\n\n";
        state->last_write_ms = state->age.elapsed_ms();
        return true;
      }
      std::this_thread::sleep_for(kStreamPoll);
    }
    return false;
  };
  return reply;
}

}  // namespace

void add_checkin_routes(Router& router, Services& services) {
  auto& checkins = services.checkins;
  const std::string window = "/api/v1/sessions/{id}/checkin-window";

  router.add("POST", window, kStaff,
             "Open a check-in window: a fresh 6-digit code, the teacher's position and radius",
             [&checkins](Call& call) -> Result<Reply> {
               auto request = window_request(call);
               if (!request) return request.error();
               return window_reply(
                   checkins, call,
                   checkins.open_window(call.who(), SessionId{call.id("id")}, *request), 201);
             });
  router.add("GET", window, kStaff, "The session's newest check-in window, with its counts",
             [&checkins](Call& call) -> Result<Reply> {
               return window_reply(checkins, call,
                                   checkins.window(call.who(), SessionId{call.id("id")}));
             });
  router.add("POST", window + "/extend", kStaff, "Extend an open window by some seconds",
             [&checkins](Call& call) -> Result<Reply> {
               auto input = JsonInput::parse(call, {"seconds"});
               if (!input) return input.error();
               auto seconds = input->integer("seconds");
               if (!seconds) return seconds.error();
               // Required, but checked after the caller's right to the session.
               std::optional<int> clamped;
               if (*seconds) {
                 clamped = static_cast<int>(std::clamp<std::int64_t>(**seconds, -1, 1 << 30));
               }
               return window_reply(
                   checkins, call,
                   checkins.extend_window(call.who(), SessionId{call.id("id")}, clamped));
             });
  router.add("POST", window + "/close", kStaff,
             "Close the window now; the session locks when its grace period ends",
             [&checkins](Call& call) -> Result<Reply> {
               return window_reply(checkins, call,
                                   checkins.close_window(call.who(), SessionId{call.id("id")}));
             });
  for (const bool is_svg : {true, false}) {
    router.add(
        "GET", window + (is_svg ? "/qr.svg" : "/qr.png"), kStaff,
        is_svg ? "The check-in link as a QR code (SVG)" : "The check-in link as a QR code (PNG)",
        [&checkins, is_svg](Call& call) -> Result<Reply> {
          auto w = checkins.window(call.who(), SessionId{call.id("id")});
          if (!w) return w.error();
          auto qr = domain::make_qr(checkins.link(*w, call.base_url()));
          if (!qr) return qr.error();
          Reply reply;
          reply.headers.emplace_back("Cache-Control", "no-store");
          if (is_svg) {
            reply.content_type = "image/svg+xml";
            reply.body = domain::qr_svg(*qr);
            return reply;
          }
          auto png = domain::qr_png(*qr);
          if (!png) return png.error();
          reply.content_type = "image/png";
          reply.body.assign(png->begin(), png->end());
          return reply;
        });
  }
  router.add("GET", window + "/submissions", kStaff,
             "The window's check-ins with their verdicts and scores",
             [&checkins](Call& call) -> Result<Reply> {
               auto list = checkins.submissions(call.who(), SessionId{call.id("id")});
               if (!list) return list.error();
               nlohmann::json items = nlohmann::json::array();
               for (const auto& row : *list) {
                 auto item = checkins.submission_json(row.submission, true);
                 item["student_name"] = row.student_name;
                 item["roll_number"] = row.roll_number;
                 items.push_back(std::move(item));
               }
               return Reply::json({{"items", items}, {"total", items.size()}});
             });

  router.add(
      "GET", "/api/v1/sessions/{id}/checkin-info", kAnyone,
      "What a student needs before checking in (never the code)",
      [&checkins](Call& call) -> Result<Reply> {
        auto info = checkins.info(SessionId{call.id("id")});
        if (!info) return info.error();
        const auto& i = *info;
        return Reply::json({{"session_id", i.session.value},
                            {"open", i.is_open},
                            {"closes_at", i.closes_ms ? nlohmann::json(format_iso8601(*i.closes_ms))
                                                      : nlohmann::json(nullptr)},
                            {"seconds_left", i.seconds_left},
                            {"accept_photos", i.accept_photos},
                            {"radius_m", i.radius_m},
                            {"class_name", i.class_name},
                            {"class_section", i.class_section},
                            {"subject_name", i.subject_name}});
      });

  router.add(
      "POST", "/api/v1/checkins", kAnyone,
      "Check in: code, position and a face video (or photos); 202 once stored, the "
      "verdict follows",
      [&checkins, &store = services.store](Call& call) -> Result<Reply> {
        auto request = checkin_request(call);
        if (!request) return request.error();
        domain::QueueFull full;
        auto ack = checkins.submit(call.principal, *request, &full);
        if (!ack) {
          if (ack.error().code != "queue_full") return ack.error();
          // Told to retry, never dropped: nothing was stored.
          return with_retry_after(error_reply(ack.error(), call.request_id), full.retry_after_s);
        }
        auto body =
            with_receipt(store, ack->submission, checkins.submission_json(ack->submission, false));
        body["already"] = ack->already;
        return Reply::json(body, ack->already ? 200 : 202);
      });
  router.add(
      "GET", "/api/v1/checkins/{submission}", kAnyone,
      "A check-in's state and verdict, by its unguessable id",
      [&checkins, &store = services.store](Call& call) -> Result<Reply> {
        auto found = checkins.find(call.ref("submission"));
        if (!found) return found.error();
        return Reply::json(with_receipt(store, *found, checkins.submission_json(*found, false)));
      });
  router.add("GET", "/api/v1/checkins/{submission}/events", kAnyone,
             "Server-Sent Events: the check-in's state on each change, ending with the verdict",
             [&checkins, &store = services.store](Call& call) -> Result<Reply> {
               auto found = checkins.find(call.ref("submission"));
               if (!found) return found.error();
               const std::string id = found->public_id;
               return polled_stream(call, "verdict", [&checkins, &store, id]() -> Result<Snapshot> {
                 auto s = checkins.find(id);
                 if (!s) return s.error();
                 return Snapshot{with_receipt(store, *s, checkins.submission_json(*s, false)),
                                 is_done(*s)};
               });
             });
  router.add("GET", window + "/events", kStaff,
             "Server-Sent Events: the window on each change of its counts or state, ending when "
             "it is finalized",
             [&checkins](Call& call) -> Result<Reply> {
               auto found = checkins.window(call.who(), SessionId{call.id("id")});
               if (!found) return found.error();
               const std::int64_t id = found->id;
               const std::string seen = call.base_url();
               return polled_stream(call, "finalized", [&checkins, id, seen]() -> Result<Snapshot> {
                 auto w = checkins.window_by_id(id);
                 if (!w) return w.error();
                 auto json = checkins.window_json(*w, seen);
                 if (!json) return json.error();
                 // seconds_left ticks every second; a change is a count or a state.
                 json->erase("seconds_left");
                 return Snapshot{*json, w->finalized_ms.has_value()};
               });
             });
}

}  // namespace rollcall::http
