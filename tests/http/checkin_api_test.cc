// tests/http/checkin_api_test.cc
//
// Self check-in end to end against a real `rollcall serve` (issue 6), on
// both back ends, with real faces from ../shared/data: a class of real
// people (amy, penny, leonard, sheldon with 2 enrollment photos each;
// lin_manuel_miranda with his one photo; howard in another class).
// Covers: a teacher's window (open, read, extend, close, validation, one at
// a time, QR SVG/PNG decoded with cv::QRCodeDetector to the window's link,
// the submissions list); a student's check-in by photo (right face
// accepted with an attendance record decided_by checkin; another face
// face_mismatch with none) and by video (a real clip of
// lin_manuel_miranda cut with ffmpeg accepted; a video of one still photo
// of him liveness_failed); every cheap refusal with its code, status and
// field (photos_not_accepted, outside_geofence at 51 m with the distance
// in the message while 49 m passes, both computed with GeographicLib's
// Direct; across the antimeridian and over the pole; position_inaccurate;
// wrong_code; code_expired after close; too_many_attempts;
// unknown_student (also for another class's student); no_open_window; window_open;
// forbidden); idempotence (a replay answers 200 already:true with the
// first id; 8 concurrent identical submissions make one submission and one
// record); the SSE stream ending in `event: verdict`; /metrics.
// CheckinCloseApi (grace 1 s): a closed window finalises the session
// (locked, absent records for the rest, state finalized, a session.closed
// webhook delivered to a real local receiver), and check-ins acknowledged
// just before a SIGKILL all reach a verdict after a restart.
#include <unistd.h>
#include <GeographicLib/Geodesic.hpp>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <ctime>
#include <iostream>
#include <mutex>
#include <set>
#include <thread>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/objdetect.hpp>

#include "checkin_helpers.h"
#include "domain/csv.h"
#include "server_harness.h"

namespace rollcall::http_testing {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

using namespace checkin_testing;

// Debian's OpenCV is built without QUIRC: cv::QRCodeDetector finds the
// code (4 corners) but cannot read it, so zbar (zbarimg) reads the PNG.
// Now as the server writes times: 2026-11-25T05:04:08.818Z.
std::string iso_now() {
  const auto now = std::chrono::system_clock::now();
  const auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
  const std::time_t seconds = static_cast<std::time_t>(ms / 1000);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char out[96];
  std::snprintf(out, sizeof out, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", utc.tm_year + 1900,
                utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec,
                static_cast<int>(ms % 1000));
  return out;
}

std::string decode_qr(const std::string& png) {
  const std::vector<std::uint8_t> bytes(png.begin(), png.end());
  const cv::Mat image = cv::imdecode(bytes, cv::IMREAD_GRAYSCALE);
  if (image.empty()) return "(not an image)";
  cv::QRCodeDetector detector;
  std::vector<cv::Point2f> corners;
  EXPECT_TRUE(detector.detect(image, corners)) << "cv::QRCodeDetector found no QR code";
  std::string read = detector.detectAndDecode(image);
  if (!read.empty()) return read;  // an OpenCV with QUIRC
  char path[] = "/tmp/rollcall-qr-http-test-XXXXXX.png";
  const int fd = ::mkstemps(path, 4);
  if (fd < 0) return "(mkstemps failed)";
  const bool written = ::write(fd, png.data(), png.size()) == static_cast<ssize_t>(png.size());
  ::close(fd);
  EXPECT_TRUE(written);
  const std::string command =
      std::string("zbarimg --quiet --raw -Sdisable -Sqrcode.enable ") + path + " 2>/dev/null";
  if (FILE* pipe = ::popen(command.c_str(), "r")) {
    char buffer[512];
    while (std::fgets(buffer, sizeof buffer, pipe) != nullptr) read += buffer;
    EXPECT_EQ(::pclose(pipe), 0) << command << " read nothing";
  }
  std::remove(path);
  while (!read.empty() && read.back() == '\n') read.pop_back();
  return read;
}

const std::vector<std::string> kPeople = {"amy", "penny", "leonard", "sheldon",
                                          "lin_manuel_miranda"};

class CheckinApi : public ServerTest {
 protected:
  std::vector<std::pair<std::string, std::string>> flags() const override {
    return {{"--public-url", kPublicUrl}, {"--checkin-workers", "2"}};
  }
  void SetUp() override {
    ServerTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    auto& world = worlds()[GetParam()];
    if (world.teacher_token.empty()) {
      build_world(api(), admin_token(), world, kPeople);
      ASSERT_FALSE(HasFailure()) << "could not build the class";
    }
    w_ = &world;
  }
  static void TearDownTestSuite() {
    worlds().clear();
    ServerTest::TearDownTestSuite();
  }
  static std::map<Backend, World>& worlds() {
    static std::map<Backend, World> made;
    return made;
  }
  const Person& person(const std::string& name) { return w_->people.at(name); }

  // A fresh session with an open window; `body` adds to the defaults.
  std::pair<std::int64_t, json> session_with_window(json body = json::object()) {
    const auto session = new_session(api(), *w_);
    return {session, open_window(api(), *w_, session, std::move(body))};
  }
  Submit submit(std::int64_t session, const json& window, const std::string& who) {
    Submit s;
    s.session = session;
    s.code = window.value("code", "");
    s.roll = person(who).roll;
    return s;
  }

