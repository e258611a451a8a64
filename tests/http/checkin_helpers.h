// tests/http/checkin_helpers.h
//
// What the check-in end-to-end suites share: a class of real people from
// ../shared/data enrolled through the API, sessions and windows opened by
// their teacher, check-ins sent as multipart forms, clips made with ffmpeg
// and a verdict waited for.
#pragma once

#include <unistd.h>
#include <GeographicLib/Geodesic.hpp>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "server_harness.h"

namespace rollcall::http_testing::checkin_testing {

using namespace std::chrono_literals;
using nlohmann::json;

inline const std::string kPublicUrl = "https://checkin.example.edu";
// The teacher's position: a lecture hall in Pune.
inline constexpr double kLat = 18.5204;
inline constexpr double kLon = 73.8567;

inline std::string text(std::int64_t id) { return std::to_string(id); }

struct LatLon {
  double lat = 0, lon = 0;
};

// `metres` from (lat, lon) along `azimuth` degrees, on WGS84.
inline LatLon walk(double lat, double lon, double azimuth, double metres) {
  LatLon to;
  GeographicLib::Geodesic::WGS84().Direct(lat, lon, azimuth, metres, to.lat, to.lon);
  return to;
}

inline std::string number(double value) {
  char out[40];
  std::snprintf(out, sizeof out, "%.10f", value);
  return out;
}

inline Part field(const std::string& name, const std::string& value) {
  return {name, "", value, ""};
}

inline Part photo(const std::string& person, int n) {
  const auto path = data_path("identities/" + person + "/0" + std::to_string(n) + ".png");
  return {"photos", path.filename().string(), file_bytes(path), "image/png"};
}

inline Part video(const fs::path& path) {
  return {"video", path.filename().string(), file_bytes(path), "video/mp4"};
}

// A private directory of clips made with ffmpeg, for the whole program.
class Clips {
 public:
  static Clips& get() {
    static Clips clips;
    return clips;
  }
  // lin_manuel_miranda talking, frames of the real clip.
  fs::path live() {
    return make("live.mp4", "-ss 3 -t 4 -i '" + source("video/hamilton_short.mp4") + "' -an");
  }
  // One still photo of him, as a 3 s video: no movement.
  fs::path still() {
    return make("still.mp4", "-loop 1 -i '" + source("identities/lin_manuel_miranda/01.png") +
                                 "' -t 3 -r 15 -vf scale=640:-2 -pix_fmt yuv420p");
  }
  ~Clips() {
    std::error_code ignored;
    fs::remove_all(dir_, ignored);
  }

