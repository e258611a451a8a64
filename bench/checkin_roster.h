// bench/checkin_roster.h
//
// The class `rollcall bench checkin` sets up before it measures anything:
// the people of ../shared/data/identities and their photos, classes of at
// most one student per person (student k is person k % people, in class
// k / people: no class's gallery holds a face twice, so "the claimed
// student is the class's best match by a margin" can hold), one session
// and one check-in window per class, each student enrolled with one photo.
// Owns: the setup's requests (through the public API, as an admin would)
// and which photos are fit for a check-in.
// Leaves to others: what is measured (checkin_bench.cc, checkin_traffic.h).
// Thread safety: each function is called by one thread (some use a few
// threads of their own inside).
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace rollcall::bench {

struct Photo {
  std::string path;  // relative to --data
  std::string bytes;
  std::string filename;
  std::string type;
};

struct Person {
  std::string name;
  std::vector<Photo> photos;  // photos[0] is enrolled; the others are for check-in
};

// Everyone in `data`/identities.csv, in the order it lists them.
std::vector<Person> load_people(const std::filesystem::path& data);

struct ClassRun {
  std::int64_t class_id = 0;
  std::int64_t session_id = 0;
  std::string code;                // the open window's
  std::int64_t grace_ends_ms = 0;  // its close + grace, wall clock
};

struct Roster {
  std::string token;  // the admin's
  std::vector<ClassRun> classes;
  std::vector<std::int64_t> students;  // student k: person k % people, class k / people
  int enrolled = 0;
  double create_s = 0;
  double enroll_s = 0;
};

// Student k's roll number.
std::string roll_of(int k);

// Logs in as admin, creates a subject, a teacher, the classes and their
// sessions, and `count` students each enrolled with their person's first
// photo (from a few threads).
Roster set_up(int port, const std::string& password, const std::vector<Person>& people, int count,
              const std::function<void(const std::string&)>& progress);

// Keeps, besides each person's enrolled photo, only the photos the server
// would enroll; returns the ones dropped (path -> error code).
nlohmann::json vet_photos(int port, const std::string& token, std::vector<Person>& people);

struct WindowPlan {
  double latitude = 0;
  double longitude = 0;
  double radius_m = 0;
  int duration_s = 0;
  int grace_s = 0;  // the server's, for when each window's work is due
};

// Opens a window on every class's session, one after another; fills in
// their codes and grace ends.
void open_windows(int port, Roster& roster, const WindowPlan& window);

}  // namespace rollcall::bench
