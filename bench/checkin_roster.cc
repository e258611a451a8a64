// bench/checkin_roster.cc
#include "checkin_roster.h"

#include <atomic>
#include <fstream>
#include <map>
#include <mutex>
#include <sstream>
#include <thread>

#include "base/clock.h"
#include "bench_http.h"
#include "server_child.h"

namespace rollcall::bench {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

constexpr int kSetupThreads = 4;  // enrollment: ~20 uploads/s on 2 cores

Photo load_photo(const fs::path& data, const std::string& relative) {
  const auto path = data / relative;
  Photo p;
  p.path = relative;
  p.bytes = read_text(path);
  if (p.bytes.empty()) fail("cannot read " + path.string());
  p.filename = path.filename().string();
  p.type = path.extension() == ".png" ? "image/png" : "image/jpeg";
  return p;
}

std::string iso_in(std::int64_t seconds) { return format_iso8601(unix_ms_now() + seconds * 1000); }

// `fn(i, client)` for i in [0, count) from kSetupThreads threads, each
// with its own keep-alive client; the first failure stops all and is thrown.
void parallel_for(int count, const std::function<void(int, httplib::Client&)>& fn, int port,
                  const std::string& token) {
  std::atomic<int> next{0};
  std::mutex problem_mutex;
  std::string problem;
  std::vector<std::thread> threads;
  for (int t = 0; t < kSetupThreads; ++t) {
    threads.emplace_back([&] {
      auto client = client_of(port, token);
      for (int i; (i = next++) < count;) {
        try {
          fn(i, *client);
        } catch (const std::exception& e) {
          std::lock_guard lock(problem_mutex);
          if (problem.empty()) problem = e.what();
          next = count;  // the others stop too
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  if (!problem.empty()) fail(problem);
}

std::int64_t create_student(httplib::Client& api, std::int64_t class_id, const std::string& name,
                            const std::string& roll) {
  return expect_json(post_json(api, "/api/v1/students",
                               {{"name", name},
                                {"roll_number", roll},
                                {"registration_number", "REG-" + roll},
                                {"class_id", class_id}}),
                     "creating a student")["id"]
      .get<std::int64_t>();
}

Reply upload(httplib::Client& api, std::int64_t student, const Photo& photo) {
  const httplib::MultipartFormDataItems items{{"photos", photo.bytes, photo.filename, photo.type}};
  const auto path = "/api/v1/students/" + std::to_string(student) + "/photos";
  return reply_of(api.Post(path.c_str(), items));
}

}  // namespace

// identities.csv: path,identity,... in the order the data set lists them.
std::vector<Person> load_people(const fs::path& data) {
  std::ifstream csv(data / "identities.csv");
  if (!csv) fail("cannot read " + (data / "identities.csv").string());
  std::vector<Person> people;
  std::map<std::string, std::size_t> index;
  std::string line;
  std::getline(csv, line);  // header
  while (std::getline(csv, line)) {
    std::istringstream fields(line);
    std::string path, identity;
    if (!std::getline(fields, path, ',') || !std::getline(fields, identity, ',')) continue;
    auto [it, is_new] = index.try_emplace(identity, people.size());
    if (is_new) people.push_back({identity, {}});
    people[it->second].photos.push_back(load_photo(data, path));
  }
  if (people.empty()) fail("no identities in " + (data / "identities.csv").string());
  return people;
}

std::string roll_of(int k) { return "CK-" + std::to_string(k); }

// Keeps, besides each person's enrolled photo, only the photos the server
// would enroll (one usable face): a phone's selfie shows one person, and
// some portraits in the data show a second face in the background, which
// the server rightly refuses (several_faces). Asked of the server itself,
// through a class of its own. Returns the photos dropped.
json vet_photos(int port, const std::string& token, std::vector<Person>& people) {
  auto admin = client_of(port, token);
  const auto probe_class =
      expect_json(post_json(*admin, "/api/v1/classes", {{"name", "Photo check"}, {"section", "Z"}}),
                  "creating the photo-check class")["id"]
          .get<std::int64_t>();
  std::vector<std::pair<std::size_t, std::size_t>> candidates;  // (person, photo)
  for (std::size_t p = 0; p < people.size(); ++p) {
    for (std::size_t i = 1; i < people[p].photos.size(); ++i) candidates.emplace_back(p, i);
  }
  std::vector<std::string> refusals(candidates.size());
  parallel_for(
      static_cast<int>(candidates.size()),
      [&](int c, httplib::Client& api) {
        const auto [p, i] = candidates[static_cast<std::size_t>(c)];
        const auto id = create_student(api, probe_class, "Photo check " + std::to_string(c),
                                       "PHOTO-" + std::to_string(c));
        const auto reply = upload(api, id, people[p].photos[i]);
        if (reply.status == 201) return;
        std::string code = "status " + std::to_string(reply.status);
        try {
          // The upload's own reason (photos[0].reason), else the request's error.
          const auto body = json::parse(reply.body);
          code = body.contains("photos")
                     ? body.at("photos").at(0).at("reason").at("code").get<std::string>()
                     : body.at("error").at("code").get<std::string>();
        } catch (const std::exception&) {
        }
        refusals[static_cast<std::size_t>(c)] = code;
      },
      port, token);
  json dropped = json::object();
  for (std::size_t c = candidates.size(); c-- > 0;) {  // from the back: indices stay valid
    if (refusals[c].empty()) continue;
    auto& photos = people[candidates[c].first].photos;
    const auto at = photos.begin() + static_cast<std::ptrdiff_t>(candidates[c].second);
    dropped[at->path] = refusals[c];
    photos.erase(at);
  }
  return dropped;
}

Roster set_up(int port, const std::string& password, const std::vector<Person>& people, int count,
              const std::function<void(const std::string&)>& progress) {
  Roster roster;
  Stopwatch watch;
  auto admin = client_of(port, "");
  roster.token = expect_json(post_json(*admin, "/api/v1/auth/login",
                                       {{"username", "admin"}, {"password", password}}),
                             "login")["access_token"]
                     .get<std::string>();
  admin = client_of(port, roster.token);
  const auto subject = expect_json(
      post_json(*admin, "/api/v1/subjects", {{"code", "CK-BENCH"}, {"name", "Check-in bench"}}),
      "creating a subject");
  const auto teacher =
      expect_json(post_json(*admin, "/api/v1/teachers",
                            {{"name", "Check-in Teacher"}, {"username", "checkinteacher"}}),
                  "creating a teacher");
  // Classes of at most one student per person: no gallery holds a face
  // twice, so "the claimed student is the best match" can hold.
  const int per_class = static_cast<int>(people.size());
  const int classes = (count + per_class - 1) / per_class;
  for (int c = 0; c < classes; ++c) {
    ClassRun run;
    run.class_id =
        expect_json(post_json(*admin, "/api/v1/classes",
                              {{"name", "Check-in " + std::to_string(c + 1)}, {"section", "A"}}),
                    "creating a class")["id"]
            .get<std::int64_t>();
    // An admin may give a session only to a teacher of its class.
    expect_json(post_json(*admin, "/api/v1/assignments",
                          {{"teacher_id", teacher["id"]},
                           {"class_id", run.class_id},
                           {"subject_id", subject["id"]}}),
                "assigning the teacher");
    run.session_id = expect_json(post_json(*admin, "/api/v1/sessions",
                                           {{"class_id", run.class_id},
                                            {"subject_id", subject["id"]},
                                            {"teacher_id", teacher["id"]},
                                            {"starts_at", iso_in(-600)},
                                            {"ends_at", iso_in(3 * 3600)},
                                            {"method", "checkin"}}),
                                 "creating a session")["id"]
                         .get<std::int64_t>();
    roster.classes.push_back(run);
  }
  roster.create_s = watch.elapsed_ms() / 1000;

  // Students and one photo each from a few threads: the server embeds on
  // its cores while the next upload travels.
  Stopwatch enroll_watch;
  roster.students.assign(static_cast<std::size_t>(count), 0);
  std::atomic<int> enrolled{0};
  parallel_for(
      count,
      [&](int k, httplib::Client& api) {
        const auto& person = people[static_cast<std::size_t>(k % per_class)];
        const auto id =
            create_student(api, roster.classes[static_cast<std::size_t>(k / per_class)].class_id,
                           person.name + " " + std::to_string(k / per_class + 1), roll_of(k));
        roster.students[static_cast<std::size_t>(k)] = id;
        expect_json(upload(api, id, person.photos.front()), "enrolling " + roll_of(k));
        if (++enrolled % 100 == 0) progress(std::to_string(enrolled.load()) + " enrolled");
      },
      port, roster.token);
  roster.enrolled = enrolled;
  roster.enroll_s = enroll_watch.elapsed_ms() / 1000;
  return roster;
}

// Opens every class's window at once; their codes and grace ends.
void open_windows(int port, Roster& roster, const WindowPlan& w) {
  auto admin = client_of(port, roster.token);
  for (auto& c : roster.classes) {
    const auto path = "/api/v1/sessions/" + std::to_string(c.session_id) + "/checkin-window";
    const auto window = expect_json(post_json(*admin, path,
                                              {{"latitude", w.latitude},
                                               {"longitude", w.longitude},
                                               {"radius_m", w.radius_m},
                                               {"duration_s", w.duration_s},
                                               {"accept_photos", true}}),
                                    "opening a check-in window");
    c.code = window.at("code").get<std::string>();
    c.grace_ends_ms = unix_ms_now() + (w.duration_s + w.grace_s) * 1000LL;
  }
}

}  // namespace rollcall::bench