  World* w_ = nullptr;
};
ROLLCALL_ON_BOTH_BACKENDS(CheckinApi);

// ---- Windows ----------------------------------------------------------

TEST_P(CheckinApi, OpeningAWindowGivesACodeALinkAndCounts) {
  const auto session = new_session(api(), *w_);
  const auto reply = api().post(window_path(session),
                                {{"latitude", kLat}, {"longitude", kLon}, {"late_after_s", 30}},
                                w_->teacher_token);
  ASSERT_EQ(reply.status, 201) << reply;
  const auto window = reply.json();
  const std::string code = window.at("code");
  ASSERT_EQ(code.size(), 6u);
  EXPECT_EQ(code.find_first_not_of("0123456789"), std::string::npos) << code;
  EXPECT_EQ(window.at("state"), "open");
  EXPECT_EQ(window.at("session_id"), session);
  EXPECT_EQ(window.at("radius_m"), 50.0);
  EXPECT_FALSE(window.at("accept_photos").get<bool>());
  EXPECT_GE(window.at("seconds_left").get<int>(), 88);  // 90 s by default
  EXPECT_LE(window.at("seconds_left").get<int>(), 90);
  EXPECT_FALSE(window.at("late_after").is_null());
  EXPECT_EQ(window.at("link"), kPublicUrl + "/checkin?session=" + text(session) + "&code=" + code);
  EXPECT_EQ(window.at("counts"),
            json({{"queued", 0}, {"verifying", 0}, {"accepted", 0}, {"rejected", 0}}));

  const auto read = api().get(window_path(session), w_->teacher_token);
  ASSERT_EQ(read.status, 200) << read;
  EXPECT_EQ(read.json().at("code"), code);
  EXPECT_EQ(read.json().at("closes_at"), window.at("closes_at"));

  // One at a time.
  const auto twice = api().post(window_path(session), {{"latitude", kLat}, {"longitude", kLon}},
                                w_->teacher_token);
  EXPECT_EQ(twice.status, 409) << twice;
  EXPECT_EQ(twice.error_code(), "window_open");

  // Extending moves the close.
  const auto extended =
      api().post(window_path(session) + "/extend", {{"seconds", 60}}, w_->teacher_token);
  ASSERT_EQ(extended.status, 200) << extended;
  EXPECT_GE(extended.json().at("seconds_left").get<int>(), 148);
  EXPECT_GT(extended.json().at("closes_at").get<std::string>(),
            window.at("closes_at").get<std::string>());

  // Closing: no time left; closing again is closing once; extending now fails.
  const auto closed =
      api().post(window_path(session) + "/close", json::object(), w_->teacher_token);
  ASSERT_EQ(closed.status, 200) << closed;
  EXPECT_EQ(closed.json().at("state"), "closing");
  EXPECT_EQ(closed.json().at("seconds_left"), 0);
  const auto again = api().post(window_path(session) + "/close", json::object(), w_->teacher_token);
  EXPECT_EQ(again.status, 200) << again;
  EXPECT_EQ(again.json().at("closes_at"), closed.json().at("closes_at"));
  const auto late =
      api().post(window_path(session) + "/extend", {{"seconds", 60}}, w_->teacher_token);
  EXPECT_EQ(late.status, 409) << late;
  EXPECT_EQ(late.error_code(), "window_closed");
}

// report_url pointed at /api/v1/reports/sessions/{id}, which no route serves.
TEST_P(CheckinApi, TheWindowsReportUrlIsTheSessionReportRoute) {
  const auto [session, window] = session_with_window();
  const std::string report_url = window.at("report_url");
  EXPECT_EQ(report_url, "/api/v1/sessions/" + text(session) + "/report");
  const auto report = api().get(report_url, w_->teacher_token);
  ASSERT_EQ(report.status, 200) << report;
  EXPECT_EQ(report.json().at("session").at("id"), session) << report;
}

TEST_P(CheckinApi, CheckinInfoTellsAStudentPageAboutTheWindowButNeverTheCode) {
  const auto session = new_session(api(), *w_);
  const auto info_path = "/api/v1/sessions/" + text(session) + "/checkin-info";
  auto none = api().get(info_path);
  EXPECT_EQ(none.status, 404) << none;
  EXPECT_EQ(none.error_code(), "no_window");
  const auto missing = api().get("/api/v1/sessions/999999999/checkin-info");
  EXPECT_EQ(missing.error_code(), "session_not_found") << missing;

  const auto window = open_window(api(), *w_, session, {{"radius_m", 80}, {"accept_photos", true}});
  auto info = api().get(info_path);  // no token
  ASSERT_EQ(info.status, 200) << info;
  auto body = info.json();
  EXPECT_EQ(body.at("session_id"), session);
  EXPECT_TRUE(body.at("open").get<bool>());
  EXPECT_EQ(body.at("closes_at"), window.at("closes_at"));
  EXPECT_TRUE(body.at("accept_photos").get<bool>());
  EXPECT_EQ(body.at("radius_m"), 80.0);
  EXPECT_EQ(body.at("subject_name"), "Physics");
  EXPECT_EQ(body.at("class_section"), "A");
  EXPECT_TRUE(body.at("class_name").get<std::string>().starts_with("class-")) << body;
  EXPECT_FALSE(body.contains("code")) << body;
  EXPECT_EQ(info.body.find(window.at("code").get<std::string>()), std::string::npos) << info;

  ASSERT_EQ(api().post(window_path(session) + "/close", json::object(), w_->teacher_token).status,
            200);
  info = api().get(info_path);
  ASSERT_EQ(info.status, 200) << info;
  body = info.json();
  EXPECT_FALSE(body.at("open").get<bool>());
  EXPECT_TRUE(body.at("closes_at").is_null()) << body;
}

TEST_P(CheckinApi, WindowInputIsValidated) {
  const auto session = new_session(api(), *w_);
  const auto path = window_path(session);
  struct Case {
    json body;
    std::string code, field;
  };
  for (const auto& c : std::vector<Case>{
           {{{"latitude", 91}, {"longitude", kLon}}, "invalid_field", "latitude"},
           {{{"latitude", kLat}, {"longitude", 181}}, "invalid_field", "longitude"},
           {{{"longitude", kLon}}, "missing_field", "latitude"},
           {{{"latitude", kLat}, {"longitude", kLon}, {"duration_s", 9}},
            "invalid_field",
            "duration_s"},
           {{{"latitude", kLat}, {"longitude", kLon}, {"duration_s", 3601}},
            "invalid_field",
            "duration_s"},
           {{{"latitude", kLat}, {"longitude", kLon}, {"radius_m", 0}},
            "invalid_field",
            "radius_m"},
           {{{"latitude", kLat}, {"longitude", kLon}, {"duration_s", 60}, {"late_after_s", 61}},
            "invalid_field",
            "late_after_s"},
           {{{"latitude", kLat}, {"longitude", kLon}, {"colour", "red"}},
            "unknown_field",
            "colour"},
       }) {
    const auto reply = api().post(path, c.body, w_->teacher_token);
    EXPECT_EQ(reply.status / 100, 4) << c.body.dump() << ": " << reply;
    EXPECT_EQ(reply.error_code(), c.code) << c.body.dump() << ": " << reply;
    EXPECT_EQ(reply.error_field(), c.field) << c.body.dump() << ": " << reply;
  }
  // Nothing was opened by the refusals.
  const auto none = api().get(path, w_->teacher_token);
  EXPECT_EQ(none.status, 404) << none;
  EXPECT_EQ(none.error_code(), "no_window");
  EXPECT_EQ(api()
                .post(path, {{"latitude", kLat}, {"longitude", kLon}, {"duration_s", 10}},
                      w_->teacher_token)
                .status,
            201);
}

TEST_P(CheckinApi, AStudentCannotOpenOrReadAWindow) {
  const auto p = enroll(api(), admin_token(), w_->class_id, "raj", 0, true);
  const auto newline = p.roll.find('\n');
  const std::string token = api().login(p.roll.substr(newline + 1), p.roll.substr(0, newline));
  ASSERT_FALSE(token.empty());
  const auto session = new_session(api(), *w_);
  const auto opened =
      api().post(window_path(session), {{"latitude", kLat}, {"longitude", kLon}}, token);
  EXPECT_EQ(opened.status, 403) << opened;
  EXPECT_EQ(opened.error_code(), "forbidden");
  const auto anonymous =
      api().post(window_path(session), {{"latitude", kLat}, {"longitude", kLon}});
  EXPECT_EQ(anonymous.status, 401) << anonymous;
  open_window(api(), *w_, session);
  for (const auto& path : {window_path(session), window_path(session) + "/qr.png",
                           window_path(session) + "/submissions"}) {
    const auto read = api().get(path, token);
    EXPECT_EQ(read.status, 403) << path << ": " << read;
    EXPECT_EQ(read.error_code(), "forbidden") << path;
  }
}

TEST_P(CheckinApi, AnotherClassesTeacherIsRefusedBeforeTheInputIsRead) {
  const auto username = unique("teacher");
  const auto teacher = must_create(api(), admin_token(), "/api/v1/teachers",
                                   {{"name", "Teacher " + username},
                                    {"email", username + "@school.example"},
                                    {"username", username}});
  const std::string token = api().login(username, teacher.value("generated_password", ""));
  ASSERT_FALSE(token.empty());
  const auto session = new_session(api(), *w_);
  for (const auto& body : {json::object(), json{{"latitude", kLat}, {"longitude", kLon}}}) {
    const auto opened = api().post(window_path(session), body, token);
    EXPECT_EQ(opened.status, 403) << body.dump() << ": " << opened;
    EXPECT_EQ(opened.error_code(), "forbidden");
  }
  open_window(api(), *w_, session);
  for (const auto& body : {json::object(), json{{"seconds", 30}}}) {
    const auto extended = api().post(window_path(session) + "/extend", body, token);
    EXPECT_EQ(extended.status, 403) << body.dump() << ": " << extended;
    EXPECT_EQ(extended.error_code(), "forbidden");
  }
  const auto closed = api().post(window_path(session) + "/close", json::object(), token);
  EXPECT_EQ(closed.status, 403) << closed;
  // The class's own teacher gets the input errors.
  const auto missing =
      api().post(window_path(session) + "/extend", json::object(), w_->teacher_token);
  EXPECT_EQ(missing.status, 400) << missing;
  EXPECT_EQ(missing.error_code(), "missing_field");
  EXPECT_EQ(missing.error_field(), "seconds");
  const auto zero =
      api().post(window_path(session) + "/extend", {{"seconds", 0}}, w_->teacher_token);
  EXPECT_EQ(zero.error_code(), "invalid_field") << zero;
  EXPECT_EQ(api().get(window_path(session), w_->teacher_token).json().at("state"), "open");
}

TEST_P(CheckinApi, TheQrCodesCarryTheWindowsLink) {
  const auto [session, window] = session_with_window();
  const std::string link = window.at("link");
  ASSERT_EQ(link, kPublicUrl + "/checkin?session=" + text(session) +
                      "&code=" + window.at("code").get<std::string>());
  const auto png = api().get(window_path(session) + "/qr.png", w_->teacher_token);
  ASSERT_EQ(png.status, 200) << png;
  EXPECT_EQ(png.header("Content-Type"), "image/png");
  EXPECT_EQ(decode_qr(png.body), link);
  const auto svg = api().get(window_path(session) + "/qr.svg", w_->teacher_token);
  ASSERT_EQ(svg.status, 200) << svg;
  EXPECT_EQ(svg.header("Content-Type").rfind("image/svg+xml", 0), 0u) << svg.header("Content-Type");
  EXPECT_EQ(svg.body.rfind("<svg", 0), 0u);
  // A session with no window has no QR code.
  const auto none = api().get(window_path(new_session(api(), *w_)) + "/qr.png", w_->teacher_token);
  EXPECT_EQ(none.status, 404) << none;
  EXPECT_EQ(none.error_code(), "no_window");
}

// ---- Verdicts on real faces --------------------------------------------

TEST_P(CheckinApi, TheRightStudentsPhotoIsCheckedIn) {
  const auto [session, window] = session_with_window({{"accept_photos", true}});
  auto s = submit(session, window, "amy");
  s.capture = {photo("amy", 3)};  // not one of her enrollment photos
  const auto reply = checkin(api(), s);
  ASSERT_EQ(reply.status, 202) << reply;
  const auto ack = reply.json();
  const std::string id = ack.at("id");
  EXPECT_EQ(id.rfind("ck_", 0), 0u) << id;
  EXPECT_GE(id.size(), 20u);
  EXPECT_EQ(ack.at("state"), "queued");
  EXPECT_FALSE(ack.at("already").get<bool>());
  EXPECT_EQ(ack.at("status_url"), "/api/v1/checkins/" + id);

  const auto verdict = wait_verdict(api(), id);
  ASSERT_EQ(verdict.at("state"), "accepted") << verdict.dump();
  EXPECT_EQ(verdict.at("verdict").at("code"), "checked_in");
  EXPECT_EQ(verdict.at("attendance"), "present");
  EXPECT_FALSE(verdict.contains("similarity")) << "no score for the student";

  const auto records = attendance(api(), w_->teacher_token, session);
  ASSERT_EQ(records.size(), 1u);
  const auto& record = records.at(person("amy").id);
  EXPECT_EQ(record.at("status"), "present");
  EXPECT_EQ(record.at("decided_by"), "checkin");
  EXPECT_GT(record.at("similarity").get<double>(), 0.3);

  // The teacher sees the score and the counts.
  const auto list = api().get(window_path(session) + "/submissions", w_->teacher_token);
  ASSERT_EQ(list.status, 200) << list;
  ASSERT_EQ(list.json().at("total"), 1);
  const json item = list.json().at("items").at(0);
  EXPECT_EQ(item.at("id"), id);
  EXPECT_EQ(item.at("student_id"), person("amy").id);
  EXPECT_EQ(item.at("capture_kind"), "photos");
  EXPECT_GT(item.at("similarity").get<double>(), 0.3);
  EXPECT_EQ(item.at("student_name"), "Student amy");
  EXPECT_EQ(item.at("roll_number"), person("amy").roll);
  const auto read = api().get(window_path(session), w_->teacher_token);
  EXPECT_EQ(read.json().at("counts").at("accepted"), 1) << read;
}

TEST_P(CheckinApi, AnotherStudentsFaceIsAMismatchAndMarksNothing) {
  const auto [session, window] = session_with_window({{"accept_photos", true}});
  auto s = submit(session, window, "amy");
  s.capture = {photo("penny", 3)};
  const auto reply = checkin(api(), s);
  ASSERT_EQ(reply.status, 202) << reply;
  const auto verdict = wait_verdict(api(), reply.json().at("id"));
  EXPECT_EQ(verdict.at("state"), "rejected") << verdict.dump();
  EXPECT_EQ(verdict.at("verdict").at("code"), "face_mismatch") << verdict.dump();
  EXPECT_TRUE(verdict.at("attendance").is_null());
  EXPECT_TRUE(attendance(api(), w_->teacher_token, session).empty());

  // Rejected frees the place: her own face now checks her in.
  s.capture = {photo("amy", 4)};
  const auto retry = checkin(api(), s);
  ASSERT_EQ(retry.status, 202) << retry;
  EXPECT_NE(retry.json().at("id"), reply.json().at("id"));
  EXPECT_EQ(wait_verdict(api(), retry.json().at("id")).at("verdict").at("code"), "checked_in");
  EXPECT_EQ(attendance(api(), w_->teacher_token, session).size(), 1u);
}

TEST_P(CheckinApi, ALiveClipOfTheRightStudentIsCheckedIn) {
  const auto clip = Clips::get().live();
  const auto [session, window] = session_with_window();
  auto s = submit(session, window, "lin_manuel_miranda");
  s.capture = {video(clip)};
  const auto reply = checkin(api(), s);
  ASSERT_EQ(reply.status, 202) << reply;
  const auto verdict = wait_verdict(api(), reply.json().at("id"));
  EXPECT_EQ(verdict.at("state"), "accepted") << verdict.dump();
  EXPECT_EQ(verdict.at("verdict").at("code"), "checked_in") << verdict.dump();
  const auto records = attendance(api(), w_->teacher_token, session);
  ASSERT_EQ(records.count(person("lin_manuel_miranda").id), 1u);
  EXPECT_EQ(records.at(person("lin_manuel_miranda").id).at("decided_by"), "checkin");
  const auto list = api().get(window_path(session) + "/submissions", w_->teacher_token);
  ASSERT_EQ(list.status, 200) << list;
  EXPECT_EQ(list.json().at("items").at(0).at("capture_kind"), "video");
  EXPECT_FALSE(list.json().at("items").at(0).at("motion").is_null());
}

TEST_P(CheckinApi, AVideoOfOneStillPhotoFailsLiveness) {
  const auto clip = Clips::get().still();
  const auto [session, window] = session_with_window();
  auto s = submit(session, window, "lin_manuel_miranda");
  s.capture = {video(clip)};
  const auto reply = checkin(api(), s);
  ASSERT_EQ(reply.status, 202) << reply;
  const auto verdict = wait_verdict(api(), reply.json().at("id"));
  EXPECT_EQ(verdict.at("state"), "rejected") << verdict.dump();
  EXPECT_EQ(verdict.at("verdict").at("code"), "liveness_failed") << verdict.dump();
  EXPECT_TRUE(attendance(api(), w_->teacher_token, session).empty());
}

TEST_P(CheckinApi, PhotosAreRefusedByAVideoOnlyWindow) {
  const auto [session, window] = session_with_window();
  auto s = submit(session, window, "penny");
  s.capture = {photo("penny", 3)};
  const auto reply = checkin(api(), s);
  EXPECT_EQ(reply.status, 422) << reply;
  EXPECT_EQ(reply.error_code(), "photos_not_accepted");
  EXPECT_EQ(reply.error_field(), "photos");
  // No capture at all; bytes that are not a video.
  s.capture = {};
  const auto missing = checkin(api(), s);
  EXPECT_EQ(missing.error_code(), "capture_missing") << missing;
  s.capture = {
      {"video", "clip.mp4", file_bytes(data_path("identities/penny/03.png")), "video/mp4"}};
  const auto fake = checkin(api(), s);
  EXPECT_EQ(fake.error_code(), "video_unsupported_type") << fake;
  EXPECT_EQ(api().get(window_path(session), w_->teacher_token).json().at("counts").at("queued"), 0);
}

TEST_P(CheckinApi, CapturesAreCheckedByTheirBytesAndCounted) {
  const auto [session, window] = session_with_window({{"accept_photos", true}});
  auto s = submit(session, window, "sheldon");
  s.capture = {};
  const auto missing = checkin(api(), s);
  EXPECT_EQ(missing.status, 400) << missing;
  EXPECT_EQ(missing.error_code(), "capture_missing");
  s.capture = {photo("sheldon", 1), photo("sheldon", 2), photo("sheldon", 3),
               photo("sheldon", 4), photo("sheldon", 5), photo("sheldon", 3)};
  const auto six = checkin(api(), s);
  EXPECT_EQ(six.status, 409) << six;
  EXPECT_EQ(six.error_code(), "too_many_photos");
  s.capture = {{"photos", "me.png", "GIF89a not a photo at all", "image/png"}};
  const auto fake = checkin(api(), s);
  EXPECT_EQ(fake.status / 100, 4) << fake;
  EXPECT_EQ(fake.error_code().rfind("image_", 0), 0u) << fake;
  EXPECT_EQ(fake.error_field(), "photos");
  s.capture = {video(Clips::get().live()), photo("sheldon", 3)};
  const auto both = checkin(api(), s);
  EXPECT_EQ(both.status, 400) << both;
  EXPECT_EQ(both.error_field(), "video");
  // Only latitude: the missing one is named.
  std::vector<Part> parts = {field("session_id", text(session)), field("code", s.code),
                             field("roll_number", s.roll),       field("latitude", number(kLat)),
                             field("accuracy_m", "5"),           photo("sheldon", 3)};
  const auto half = api().post_multipart("/api/v1/checkins", parts);
  EXPECT_EQ(half.error_code(), "missing_field") << half;
  EXPECT_EQ(half.error_field(), "longitude") << half;
  EXPECT_EQ(api().get(window_path(session), w_->teacher_token).json().at("counts").at("queued"), 0);
}

// ---- Where the student is -----------------------------------------------

TEST_P(CheckinApi, FortyNineMetresIsInsideAndFiftyOneIsOutside) {
  const auto [session, window] = session_with_window({{"accept_photos", true}, {"radius_m", 50}});
  const auto inside = walk(kLat, kLon, 37, 49);
  const auto outside = walk(kLat, kLon, 217, 51);
  auto near = submit(session, window, "leonard");
  near.lat = inside.lat;
  near.lon = inside.lon;
  near.capture = {photo("leonard", 3)};
  const auto in = checkin(api(), near);
  ASSERT_EQ(in.status, 202) << in;
  auto far = submit(session, window, "sheldon");
  far.lat = outside.lat;
  far.lon = outside.lon;
  far.capture = {photo("sheldon", 3)};
  const auto out = checkin(api(), far);
  EXPECT_EQ(out.status, 403) << out;
  EXPECT_EQ(out.error_code(), "outside_geofence");
  const std::string message = out.json().at("error").at("message");
  EXPECT_NE(message.find("51 m"), std::string::npos) << message;
  EXPECT_NE(message.find("50 m"), std::string::npos) << message;

  const auto list = api().get(window_path(session) + "/submissions", w_->teacher_token);
  ASSERT_EQ(list.json().at("total"), 1) << list;
  EXPECT_NEAR(list.json().at("items").at(0).at("distance_m").get<double>(), 49, 0.01);
  EXPECT_EQ(wait_verdict(api(), in.json().at("id")).at("verdict").at("code"), "checked_in");
}

TEST_P(CheckinApi, AcrossTheAntimeridianAndOverThePoleTheShortWayCounts) {
  // Teacher at lon 179.9999, student at -179.9999 on the equator: 22.26 m.
  {
    const auto session = new_session(api(), *w_);
    const auto window = open_window(
        api(), *w_, session, {{"latitude", 0.0}, {"longitude", 179.9999}, {"accept_photos", true}});
    auto s = submit(session, window, "penny");
    s.lat = 0;
    s.lon = -179.9999;
    s.capture = {photo("penny", 3)};
    const auto in = checkin(api(), s);
    EXPECT_EQ(in.status, 202) << in;
    // 0.0006 deg east of the teacher, across the line: 66.79 m, outside.
    auto far = submit(session, window, "amy");
    far.lat = 0;
    far.lon = -179.9995;
    far.capture = {photo("amy", 3)};
    const auto out = checkin(api(), far);
    EXPECT_EQ(out.error_code(), "outside_geofence") << out;
    EXPECT_NE(out.body.find("67 m"), std::string::npos) << out;
    const auto list = api().get(window_path(session) + "/submissions", w_->teacher_token);
    ASSERT_EQ(list.json().at("total"), 1) << list;
    EXPECT_NEAR(list.json().at("items").at(0).at("distance_m").get<double>(), 22.26, 0.01);
  }
  // Near the north pole, on opposite meridians: 22.34 m over the pole.
  {
    const auto session = new_session(api(), *w_);
    const auto window = open_window(
        api(), *w_, session, {{"latitude", 89.9999}, {"longitude", 0.0}, {"accept_photos", true}});
    auto s = submit(session, window, "leonard");
    s.lat = 89.9999;
    s.lon = 180;
    s.capture = {photo("leonard", 3)};
    const auto in = checkin(api(), s);
    EXPECT_EQ(in.status, 202) << in;
    const auto list = api().get(window_path(session) + "/submissions", w_->teacher_token);
    ASSERT_EQ(list.json().at("total"), 1) << list;
    EXPECT_NEAR(list.json().at("items").at(0).at("distance_m").get<double>(), 22.34, 0.01);
  }
}

TEST_P(CheckinApi, APoorlyPlacedPhoneIsAskedForABetterFix) {
  const auto [session, window] = session_with_window({{"accept_photos", true}});
  auto s = submit(session, window, "amy");
  s.accuracy = 500;
  s.capture = {photo("amy", 3)};
  const auto reply = checkin(api(), s);
  EXPECT_EQ(reply.status, 422) << reply;
  EXPECT_EQ(reply.error_code(), "position_inaccurate");
  EXPECT_EQ(reply.error_field(), "accuracy_m");
  EXPECT_NE(reply.body.find("500 m"), std::string::npos) << reply;
  s.accuracy = 8;
  s.lat = 91;
  const auto bad = checkin(api(), s);
  EXPECT_EQ(bad.error_code(), "invalid_field") << bad;
  EXPECT_EQ(bad.error_field(), "latitude");
}

// ---- Codes, students, limits -------------------------------------------

TEST_P(CheckinApi, AWrongCodeIsRefused) {
  const auto [session, window] = session_with_window({{"accept_photos", true}});
  auto s = submit(session, window, "amy");
  s.code[5] = s.code[5] == '9' ? '0' : static_cast<char>(s.code[5] + 1);
  s.capture = {photo("amy", 3)};
  const auto reply = checkin(api(), s);
  EXPECT_EQ(reply.status, 422) << reply;
  EXPECT_EQ(reply.error_code(), "wrong_code");
  EXPECT_EQ(reply.error_field(), "code");
  EXPECT_EQ(api().get(window_path(session), w_->teacher_token).json().at("counts").at("queued"), 0);
}

TEST_P(CheckinApi, AfterCloseTheCodeHasExpiredButACheckedInStudentIsStillAlready) {
  const auto [session, window] = session_with_window({{"accept_photos", true}});
  auto penny = submit(session, window, "penny");
  penny.capture = {photo("penny", 3)};
  const auto first = checkin(api(), penny);
  ASSERT_EQ(first.status, 202) << first;
  EXPECT_EQ(wait_verdict(api(), first.json().at("id")).value("state", ""), "accepted");
  ASSERT_EQ(api().post(window_path(session) + "/close", json::object(), w_->teacher_token).status,
            200);
  auto s = submit(session, window, "amy");
  s.capture = {photo("amy", 3)};
  const auto reply = checkin(api(), s);
  EXPECT_EQ(reply.status, 410) << reply;
  EXPECT_EQ(reply.error_code(), "code_expired");
  // An idempotent success stays one after the close: the first result.
  const auto replay = checkin(api(), penny);
  EXPECT_EQ(replay.status, 200) << replay;
  EXPECT_EQ(replay.json().value("already", false), true) << replay;
  EXPECT_EQ(replay.json().value("id", ""), first.json().value("id", ""));
}

TEST_P(CheckinApi, UnknownOrForeignStudentsAndMissingWindowsAreRefused) {
  const auto [session, window] = session_with_window({{"accept_photos", true}});
  auto s = submit(session, window, "amy");
  s.capture = {photo("amy", 3)};
  s.roll = "NO-SUCH-ROLL-" + random_suffix();
  const auto unknown = checkin(api(), s);
  EXPECT_EQ(unknown.status, 422) << unknown;
  EXPECT_EQ(unknown.error_code(), "unknown_student");
  EXPECT_EQ(unknown.error_field(), "roll_number");

  // Anonymous: another class's student is refused as an unknown one
  // (CheckinLimits.AnUnknownRollNumberAndAnotherClasssStudentAreRefusedAlike).
  s.roll = w_->howard.roll;
  s.capture = {photo("howard", 3)};
  const auto foreign = checkin(api(), s);
  EXPECT_EQ(foreign.status, 422) << foreign;
  EXPECT_EQ(foreign.error_code(), "unknown_student");

  s.session = new_session(api(), *w_);  // no window
  s.roll = person("amy").roll;
  s.capture = {photo("amy", 3)};
  const auto none = checkin(api(), s);
  EXPECT_EQ(none.status, 409) << none;
  EXPECT_EQ(none.error_code(), "no_open_window");

  s.session = 999'999'999;
  const auto missing = checkin(api(), s);
  EXPECT_EQ(missing.error_code(), "session_not_found") << missing;

  s.session = session;
  s.roll = "";
  const auto no_roll = checkin(api(), s);
  EXPECT_EQ(no_roll.error_code(), "missing_field") << no_roll;
  EXPECT_EQ(no_roll.error_field(), "roll_number");
}

TEST_P(CheckinApi, AStudentsAttemptsAreLimitedButWrongCodesDoNotUseThemUp) {
  const auto [session, window] = session_with_window({{"accept_photos", true}});
  auto s = submit(session, window, "sheldon");
  s.capture = {photo("sheldon", 3)};
  const std::string right = s.code;
  // Anyone may type sheldon's roll number with a wrong code: that counts
  // against the network, not against sheldon.
  s.code = right == "000000" ? "000001" : "000000";
  for (int i = 0; i < 5; ++i) {
    const auto reply = checkin(api(), s);
    ASSERT_EQ(reply.error_code(), "wrong_code") << i << ": " << reply;
  }
  // With the right code, every attempt counts, whatever its outcome: the
  // default is 5 per student per window.
  s.code = right;
  const auto outside = walk(kLat, kLon, 90, 400);
  s.lat = outside.lat;
  s.lon = outside.lon;
  for (int i = 0; i < 5; ++i) {
    const auto reply = checkin(api(), s);
    ASSERT_EQ(reply.error_code(), "outside_geofence") << i << ": " << reply;
  }
  s.lat = kLat;
  s.lon = kLon;
  const auto blocked = checkin(api(), s);
  EXPECT_EQ(blocked.status, 429) << blocked;
  EXPECT_EQ(blocked.error_code(), "too_many_attempts");
  EXPECT_NE(blocked.json()["error"].value("message", "").find("per window"), std::string::npos)
      << blocked;
  // Only that student: another one still checks in.
  auto other = submit(session, window, "penny");
  other.capture = {photo("penny", 3)};
  EXPECT_EQ(checkin(api(), other).status, 202);
}

TEST_P(CheckinApi, ArrivalsAfterTheLateMarkAreLate) {
  const auto [session, window] =
      session_with_window({{"accept_photos", true}, {"late_after_s", 0}});
  std::this_thread::sleep_for(5ms);  // strictly after the mark
  auto s = submit(session, window, "leonard");
  s.capture = {photo("leonard", 4)};
  const auto reply = checkin(api(), s);
  ASSERT_EQ(reply.status, 202) << reply;
  const auto verdict = wait_verdict(api(), reply.json().at("id"));
  EXPECT_EQ(verdict.at("verdict").at("code"), "checked_in") << verdict.dump();
  EXPECT_EQ(verdict.at("attendance"), "late");
  const auto records = attendance(api(), w_->teacher_token, session);
  ASSERT_EQ(records.count(person("leonard").id), 1u);
  EXPECT_EQ(records.at(person("leonard").id).at("status"), "late");
}

TEST_P(CheckinApi, ASignedInStudentIsThemselvesAndMustBeEnrolled) {
  // raj has an account but no enrollment photos.
  const auto p = enroll(api(), admin_token(), w_->class_id, "raj", 0, true);
  const auto newline = p.roll.find('\n');
  const std::string token = api().login(p.roll.substr(newline + 1), p.roll.substr(0, newline));
  ASSERT_FALSE(token.empty());
  const auto [session, window] = session_with_window({{"accept_photos", true}});
  // No roll number: the token says who; another's roll number is ignored.
  std::vector<Part> parts = {field("session_id", text(session)),
                             field("code", window.at("code")),
                             field("roll_number", person("amy").roll),
                             field("latitude", number(kLat)),
                             field("longitude", number(kLon)),
                             field("accuracy_m", "5"),
                             photo("amy", 3)};
  const auto reply = api().post_multipart("/api/v1/checkins", parts, token);
  EXPECT_EQ(reply.status, 422) << reply;
  EXPECT_EQ(reply.error_code(), "student_not_enrolled");
  EXPECT_TRUE(attendance(api(), w_->teacher_token, session).empty());
  EXPECT_EQ(api().get(window_path(session), w_->teacher_token).json().at("counts").at("queued"), 0);
}

// ---- Idempotence ---------------------------------------------------------

TEST_P(CheckinApi, AReplayAnswersWithTheFirstResult) {
  const auto [session, window] = session_with_window({{"accept_photos", true}});
  auto s = submit(session, window, "leonard");
  s.capture = {photo("leonard", 3)};
  const auto first = checkin(api(), s);
  ASSERT_EQ(first.status, 202) << first;
  const std::string id = first.json().at("id");
  ASSERT_EQ(wait_verdict(api(), id).at("state"), "accepted");
  const auto replay = checkin(api(), s);
  EXPECT_EQ(replay.status, 200) << replay;
  EXPECT_TRUE(replay.json().at("already").get<bool>());
  EXPECT_EQ(replay.json().at("id"), id);
  EXPECT_EQ(replay.json().at("state"), "accepted");
  EXPECT_EQ(replay.json().at("verdict").at("code"), "checked_in");
  EXPECT_EQ(attendance(api(), w_->teacher_token, session).size(), 1u);
  EXPECT_EQ(api().get(window_path(session) + "/submissions", w_->teacher_token).json().at("total"),
            1);
}

TEST_P(CheckinApi, ConcurrentDuplicatesMakeOneSubmissionAndOneRecord) {
  const auto [session, window] = session_with_window({{"accept_photos", true}});
  auto s = submit(session, window, "penny");
  s.capture = {photo("penny", 4)};
  std::vector<Response> replies(8);
  std::atomic<int> ready{0};
  std::vector<std::thread> threads;
  for (std::size_t i = 0; i < replies.size(); ++i) {
    threads.emplace_back([&, i] {
      ++ready;
      while (ready.load() < static_cast<int>(replies.size())) std::this_thread::yield();
      replies[i] = checkin(api(), s);
    });
  }
  for (auto& t : threads) t.join();
  std::set<std::string> ids;
  int created = 0;
  for (const auto& r : replies) {
    ASSERT_TRUE(r.status == 202 || r.status == 200) << r;
    ids.insert(r.json().at("id").get<std::string>());
    if (r.status == 202) ++created;
    EXPECT_EQ(r.json().at("already").get<bool>(), r.status == 200) << r;
  }
  EXPECT_EQ(ids.size(), 1u);
  EXPECT_EQ(created, 1);
  EXPECT_EQ(wait_verdict(api(), *ids.begin()).at("verdict").at("code"), "checked_in");
  const auto records = attendance(api(), w_->teacher_token, session);
  EXPECT_EQ(records.size(), 1u);
  EXPECT_EQ(records.count(person("penny").id), 1u);
  EXPECT_EQ(api().get(window_path(session) + "/submissions", w_->teacher_token).json().at("total"),
            1);
}

// ---- The verdict pushed, and the figures -------------------------------

TEST_P(CheckinApi, TheEventStreamEndsWithTheVerdict) {
  const auto [session, window] = session_with_window({{"accept_photos", true}});
  auto s = submit(session, window, "sheldon");
  s.capture = {photo("sheldon", 4)};
  const auto reply = checkin(api(), s);
  ASSERT_EQ(reply.status, 202) << reply;
  const std::string id = reply.json().at("id");
  const auto stream = api().get("/api/v1/checkins/" + id + "/events");
  ASSERT_EQ(stream.status, 200) << stream;
  EXPECT_EQ(stream.header("Content-Type").rfind("text/event-stream", 0), 0u);
  const auto at = stream.body.rfind("event: verdict\ndata: ");
  ASSERT_NE(at, std::string::npos) << stream.body;
  const auto data = stream.body.substr(at + std::string("event: verdict\ndata: ").size());
  const auto verdict = json::parse(data.substr(0, data.find('\n')));
  EXPECT_EQ(verdict.at("id"), id);
  EXPECT_EQ(verdict.at("state"), "accepted");
  EXPECT_EQ(verdict.at("verdict").at("code"), "checked_in");
  EXPECT_EQ(stream.body.find("event: verdict"), at) << "one verdict event";
  // A finished submission streams its verdict at once.
  const auto again = api().get("/api/v1/checkins/" + id + "/events");
  EXPECT_EQ(again.body.rfind("event: verdict", 0), 0u) << again.body;
  const auto unknown = api().get("/api/v1/checkins/ck_00000000000000000000000000000000/events");
  EXPECT_EQ(unknown.status, 404) << unknown;
  EXPECT_EQ(unknown.error_code(), "submission_not_found");
}

TEST_P(CheckinApi, MetricsShowVerificationTimeAndQueueDepth) {
  const auto [session, window] = session_with_window({{"accept_photos", true}});
  auto s = submit(session, window, "amy");
  s.capture = {photo("amy", 3)};
  const auto reply = checkin(api(), s);
  ASSERT_EQ(reply.status, 202) << reply;
  EXPECT_EQ(wait_verdict(api(), reply.json().at("id")).value("state", ""), "accepted");
  const auto metrics = api().get("/metrics");
  ASSERT_EQ(metrics.status, 200) << metrics;
  EXPECT_NE(metrics.body.find("rollcall_checkin_verify_seconds_count"), std::string::npos)
      << metrics.body;
  EXPECT_NE(metrics.body.find("rollcall_checkin_queue_depth"), std::string::npos) << metrics.body;
  EXPECT_NE(metrics.body.find("rollcall_checkin_verdicts_total{verdict=\"accepted\"}"),
            std::string::npos)
      << metrics.body;
}

// ---- Closing and crashing (grace 1 s) ---------------------------------

class CheckinCloseApi : public ServerTest {
 protected:
  static constexpr int kPerIpLimit = 8;
  static std::vector<std::pair<std::string, std::string>> close_flags() {
    return {{"--checkin-grace-s", "1"}, {"--public-url", kPublicUrl}};
  }
  // The suite's server also holds at most one pending check-in.
  std::vector<std::pair<std::string, std::string>> flags() const override {
    auto flags = close_flags();
    flags.emplace_back("--checkin-queue-limit", "1");
    flags.emplace_back("--checkin-attempts-per-ip-per-minute", std::to_string(kPerIpLimit));
    return flags;
  }
};
ROLLCALL_ON_BOTH_BACKENDS(CheckinCloseApi);

// A local HTTP server that takes webhook deliveries.
class Receiver {
 public:
  Receiver() {
    server_.Post("/hook", [this](const httplib::Request& request, httplib::Response& response) {
      std::lock_guard lock(mutex_);
      bodies_.push_back(request.body);
      response.status = 204;
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
  }
  ~Receiver() {
    server_.stop();
    thread_.join();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/hook"; }
  std::vector<json> events(const std::string& name) {
    std::lock_guard lock(mutex_);
    std::vector<json> out;
    for (const auto& body : bodies_) {
      auto parsed = json::parse(body, nullptr, false);
      if (!parsed.is_discarded() && parsed.value("event", "") == name) out.push_back(parsed);
    }
    return out;
  }

 private:
  httplib::Server server_;
  std::mutex mutex_;
  std::vector<std::string> bodies_;
  int port_ = 0;
  std::thread thread_;
};

// `receiver` gets `event` from now on (a webhook endpoint, made as admin).
void subscribe(const Api& api, const std::string& admin, Receiver& receiver,
               const std::string& event) {
  must_create(
      api, admin, "/api/v1/webhooks",
      {{"url", receiver.url()}, {"secret", "a-webhook-secret-for-tests"}, {"events", {event}}});
}

TEST_P(CheckinCloseApi, AClosedWindowLocksTheSessionAndMarksTheRestAbsent) {
  Receiver receiver;
  subscribe(api(), admin_token(), receiver, "session.closed");
  World w;
  build_world(api(), admin_token(), w, {"amy", "penny", "leonard"});
  ASSERT_FALSE(HasFailure());
  const auto session = new_session(api(), w);
  const auto window = open_window(api(), w, session, {{"duration_s", 10}, {"accept_photos", true}});
  Submit s{session, window.value("code", ""), w.people.at("amy").roll, kLat, kLon,
           8,       {photo("amy", 3)}};
  const auto reply = checkin(api(), s);
  ASSERT_EQ(reply.status, 202) << reply;
  ASSERT_EQ(wait_verdict(api(), reply.json().at("id")).at("state"), "accepted");
  const auto closed = api().post(window_path(session) + "/close", json::object(), w.teacher_token);
  ASSERT_EQ(closed.status, 200) << closed;
  EXPECT_EQ(closed.json().at("state"), "closing");

  // The projector's stream: the window as it is, then once finalized, the end.
  const auto stream = api().get(window_path(session) + "/events", w.teacher_token);
  ASSERT_EQ(stream.status, 200) << stream;
  const auto first_update = stream.body.find("event: update\ndata: ");
  ASSERT_EQ(first_update, 0u) << stream.body;
  const auto update = json::parse(
      stream.body.substr(20, stream.body.find('\n', 20) - 20));  // 20 = "event: update\ndata: "
  EXPECT_EQ(update.at("state"), "closing") << update.dump();
  EXPECT_EQ(update.at("counts").at("accepted"), 1) << update.dump();
  const auto last = stream.body.rfind("event: finalized\ndata: ");
  ASSERT_NE(last, std::string::npos) << stream.body;
  EXPECT_NE(stream.body.find("\"state\":\"finalized\"", last), std::string::npos) << stream.body;

  // Finalised within the grace (1 s) and a timer tick (1 s).
  const auto until = std::chrono::steady_clock::now() + 10s;
  json state;
  while (std::chrono::steady_clock::now() < until) {
    state = api().get(window_path(session), w.teacher_token).json();
    if (state.value("state", "") == "finalized") break;
    std::this_thread::sleep_for(100ms);
  }
  ASSERT_EQ(state.value("state", ""), "finalized") << state.dump() << server().log();
  EXPECT_FALSE(state.at("finalized_at").is_null());
  const auto read = api().get("/api/v1/sessions/" + text(session), w.teacher_token);
  EXPECT_TRUE(read.json().at("is_locked").get<bool>()) << read;

  const auto records = attendance(api(), w.teacher_token, session);
  ASSERT_EQ(records.size(), 3u);
  EXPECT_EQ(records.at(w.people.at("amy").id).at("status"), "present");
  for (const auto* name : {"penny", "leonard"}) {
    const auto& record = records.at(w.people.at(name).id);
    EXPECT_EQ(record.at("status"), "absent") << name;
    EXPECT_EQ(record.at("decided_by"), "checkin") << name;
  }
  // Too late now.
  const auto late = checkin(
      api(),
      Submit{session, s.code, w.people.at("penny").roll, kLat, kLon, 8, {photo("penny", 3)}});
  EXPECT_EQ(late.status, 409) << late;
  EXPECT_EQ(late.error_code(), "no_open_window");
  const auto reopen =
      api().post(window_path(session), {{"latitude", kLat}, {"longitude", kLon}}, w.teacher_token);
  EXPECT_EQ(reopen.status / 100, 4) << reopen;

  // session.closed reached the LMS, for this session.
  const auto hook_until = std::chrono::steady_clock::now() + 30s;
  std::vector<json> mine;
  while (mine.empty() && std::chrono::steady_clock::now() < hook_until) {
    for (const auto& e : receiver.events("session.closed")) {
      if (e.at("data").value("session_id", std::int64_t{0}) == session) mine.push_back(e);
    }
    if (mine.empty()) std::this_thread::sleep_for(100ms);
  }
  ASSERT_EQ(mine.size(), 1u) << server().log();
  EXPECT_EQ(mine[0].at("data").at("counts").at("present"), 1) << mine[0].dump();
  EXPECT_EQ(mine[0].at("data").at("counts").at("absent"), 2) << mine[0].dump();
}

TEST_P(CheckinCloseApi, AFullQueueSaysWhenToRetryAndStoresNothing) {
  World w;
  build_world(api(), admin_token(), w, {"lin_manuel_miranda", "amy"});
  ASSERT_FALSE(HasFailure());
  const auto session = new_session(api(), w);
  const auto window = open_window(api(), w, session, {{"duration_s", 60}, {"accept_photos", true}});
  // A video takes a worker a second or more: the queue (limit 1) is full
  // while it is verified.
  Submit first{
      session, window.value("code", ""),    w.people.at("lin_manuel_miranda").roll, kLat, kLon,
      8,       {video(Clips::get().live())}};
  const auto queued = checkin(api(), first);
  ASSERT_EQ(queued.status, 202) << queued;
  Submit second{session, first.code, w.people.at("amy").roll, kLat, kLon, 8, {photo("amy", 3)}};
  const auto full = checkin(api(), second);
  EXPECT_EQ(full.status, 503) << full;
  EXPECT_EQ(full.error_code(), "queue_full");
  const auto retry = full.header("Retry-After");
  ASSERT_FALSE(retry.empty()) << full;
  EXPECT_GE(std::stoi(retry), 1);
  EXPECT_LE(std::stoi(retry), 60);
  // Nothing stored for amy; once the queue drains she gets in.
  EXPECT_EQ(api().get(window_path(session) + "/submissions", w.teacher_token).json().at("total"),
            1);
  EXPECT_EQ(wait_verdict(api(), queued.json().at("id")).at("verdict").at("code"), "checked_in");
  const auto later = checkin(api(), second);
  ASSERT_EQ(later.status, 202) << later;
  EXPECT_EQ(wait_verdict(api(), later.json().at("id")).at("verdict").at("code"), "checked_in");
}

TEST_P(CheckinCloseApi, OneNetworkGuessingCodesIsStoppedForEveryone) {
  World w;
  build_world(api(), admin_token(), w, {"amy", "penny"});
  ASSERT_FALSE(HasFailure());
  const auto session = new_session(api(), w);
  const auto window = open_window(api(), w, session, {{"duration_s", 60}, {"accept_photos", true}});
  const std::string right = window.value("code", "");
  Submit guess{session,
               right == "000000" ? "000001" : "000000",
               w.people.at("amy").roll,
               kLat,
               kLon,
               8,
               {photo("amy", 3)}};
  for (int i = 0; i < kPerIpLimit; ++i) {
    guess.roll = w.people.at(i % 2 ? "amy" : "penny").roll;
    const auto reply = checkin(api(), guess);
    ASSERT_EQ(reply.error_code(), "wrong_code") << i << ": " << reply;
  }
  // Now even the right code from this address waits a minute.
  Submit honest{session, right, w.people.at("penny").roll, kLat, kLon, 8, {photo("penny", 3)}};
  const auto blocked = checkin(api(), honest);
  EXPECT_EQ(blocked.status, 429) << blocked;
  EXPECT_EQ(blocked.error_code(), "too_many_attempts");
  EXPECT_NE(blocked.json()["error"].value("message", "").find("network"), std::string::npos)
      << blocked;
}

// Several servers on one PostgreSQL database share one queue: what one
// acknowledged, another verifies (here while the first is dead).
TEST_P(CheckinCloseApi, AnotherServerOnTheDatabaseVerifiesWhatADeadOneAcknowledged) {
  if (GetParam() != Backend::postgres) GTEST_SKIP() << "several servers share PostgreSQL only";
  std::string error;
  auto first = ServerProcess::start({GetParam(), close_flags()}, error);
  ASSERT_TRUE(first) << error;
  auto shared = close_flags();
  shared.emplace_back("--database", first->database_url());
  auto second = ServerProcess::start({GetParam(), shared}, error);
  ASSERT_TRUE(second) << error;
  const std::string admin = first->api().login("admin", kAdminPassword);
  World w;
  const std::vector<std::string> people = {"amy", "penny", "leonard", "sheldon"};
  build_world(first->api(), admin, w, people);
  ASSERT_FALSE(HasFailure());
  const auto session = new_session(first->api(), w);
  const auto window =
      open_window(first->api(), w, session, {{"duration_s", 120}, {"accept_photos", true}});
  std::vector<std::string> ids;
  for (const auto& name : people) {
    Submit s{session, window.value("code", ""),        w.people.at(name).roll, kLat, kLon,
             8,       {photo(name, 3), photo(name, 4)}};
    const auto reply = checkin(first->api(), s);
    ASSERT_EQ(reply.status, 202) << reply;
    ids.push_back(reply.json().at("id"));
  }
  first->kill_hard();
  const std::string killed_at = iso_now();
  // The second server answers for every submission the first took in.
  int after_kill = 0;
  for (const auto& id : ids) {
    const auto verdict = wait_verdict(second->api(), id);
    EXPECT_EQ(verdict.value("state", ""), "accepted") << verdict.dump() << second->log();
    if (verdict.value("verified_at", "") > killed_at) ++after_kill;
  }
  std::cout << after_kill << " of " << ids.size()
            << " check-ins acknowledged by the first server were verified after it died\n";
  EXPECT_EQ(attendance(second->api(), second->api().login("admin", kAdminPassword), session).size(),
            people.size());
  EXPECT_EQ(second->stop(), 0) << second->log();
}

TEST_P(CheckinCloseApi, AcknowledgedCheckinsSurviveKill9) {
  std::string error;
  auto server = ServerProcess::start({GetParam(), close_flags()}, error);
  ASSERT_TRUE(server) << error;
  const std::string admin = server->api().login("admin", kAdminPassword);
  World w;
  const std::vector<std::string> people = {"amy", "penny", "leonard", "sheldon"};
  build_world(server->api(), admin, w, people);
  ASSERT_FALSE(HasFailure());
  const auto session = new_session(server->api(), w);
  const auto window =
      open_window(server->api(), w, session, {{"duration_s", 120}, {"accept_photos", true}});
  std::vector<std::string> ids;
  std::vector<std::thread> threads;
  std::mutex mutex;
  for (const auto& name : people) {
    threads.emplace_back([&, name] {
      Submit s{session, window.value("code", ""),        w.people.at(name).roll, kLat, kLon,
               8,       {photo(name, 3), photo(name, 4)}};
      const auto reply = checkin(server->api(), s);
      EXPECT_EQ(reply.status, 202) << reply;
      std::lock_guard lock(mutex);
      if (reply.status == 202) ids.push_back(reply.json().at("id"));
    });
  }
  for (auto& t : threads) t.join();
  server->kill_hard();  // right after the last 202
  ASSERT_EQ(ids.size(), people.size());

  const std::string killed_at = iso_now();
  server = ServerProcess::restart(std::move(server), {GetParam(), close_flags()}, error);
  ASSERT_TRUE(server) << error;
  int after_restart = 0;
  for (const auto& id : ids) {
    const auto verdict = wait_verdict(server->api(), id);
    EXPECT_EQ(verdict.value("state", ""), "accepted") << verdict.dump() << server->log();
    if (verdict.value("verified_at", "") > killed_at) ++after_restart;
  }
  // For the reader: how many of them the SIGKILL caught before their verdict.
  std::cout << after_restart << " of " << ids.size()
            << " acknowledged check-ins were verified after the restart\n";
  const auto records =
      attendance(server->api(), server->api().login("admin", kAdminPassword), session);
  EXPECT_EQ(records.size(), people.size());
  for (const auto& [id, record] : records) EXPECT_EQ(record.at("status"), "present") << record;
  EXPECT_EQ(server->stop(), 0) << server->log();
}

// ---- Where the link points (no public_url) ----------------------------

// A server without public_url: links follow the address each teacher's
// browser uses.
class CheckinLinkApi : public ServerTest {};
ROLLCALL_ON_BOTH_BACKENDS(CheckinLinkApi);

TEST_P(CheckinLinkApi, TheLinkFollowsTheAddressTheTeachersBrowserUses) {
  World w;
  build_world(api(), admin_token(), w, {"amy"});
  ASSERT_FALSE(HasFailure());
  const auto session = new_session(api(), w);
  open_window(api(), w, session);

  // A teacher on the school's network, over plain http.
  const httplib::Headers lan = {{"Host", "192.168.1.20:8080"}};
  const auto on_lan = api().get(window_path(session), w.teacher_token, lan).json();
  const std::string lan_link = "http://192.168.1.20:8080/checkin?session=" + text(session) +
                               "&code=" + on_lan.value("code", "");
  EXPECT_EQ(on_lan.value("link", ""), lan_link) << on_lan.dump();
  ASSERT_EQ(on_lan.at("link_warnings").size(), 1u) << on_lan.dump();
  EXPECT_NE(on_lan["link_warnings"][0].get<std::string>().find("plain http"), std::string::npos);
  const auto qr = api().get(window_path(session) + "/qr.png", w.teacher_token, lan);
  ASSERT_EQ(qr.status, 200) << qr;
  EXPECT_EQ(decode_qr(qr.body), lan_link);

  // Behind a reverse proxy with a certificate: https, no warning.
  const httplib::Headers proxied = {{"X-Forwarded-Proto", "https"},
                                    {"X-Forwarded-Host", "attendance.college.edu"}};
  const auto behind = api().get(window_path(session), w.teacher_token, proxied).json();
  EXPECT_EQ(behind.value("link", ""), "https://attendance.college.edu/checkin?session=" +
                                          text(session) + "&code=" + on_lan.value("code", ""));
  EXPECT_TRUE(behind.at("link_warnings").empty()) << behind.dump();

  // On the server itself: phones cannot open localhost, and it says so,
  // here and on the system page.
  const auto local = api().get(window_path(session), w.teacher_token).json();
  ASSERT_FALSE(local.at("link_warnings").empty()) << local.dump();
  EXPECT_NE(local["link_warnings"][0].get<std::string>().find("this computer itself"),
            std::string::npos);
  const auto system = api().get("/api/v1/system", admin_token()).json();
  EXPECT_EQ(system["checkin"]["link_warnings"], local["link_warnings"]) << system.dump();
  const auto system_lan = api().get("/api/v1/system", admin_token(), lan).json();
  EXPECT_EQ(system_lan["checkin"]["link_base"], "http://192.168.1.20:8080");

  // And at start, in the log, for the address the bots would use.
  EXPECT_NE(server().log().find("public_url_unusable"), std::string::npos) << server().log();
}

TEST_P(CheckinApi, AConfiguredLinkThatIsNotTheTeachersAddressIsPointedOut) {
  const auto [session, window] = session_with_window();
  EXPECT_EQ(window.value("link", "").rfind(kPublicUrl + "/checkin?", 0), 0u) << window.dump();
  EXPECT_TRUE(window.at("link_warnings").empty()) << window.dump();  // opened at 127.0.0.1...
  const auto other =
      api().get(window_path(session), w_->teacher_token, {{"Host", "rollcall.school.lan"}}).json();
  EXPECT_EQ(other.value("link", "").rfind(kPublicUrl + "/checkin?", 0), 0u);
  ASSERT_EQ(other.at("link_warnings").size(), 1u) << other.dump();
  EXPECT_NE(other["link_warnings"][0].get<std::string>().find("but you are using "
                                                              "http://rollcall.school.lan"),
            std::string::npos)
      << other.dump();
}

// ---- One source of truth --------------------------------------------

// What every view of a session says of each student: status and decided_by.
using Verdicts = std::map<std::string, std::pair<std::string, std::string>>;

// Every view of a session's attendance, by student name: the result (the
// session page), the saved records, the session report, its CSV and XLSX,
// the class report's matrix and the last record.changed webhook of each
// student. They must all say `expected`.
void expect_every_view_says(const Api& api, const std::string& token, std::int64_t class_id,
                            std::int64_t session, const World& w, Receiver& receiver,
                            const Verdicts& expected, const std::string& when) {
  SCOPED_TRACE(when);
  std::map<std::int64_t, std::string> names;
  for (const auto& [name, person] : w.people) names[person.id] = name;
  const std::string base = "/api/v1/sessions/" + text(session);

  Verdicts result;
  const auto merged = api.get(base + "/result", token).json();
  for (const auto& row : merged.at("students")) {
    result[names[row["student"]["id"].get<std::int64_t>()]] = {row["status"], row["decided_by"]};
    EXPECT_FALSE(row.at("pending").get<bool>()) << row.dump();
  }
  EXPECT_EQ(result, expected) << "the session's result";
  EXPECT_EQ(merged.at("pending"), 0);

  Verdicts records;
  for (const auto& [id, record] : attendance(api, token, session)) {
    records[names[id]] = {record["status"], record["decided_by"]};
  }
  EXPECT_EQ(records, expected) << "the saved records";

  Verdicts report;
  const auto session_report = api.get(base + "/report", token).json();
  for (const auto& row : session_report.at("students")) {
    report[names[row["id"].get<std::int64_t>()]] = {row["status"], row["decided_by"]};
  }
  EXPECT_EQ(report, expected) << "the session report";
  for (const auto* status : {"present", "late", "absent", "excused"}) {
    EXPECT_EQ(merged.at("counts").at(status), session_report.at("counts").at(status)) << status;
  }

  const auto csv = domain::parse_csv(api.get(base + "/report?format=csv", token).body, 1000);
  ASSERT_TRUE(csv.ok());
  Verdicts from_csv;
  const auto csv_rows = table_from(*csv, "roll_number");
  for (std::size_t i = 1; i < csv_rows.size(); ++i) {
    for (const auto& [name, person] : w.people) {
      if (person.roll == csv_rows[i].at(0)) from_csv[name] = {csv_rows[i].at(2), csv_rows[i].at(3)};
    }
  }
  EXPECT_EQ(from_csv, expected) << "the session CSV";

  const auto xlsx = xlsx_rows(api.get(base + "/report?format=xlsx", token).body);
  Verdicts from_xlsx;
  const auto xlsx_table = table_from(xlsx, "Roll number");
  for (std::size_t i = 1; i < xlsx_table.size(); ++i) {
    for (const auto& [name, person] : w.people) {
      if (person.roll == xlsx_table[i].at(0)) {
        from_xlsx[name] = {xlsx_table[i].at(2), xlsx_table[i].at(3)};
      }
    }
  }
  EXPECT_EQ(from_xlsx, expected) << "the session XLSX";

  std::map<std::string, std::string> expected_status, from_class;
  for (const auto& [name, verdict] : expected) expected_status[name] = verdict.first;
  const auto class_report = api.get("/api/v1/classes/" + text(class_id) + "/report", token).json();
  std::size_t column = 0;
  for (; column < class_report.at("sessions").size(); ++column) {
    if (class_report["sessions"][column].value("id", std::int64_t{0}) == session) break;
  }
  ASSERT_LT(column, class_report.at("sessions").size()) << class_report.dump();
  for (const auto& row : class_report.at("students")) {
    from_class[names[row["id"].get<std::int64_t>()]] = row["statuses"][column];
  }
  EXPECT_EQ(from_class, expected_status) << "the class report";

  // The LMS's view: the last record.changed of each student.
  Verdicts hooks;
  const auto until = std::chrono::steady_clock::now() + 30s;
  while (std::chrono::steady_clock::now() < until) {
    hooks.clear();
    for (const auto& event : receiver.events("record.changed")) {
      const auto& data = event.at("data");
      if (data.value("session_id", std::int64_t{0}) != session) continue;
      hooks[names[data["student_id"].get<std::int64_t>()]] = {data["status"], data["decided_by"]};
    }
    if (hooks == expected) break;
    std::this_thread::sleep_for(100ms);
  }
  EXPECT_EQ(hooks, expected) << "the record.changed webhooks";
}

// A check-in, a class photo and a teacher's marks in one session: every
// view says the same of every student (the session page said "absent by
// photo" of a student the records had present by check-in).
TEST_P(CheckinCloseApi, CheckinPhotoAndMarksInOneSessionAgreeEverywhere) {
  Receiver receiver;
  subscribe(api(), admin_token(), receiver, "record.changed");
  World w;
  // bbt4.jpg holds amy, penny, leonard, sheldon (and raj and bernadette,
  // who are not enrolled: raj is in the class without a photo).
  build_world(api(), admin_token(), w, {"amy", "penny", "leonard", "sheldon", "stuart"});
  w.people["raj"] = enroll(api(), admin_token(), w.class_id, "raj", 0);
  ASSERT_FALSE(HasFailure());
  const auto session = new_session(api(), w);
  const auto window = open_window(api(), w, session, {{"duration_s", 10}, {"accept_photos", true}});
  const auto reply = checkin(api(), Submit{session,
                                           window.value("code", ""),
                                           w.people.at("amy").roll,
                                           kLat,
                                           kLon,
                                           8,
                                           {photo("amy", 3)}});
  ASSERT_EQ(reply.status, 202) << reply;
  ASSERT_EQ(wait_verdict(api(), reply.json().at("id")).at("state"), "accepted");
  ASSERT_EQ(api().post(window_path(session) + "/close", json::object(), w.teacher_token).status,
            200);
  const auto until = std::chrono::steady_clock::now() + 15s;
  while (std::chrono::steady_clock::now() < until &&
         api().get(window_path(session), w.teacher_token).json().value("state", "") !=
             "finalized") {
    std::this_thread::sleep_for(100ms);
  }
  const std::pair<std::string, std::string> absent_by_checkin{"absent", "checkin"};
  expect_every_view_says(api(), w.teacher_token, w.class_id, session, w, receiver,
                         {{"amy", {"present", "checkin"}},
                          {"penny", absent_by_checkin},
                          {"leonard", absent_by_checkin},
                          {"sheldon", absent_by_checkin},
                          {"stuart", absent_by_checkin},
                          {"raj", absent_by_checkin}},
                         "after the window");

  // The teacher takes a class photo too (an admin unlocks the session) and
  // marks two students by hand; the photo finds amy again, penny, leonard
  // and sheldon.
  const std::string base = "/api/v1/sessions/" + text(session);
  ASSERT_EQ(api().patch(base, {{"is_locked", false}}, admin_token()).status, 200);
  const auto uploaded = api().post_multipart(
      base + "/photos",
      {{"photos", "bbt4.jpg", file_bytes(data_path("groups/bbt4.jpg")), "image/jpeg"}},
      w.teacher_token);
  ASSERT_EQ(uploaded.status, 201) << uploaded;
  for (const auto& [name, status] : std::vector<std::pair<std::string, std::string>>{
           {"leonard", "late"}, {"stuart", "excused"}}) {
    const auto marked =
        api().send("PUT", base + "/attendance/" + text(w.people.at(name).id),
                   json{{"status", status}}.dump(), "application/json", w.teacher_token);
    ASSERT_EQ(marked.status, 200) << marked;
  }
  // Before saving, the page shows what saving will write, and says so.
  const auto before = api().get(base + "/result", w.teacher_token).json();
  EXPECT_EQ(before.at("pending"), 2) << before.dump();  // penny and sheldon
  const auto saved = api().post(base + "/save", json::object(), w.teacher_token);
  ASSERT_EQ(saved.status, 200) << saved;
  EXPECT_EQ(saved.json().at("changed"), 2) << saved;
  EXPECT_EQ(saved.json().at("counts"),
            json({{"present", 3}, {"late", 1}, {"absent", 1}, {"excused", 1}}));
  expect_every_view_says(api(), w.teacher_token, w.class_id, session, w, receiver,
                         {{"amy", {"present", "checkin"}},
                          {"penny", {"present", "photo"}},
                          {"leonard", {"late", "manual"}},
                          {"sheldon", {"present", "photo"}},
                          {"stuart", {"excused", "manual"}},
                          {"raj", absent_by_checkin}},
                         "after the photo, the marks and the save");
}

}  // namespace
}  // namespace rollcall::http_testing