 private:
  Clips() {
    std::string name = (fs::temp_directory_path() / "rollcall-checkin-test-XXXXXX").string();
    if (::mkdtemp(name.data()) == nullptr) ADD_FAILURE() << "mkdtemp failed";
    dir_ = name;
  }
  static std::string source(const std::string& relative) { return data_path(relative).string(); }
  fs::path make(const std::string& name, const std::string& input) {
    std::lock_guard lock(mutex_);
    const auto out = dir_ / name;
    if (!fs::exists(out)) {
      const std::string command =
          "ffmpeg -nostdin -v error -y " + input + " '" + out.string() + "'";
      EXPECT_EQ(std::system(command.c_str()), 0) << command;
    }
    return out;
  }
  std::mutex mutex_;
  fs::path dir_;
};

struct Person {
  std::int64_t id = 0;
  std::string roll;
};

struct World {
  std::int64_t class_id = 0, subject = 0;
  std::string teacher_token, student_token;
  std::map<std::string, Person> people;  // in class_id
  Person howard;                         // in another class
};

inline std::string unique_name(const std::string& prefix) {
  static std::atomic<int> counter{0};
  return prefix + "-" + std::to_string(++counter) + "-" + random_suffix().substr(0, 6);
}

inline json must_create(const Api& api, const std::string& token, const std::string& path,
                        const json& body) {
  const auto reply = api.post(path, body, token);
  EXPECT_EQ(reply.status, 201) << path << ": " << reply;
  return reply.status == 201 ? reply.json() : json::object();
}

inline Person enroll(const Api& api, const std::string& admin, std::int64_t class_id,
                     const std::string& person, int photos, bool with_login = false) {
  json body = {{"name", "Student " + person},
               {"roll_number", unique_name("R")},
               {"registration_number", unique_name("REG")},
               {"class_id", class_id}};
  if (with_login) body["create_login"] = true;
  const auto student = must_create(api, admin, "/api/v1/students", body);
  Person p{student.value("id", std::int64_t{0}), student.value("roll_number", "")};
  std::vector<Part> parts;
  for (int i = 1; i <= photos; ++i) parts.push_back(photo(person, i));
  if (!parts.empty()) {
    const auto reply =
        api.post_multipart("/api/v1/students/" + text(p.id) + "/photos", parts, admin);
    EXPECT_EQ(reply.status, 201) << person << ": " << reply;
  }
  // A student's login is their registration number.
  if (with_login) {
    p.roll =
        student.value("generated_password", "") + "\n" + student.value("registration_number", "");
  }
  return p;
}

// A class of real people, a teacher assigned to it, and howard elsewhere.
inline void build_world(const Api& api, const std::string& admin, World& w,
                        const std::vector<std::string>& people) {
  w.class_id =
      must_create(api, admin, "/api/v1/classes", {{"name", unique_name("class")}, {"section", "A"}})
          .value("id", std::int64_t{0});
  const std::int64_t other =
      must_create(api, admin, "/api/v1/classes", {{"name", unique_name("class")}, {"section", "B"}})
          .value("id", std::int64_t{0});
  w.subject =
      must_create(api, admin, "/api/v1/subjects", {{"code", unique_name("S")}, {"name", "Physics"}})
          .value("id", std::int64_t{0});
  const auto username = unique_name("teacher");
  const auto teacher = must_create(api, admin, "/api/v1/teachers",
                                   {{"name", "Teacher " + username},
                                    {"email", username + "@school.example"},
                                    {"username", username}});
  must_create(api, admin, "/api/v1/assignments",
              {{"teacher_id", teacher.value("id", std::int64_t{0})},
               {"class_id", w.class_id},
               {"subject_id", w.subject}});
  w.teacher_token = api.login(username, teacher.value("generated_password", ""));
  for (const auto& person : people) {
    w.people[person] =
        enroll(api, admin, w.class_id, person, person == "lin_manuel_miranda" ? 1 : 2);
  }
  w.howard = enroll(api, admin, other, "howard", 2);
}

inline std::int64_t new_session(const Api& api, const World& w) {
  const auto reply = api.post("/api/v1/sessions",
                              {{"class_id", w.class_id},
                               {"subject_id", w.subject},
                               {"starts_at", "2026-11-25T09:30:00+05:30"},
                               {"ends_at", "2026-11-25T10:30:00+05:30"},
                               {"method", "checkin"}},
                              w.teacher_token);
  EXPECT_EQ(reply.status, 201) << reply;
  return reply.json().value("id", std::int64_t{0});
}

inline std::string window_path(std::int64_t session) {
  return "/api/v1/sessions/" + text(session) + "/checkin-window";
}

inline json open_window(const Api& api, const World& w, std::int64_t session,
                        json body = json::object()) {
  if (!body.contains("latitude")) body["latitude"] = kLat;
  if (!body.contains("longitude")) body["longitude"] = kLon;
  const auto reply = api.post(window_path(session), body, w.teacher_token);
  EXPECT_EQ(reply.status, 201) << reply;
  return reply.status == 201 ? reply.json() : json::object();
}

struct Submit {
  std::int64_t session = 0;
  std::string code, roll;
  double lat = kLat, lon = kLon, accuracy = 8;
  std::vector<Part> capture;
};

inline Response checkin(const Api& api, const Submit& s) {
  std::vector<Part> parts = {
      field("session_id", text(s.session)), field("code", s.code),
      field("roll_number", s.roll),         field("latitude", number(s.lat)),
      field("longitude", number(s.lon)),    field("accuracy_m", number(s.accuracy))};
  parts.insert(parts.end(), s.capture.begin(), s.capture.end());
  return api.post_multipart("/api/v1/checkins", parts);
}

// Polls a submission until it has a verdict (or the deadline passes).
inline json wait_verdict(const Api& api, const std::string& id,
                         std::chrono::seconds timeout = std::chrono::seconds(90)) {
  const auto until = std::chrono::steady_clock::now() + timeout;
  json last;
  while (std::chrono::steady_clock::now() < until) {
    const auto reply = api.get("/api/v1/checkins/" + id);
    if (reply.status == 200) {
      last = reply.json();
      if (last["state"] == "accepted" || last["state"] == "rejected") return last;
    } else if (reply.status != 0) {
      ADD_FAILURE() << reply;
      return reply.json();
    }
    std::this_thread::sleep_for(50ms);
  }
  ADD_FAILURE() << "no verdict for " << id << " in time; last: " << last.dump();
  return last;
}

// The session's records by student id.
inline std::map<std::int64_t, json> attendance(const Api& api, const std::string& token,
                                               std::int64_t session) {
  const auto reply = api.get("/api/v1/sessions/" + text(session) + "/attendance", token);
  EXPECT_EQ(reply.status, 200) << reply;
  std::map<std::int64_t, json> out;
  if (reply.status != 200) return out;
  const json body = reply.json();  // the loop must not range over a temporary's member
  for (const auto& r : body.at("items")) {
    EXPECT_TRUE(out.emplace(r.at("student_id").get<std::int64_t>(), r).second) << r;
  }
  return out;
}

}  // namespace rollcall::http_testing::checkin_testing
