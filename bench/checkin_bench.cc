// bench/checkin_bench.cc
#include "checkin_bench.h"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <iomanip>
#include <iostream>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <sstream>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "app/config.h"
#include "app/output.h"
#include "base/clock.h"
#include "bench_http.h"
#include "checkin_roster.h"
#include "checkin_traffic.h"
#include "server_child.h"

namespace rollcall::bench {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

// Where the class stands (the window's centre) and how far "outside" is.
constexpr double kLatitude = 52.2053;
constexpr double kLongitude = 0.1218;
constexpr double kRadiusM = 50;
constexpr double kMetresPerDegree = 111'320;
constexpr double kOutsideM = 200;
constexpr double kAccuracyM = 10;
constexpr int kGraceS = 30;             // the server's default (domain/checkin.h)
constexpr double kKillCrowd = 0.3;      // share arriving in the 0.5 s before the kill
constexpr double kDeadlineSlackS = 15;  // after the last grace period, before LOST is declared

struct Options {
  std::string data_dir = app::default_data_dir().string();
  std::string models_dir = app::default_models_dir().string();
  std::string database;
  std::string mode = "spread";
  int students = 0;  // 0: the mode's default
  int window_s = 0;  // 0: the mode's default
  double wrong_face = 0.05;
  double wrong_code = 0.05;
  double outside = 0.05;
  double video_fraction = 0;
  int pollers = 4;
  unsigned seed = 20261125;
  bool is_quick = false;
  bool is_json = false;
};

// What a mode does; the figures it is judged by are in targets().
struct Mode {
  int students = 500;
  int window_s = 90;
  double arrivals_over_s = 85;  // arrival times uniform over [0, this)
  int submitters = 32;
  double stop_sending_s = 0;    // sustained: the length of the run
  double kill_at_s = -1;        // kill: when the server is SIGKILLed
  bool is_closed_loop = false;  // sustained: each thread waits for its verdict
};

Mode mode_of(const Options& o) {
  Mode m;
  const bool q = o.is_quick;
  m.students = q ? 60 : 500;
  m.window_s = q ? 30 : 90;
  if (o.mode == "burst") {
    m.students = q ? 60 : 300;
  } else if (o.mode == "sustained") {
    m.students = q ? 120 : 1500;  // 30 s at ~40/s, and some: the pool must not run dry
    m.submitters = 16;
    m.stop_sending_s = q ? 10 : 30;
    m.is_closed_loop = true;
  }
  if (o.students > 0) m.students = o.students;
  if (o.window_s > 0) m.window_s = o.window_s;
  if (o.mode == "burst") {
    m.arrivals_over_s = q ? 3 : 5;
  } else if (o.mode == "sustained") {
    m.arrivals_over_s = 0;  // as fast as the threads go
  } else {
    m.arrivals_over_s = std::max(1.0, m.window_s - 5.0);  // nobody races the close
  }
  if (o.mode == "kill") m.kill_at_s = 0.4 * m.arrivals_over_s;
  return m;
}

void progress(const std::string& line) { std::cerr << "bench checkin: " << line << std::endl; }

// --- The plan ----------------------------------------------------------------

std::string number(double value, int decimals) {
  std::ostringstream s;
  s << std::fixed << std::setprecision(decimals) << value;
  return s.str();
}

// A 3 s clip of the one video (it shows lin_manuel_miranda), or "" when
// ffmpeg is missing or fails.
std::string make_clip(const fs::path& data, const fs::path& dir) {
  const auto video = data / "video" / "hamilton_short.mp4";
  const auto clip = dir / "clip.mp4";
  if (std::system("command -v ffmpeg >/dev/null 2>&1") != 0) return "";
  const auto command = "ffmpeg -loglevel error -y -ss 3 -t 3 -i '" + video.string() +
                       "' -an -c:v libx264 '" + clip.string() + "' </dev/null";
  if (std::system(command.c_str()) != 0) return "";
  return read_text(clip);
}

std::vector<Attempt> plan(const Options& o, const Mode& m, const Roster& roster,
                          const std::vector<Person>& people, const std::string& clip) {
  std::mt19937 rng(o.seed);
  const int n = m.students;
  std::vector<int> order(static_cast<std::size_t>(n));
  for (int k = 0; k < n; ++k) order[static_cast<std::size_t>(k)] = k;
  std::shuffle(order.begin(), order.end(), rng);
  std::vector<Kind> kinds(static_cast<std::size_t>(n), Kind::genuine);
  std::size_t at = 0;
  for (const auto& [kind, fraction] : {std::pair{Kind::wrong_face, o.wrong_face},
                                       {Kind::wrong_code, o.wrong_code},
                                       {Kind::outside, o.outside}}) {
    for (int i = 0; i < static_cast<int>(std::lround(n * fraction)) && at < order.size(); ++i) {
      kinds[static_cast<std::size_t>(order[at++])] = kind;
    }
  }
  std::uniform_real_distribution<double> when(0, std::max(1e-3, m.arrivals_over_s));
  std::uniform_real_distribution<double> jitter(-10, 10);  // metres, well inside the fence
  std::uniform_real_distribution<double> unit(0, 1);
  const int per_class = static_cast<int>(people.size());
  const double metres_per_lon_degree = kMetresPerDegree * std::cos(kLatitude * M_PI / 180);
  std::vector<Attempt> attempts;
  for (int k = 0; k < n; ++k) {
    Attempt a;
    a.student = k;
    a.kind = kinds[static_cast<std::size_t>(k)];
    a.at_s = m.arrivals_over_s > 0 ? when(rng) : 0;
    // Kill: a crowd arrives in the 0.5 s before the SIGKILL, so that it finds
    // acknowledged work still queued (at spread pace the queue is empty).
    if (m.kill_at_s >= 0 && unit(rng) < kKillCrowd) {
      a.at_s = std::max(0.0, m.kill_at_s - 0.5 * unit(rng));
    }
    const auto& c = roster.classes[static_cast<std::size_t>(k / per_class)];
    a.session_id = c.session_id;
    a.grace_ends_ms = c.grace_ends_ms;
    std::string code = c.code;
    if (a.kind == Kind::wrong_code) {
      code = number((std::stoi(c.code) + 1 + static_cast<int>(rng() % 999'998)) % 1'000'000, 0);
      code = std::string(6 - std::min<std::size_t>(6, code.size()), '0') + code;
    }
    double lat = kLatitude + jitter(rng) / kMetresPerDegree;
    const double lon = kLongitude + jitter(rng) / metres_per_lon_degree;
    if (a.kind == Kind::outside) lat = kLatitude + kOutsideM / kMetresPerDegree;
    const int p = k % per_class;
    const auto& person = people[static_cast<std::size_t>(p)];
    // The right person's photo, not the enrolled one when there is another;
    // a wrong face is the next person's.
    const Person& shown =
        a.kind == Kind::wrong_face ? people[static_cast<std::size_t>((p + 1) % per_class)] : person;
    const std::size_t photos = shown.photos.size();
    const Photo& photo =
        photos > 1 ? shown.photos[1 + static_cast<std::size_t>(k / per_class) % (photos - 1)]
                   : shown.photos.front();
    a.form = {{"session_id", std::to_string(a.session_id), "", ""},
              {"code", code, "", ""},
              {"roll_number", roll_of(k), "", ""},
              {"latitude", number(lat, 7), "", ""},
              {"longitude", number(lon, 7), "", ""},
              {"accuracy_m", number(kAccuracyM, 1), "", ""}};
    if (a.kind == Kind::genuine && !clip.empty() && person.name == "lin_manuel_miranda" &&
        unit(rng) < o.video_fraction) {
      a.form.push_back({"video", clip, "clip.mp4", "video/mp4"});
      a.is_video = true;
      a.shown = "video/hamilton_short.mp4 (3 s from 3 s)";
    } else {
      a.form.push_back({"photos", photo.bytes, photo.filename, photo.type});
      a.shown = photo.path;
    }
    attempts.push_back(std::move(a));
  }
  return attempts;
}

// --- The figures ---------------------------------------------------------------

json latencies(std::vector<double> ms) {
  std::sort(ms.begin(), ms.end());
  return {{"count", ms.size()},
          {"p50_ms", percentile(ms, 0.50)},
          {"p95_ms", percentile(ms, 0.95)},
          {"p99_ms", percentile(ms, 0.99)},
          {"max_ms", ms.empty() ? 0.0 : ms.back()}};
}

double percent(int part, int whole) { return whole == 0 ? 0.0 : 100.0 * part / whole; }

// The rollcall_checkin samples of the server's /metrics, and a count of
// verifications if the server keeps one.
json checkin_metrics(int port) {
  auto client = client_of(port, "");
  const auto reply = reply_of(client->Get("/metrics"));
  json lines = json::array();
  if (reply.status != 200) return lines;
  std::istringstream text(reply.body);
  for (std::string line; std::getline(text, line);) {
    if (line.rfind("rollcall_checkin", 0) == 0) lines.push_back(line);
  }
  return lines;
}

// The value of sample `name` among /metrics `lines`; nothing if absent.
std::optional<double> metric(const json& lines, const std::string& name) {
  for (const auto& line : lines) {
    const auto& text = line.get_ref<const std::string&>();
    if (text.rfind(name + " ", 0) == 0) return std::stod(text.substr(name.size() + 1));
  }
  return std::nullopt;
}

json summarize(const std::vector<Attempt>& attempts, const TrafficTimes& times) {
  int acknowledged = 0, already = 0, told = 0, transport = 0, unsent = 0, lost = 0, accepted = 0;
  int late = 0;
  std::map<std::string, int> refused, rejected;
  std::map<std::string, int> genuine_rejected;  // "verdict photo" -> count: the data's part
  std::vector<double> ack, verdict;
  std::map<Kind, std::map<std::string, int>> outcome_by_kind;
  std::int64_t first_ack_wall = 0, last_verdict_wall = 0;
  for (const auto& a : attempts) {
    told += a.told_to_retry;
    transport += a.transport_errors;
    std::string outcome;
    if (!a.sent) {
      ++unsent;
      outcome = "not_sent";
    } else if (!a.id.empty()) {
      (a.already ? already : acknowledged) += 1;
      ack.push_back(a.ack_ms);
      const auto ack_wall = a.started_wall_ms + static_cast<std::int64_t>(a.ack_ms);
      if (first_ack_wall == 0 || ack_wall < first_ack_wall) first_ack_wall = ack_wall;
      if (a.verdict.empty()) {
        ++lost;
        outcome = "LOST";
      } else {
        verdict.push_back(a.verdict_ms);
        last_verdict_wall = std::max(last_verdict_wall, a.verified_wall_ms);
        if (a.verified_wall_ms > a.grace_ends_ms) ++late;
        if (a.state == "accepted") {
          ++accepted;
          outcome = "accepted";
        } else {
          ++rejected[a.verdict];
          outcome = "rejected:" + a.verdict;
          if (a.kind == Kind::genuine) ++genuine_rejected[a.verdict + " " + a.shown];
        }
      }
    } else if (!a.refusal.empty()) {
      ++refused[a.refusal];
      outcome = "refused:" + a.refusal;
    } else {
      outcome = a.status == 0 ? "no_answer" : "status_" + std::to_string(a.status);
      ++refused[outcome];
    }
    ++outcome_by_kind[a.kind][outcome];
  }
  const auto count = [&](Kind k, const std::string& what) {
    const auto& m = outcome_by_kind[k];
    const auto it = m.find(what);
    return it == m.end() ? 0 : it->second;
  };
  const auto total = [&](Kind k) {  // those sent: the sustained run may stop first
    int n = 0;
    for (const auto& [what, c] : outcome_by_kind[k]) n += what == "not_sent" ? 0 : c;
    return n;
  };
  int wrong_face_rejected = 0;
  for (const auto& [what, c] : outcome_by_kind[Kind::wrong_face]) {
    if (what.rfind("rejected:", 0) == 0) wrong_face_rejected += c;
  }
  json by_kind = json::object();
  for (const auto& [kind, m] : outcome_by_kind) by_kind[to_string(kind)] = m;
  const double span_s = first_ack_wall > 0 && last_verdict_wall > first_ack_wall
                            ? static_cast<double>(last_verdict_wall - first_ack_wall) / 1000
                            : 0;
  return {
      {"submissions", attempts.size()},
      {"acknowledged", acknowledged},
      {"already", already},
      {"told_to_retry", told},
      {"transport_errors", transport},
      {"not_sent", unsent},
      {"refused", refused},
      {"accepted", accepted},
      {"rejected", rejected},
      {"lost", lost},
      {"verdicts_after_grace", late},
      {"ack", latencies(ack)},
      {"verdict", latencies(verdict)},
      {"verification_span_s", span_s},
      {"verifications_per_s", span_s > 0 ? static_cast<double>(verdict.size()) / span_s : 0.0},
      {"sending_s", times.sending_s},
      {"total_s", times.total_s},
      {"by_kind", by_kind},
      {"genuine_rejected", genuine_rejected},
      {"correctness",
       {{"genuine_accepted_pct", percent(count(Kind::genuine, "accepted"), total(Kind::genuine))},
        {"wrong_face_rejected_pct", percent(wrong_face_rejected, total(Kind::wrong_face))},
        {"wrong_code_refused_pct",
         percent(count(Kind::wrong_code, "refused:wrong_code"), total(Kind::wrong_code))},
        {"outside_refused_pct",
         percent(count(Kind::outside, "refused:outside_geofence"), total(Kind::outside))}}}};
}

json targets(const std::string& mode, const json& f) {
  json out = json::array();
  const auto add = [&](const std::string& what, bool pass, const std::string& measured) {
    out.push_back({{"target", what}, {"pass", pass}, {"measured", measured}});
  };
  add("no acknowledged submission LOST", f["lost"].get<int>() == 0,
      std::to_string(f["lost"].get<int>()) + " lost");
  if (mode == "spread") {
    const double ack = f["ack"]["p99_ms"], verdict = f["verdict"]["p99_ms"];
    add("acknowledgement p99 < 200 ms", ack < 200, number(ack, 1) + " ms");
    add("verdict p99 < 2 s from submission", verdict < 2000, number(verdict, 1) + " ms");
  } else if (mode == "burst") {
    int other = 0;
    for (const auto& [code, n] : f["refused"].items()) {
      if (code != "wrong_code" && code != "outside_geofence") other += n.get<int>();
    }
    add("every one acknowledged or told to retry", other == 0,
        std::to_string(other) + " refused otherwise");
    add("every acknowledged one verified before the window's close + grace",
        f["verdicts_after_grace"].get<int>() == 0 && f["lost"].get<int>() == 0,
        std::to_string(f["verdicts_after_grace"].get<int>()) + " late");
  } else if (mode == "sustained") {
    const double rate = f["verifications_per_s"];
    // Students who never got to submit show the run lasted its full length.
    add("verifications >= 30/s", rate >= 30,
        number(rate, 1) + "/s" +
            (f["not_sent"].get<int>() == 0 ? " (ran out of students before the end: use more)"
                                           : ""));
  }
  return out;
}

// --- The run -------------------------------------------------------------------

json run(const Options& o) {
  const Mode m = mode_of(o);
  const fs::path data(o.data_dir);
  auto people = load_people(data);
  json r;
  r["mode"] = o.mode;
  r["machine"] = machine();
  r["load_average"]["before"] = load_average();
  r["settings"] = {{"students", m.students},
                   {"window_s", m.window_s},
                   {"arrivals_over_s", m.arrivals_over_s},
                   {"submitters", m.submitters},
                   {"pollers", o.pollers},
                   {"sending_for_s", m.stop_sending_s},
                   {"closed_loop", m.is_closed_loop},
                   {"kill_at_s", m.kill_at_s},
                   {"wrong_face", o.wrong_face},
                   {"wrong_code", o.wrong_code},
                   {"outside", o.outside},
                   {"video_fraction", o.video_fraction},
                   {"people", people.size()},
                   {"quick", o.is_quick}};

  Stopwatch setup_watch;
  ChildServer child({o.models_dir, o.database, {}, progress});
  r["backend"] = child.is_pg ? "postgres" : "sqlite";
  const int port = child.server->port();
  r["server"]["start_s"] = setup_watch.elapsed_ms() / 1000;
  progress("enrolling " + std::to_string(m.students) + " students");
  auto roster = set_up(port, child.admin_password, people, m.students, progress);
  r["setup"]["photos_not_used"] = vet_photos(port, roster.token, people);
  const std::string clip = o.video_fraction > 0 ? make_clip(data, child.dir.path()) : "";
  if (o.video_fraction > 0 && clip.empty())
    progress("no clip (ffmpeg missing or failed): photos only");
  open_windows(port, roster, {kLatitude, kLongitude, kRadiusM, m.window_s, kGraceS});
  auto attempts = plan(o, m, roster, people, clip);
  r["setup"].update(
      {{"classes", roster.classes.size()},
       {"students", roster.students.size()},
       {"enrolled", roster.enrolled},
       {"create_s", roster.create_s},
       {"enroll_s", roster.enroll_s},
       {"enroll_per_s", roster.enroll_s > 0 ? roster.enrolled / roster.enroll_s : 0.0},
       {"total_s", setup_watch.elapsed_ms() / 1000},
       {"video_submissions", std::count_if(attempts.begin(), attempts.end(),
                                           [](const Attempt& a) { return a.is_video; })}});
  r["metrics_before"] = checkin_metrics(port);

  TrafficOptions traffic;
  traffic.port = port;
  traffic.submitters = m.submitters;
  traffic.pollers = o.pollers;
  traffic.stop_sending_s = m.stop_sending_s;
  traffic.is_closed_loop = m.is_closed_loop;
  traffic.deadline_s = m.window_s + kGraceS + kDeadlineSlackS;
  traffic.progress = progress;
  json kill_report;
  std::int64_t kill_wall_ms = 0;
  if (m.kill_at_s >= 0) {
    traffic.event_at_s = m.kill_at_s;
    traffic.event = [&] {
      progress("SIGKILL to the server");
      Stopwatch outage;
      kill_wall_ms = unix_ms_now();
      const int status = child.server->kill_now();
      try {
        child.server->restart();
        kill_report = {{"at_s", m.kill_at_s},
                       {"exit_status", status},
                       {"restarted", true},
                       {"outage_s", outage.elapsed_ms() / 1000}};
        progress("restarted on port " + std::to_string(child.server->port()) + " after " +
                 number(outage.elapsed_ms() / 1000, 1) + " s");
      } catch (const std::exception& e) {
        kill_report = {{"at_s", m.kill_at_s}, {"restarted", false}, {"error", e.what()}};
        progress(std::string("restart failed: ") + e.what());
      }
    };
  }
  progress(o.mode + ": " + std::to_string(attempts.size()) + " submissions to " +
           std::to_string(roster.classes.size()) + " windows of " + std::to_string(m.window_s) +
           " s");
  const auto times = run_traffic(attempts, traffic);
  r["figures"] = summarize(attempts, times);
  if (!kill_report.is_null()) {
    // What the kill tested: submissions stored before it, verified after
    // it by the restarted server, and phones that found it down.
    int across = 0, refused_by_outage = 0;
    for (const auto& a : attempts) {
      const auto acked_ms = a.started_wall_ms + static_cast<std::int64_t>(a.ack_ms);
      if (!a.id.empty() && acked_ms < kill_wall_ms &&
          (a.verdict.empty() || a.verified_wall_ms > kill_wall_ms)) {
        ++across;
      }
      if (a.transport_errors > 0) ++refused_by_outage;
    }
    kill_report["acknowledged_before_verdict_after"] = across;
    kill_report["phones_that_retried"] = refused_by_outage;
    r["kill"] = kill_report;
  }
  r["targets"] = targets(o.mode, r["figures"]);
  r["metrics"] = child.server->is_running() ? checkin_metrics(port) : json::array();
  // The server's own pace: what its workers (one per core by default)
  // could verify per second if never idle, besides what this run offered.
  const auto sum = metric(r["metrics"], "rollcall_checkin_verify_seconds_sum");
  const auto count = metric(r["metrics"], "rollcall_checkin_verify_seconds_count");
  if (sum && count && *sum > 0) {
    const int workers = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    r["figures"]["server_mean_verify_ms"] = 1000 * *sum / *count;
    r["figures"]["server_capacity_per_s"] = workers * *count / *sum;
  }
  r["load_average"]["after"] = load_average();
  const int exit_status = child.server->stop();
  r["server"]["exit_status"] = exit_status;
  if (r["figures"]["lost"].get<int>() > 0 || exit_status != 0) {
    r["server"]["log_tail"] = tail_of(child.log, 4000);
  }
  return r;
}

void print_latency(const std::string& name, const json& l) {
  std::cout << "  " << std::left << std::setw(28) << name << std::right << std::setw(9)
            << app::fixed(l["p50_ms"].get<double>(), 1) << std::setw(9)
            << app::fixed(l["p95_ms"].get<double>(), 1) << std::setw(9)
            << app::fixed(l["p99_ms"].get<double>(), 1) << std::setw(10)
            << app::fixed(l["max_ms"].get<double>(), 1) << std::setw(7) << l["count"].get<int>()
            << "\n";
}

void print_table(const json& r) {
  const auto& m = r["machine"];
  const auto& s = r["settings"];
  const auto& f = r["figures"];
  std::cout << "rollcall bench checkin --mode " << r["mode"].get<std::string>() << ": "
            << r["backend"].get<std::string>() << ", " << s["students"] << " students in "
            << r["setup"]["classes"] << " classes, windows of " << s["window_s"] << " s\n"
            << "machine: " << m["cores"] << " cores, " << m["cpu"].get<std::string>() << ", "
            << m["memory_gib"] << " GiB; load average "
            << r["load_average"]["before"].get<std::string>() << " before, "
            << r["load_average"]["after"].get<std::string>() << " after\n"
            << "setup (not measured): server start "
            << app::fixed(r["server"]["start_s"].get<double>(), 1) << " s, "
            << r["setup"]["enrolled"] << " enrolled in "
            << app::fixed(r["setup"]["enroll_s"].get<double>(), 1) << " s ("
            << app::fixed(r["setup"]["enroll_per_s"].get<double>(), 1) << "/s), total "
            << app::fixed(r["setup"]["total_s"].get<double>(), 1) << " s\n";
  if (!r["setup"]["photos_not_used"].empty()) {
    std::cout << "photos not used for check-in (the server would not enroll them either): "
              << r["setup"]["photos_not_used"].dump() << "\n";
  }
  std::cout << "\n";
  std::cout << "submissions " << f["submissions"] << ": acknowledged " << f["acknowledged"]
            << ", already " << f["already"] << ", told to retry (503) " << f["told_to_retry"]
            << " times, no answer (retried) " << f["transport_errors"] << " times, not sent "
            << f["not_sent"] << "\n"
            << "refused synchronously: " << f["refused"].dump() << "\n"
            << "verdicts: accepted " << f["accepted"] << ", rejected " << f["rejected"].dump()
            << "\nLOST (acknowledged, no verdict by the end): " << f["lost"] << "\n\n";
  std::cout << "  from submission start         p50 ms   p95 ms   p99 ms    max ms     n\n";
  print_latency("to acknowledgement", f["ack"]);
  print_latency("to verdict", f["verdict"]);
  std::cout << "\nverifications: " << app::fixed(f["verifications_per_s"].get<double>(), 1)
            << "/s (verdicts over " << app::fixed(f["verification_span_s"].get<double>(), 1)
            << " s from the first acknowledgement to the last verdict)";
  if (f.contains("server_mean_verify_ms")) {
    std::cout << "; the server's mean verification "
              << app::fixed(f["server_mean_verify_ms"].get<double>(), 1)
              << " ms, so its capacity with one worker per core is "
              << app::fixed(f["server_capacity_per_s"].get<double>(), 1) << "/s";
  }
  std::cout << "\n";
  const auto& c = f["correctness"];
  std::cout << "correctness: genuine accepted "
            << app::fixed(c["genuine_accepted_pct"].get<double>(), 1) << " %, wrong face rejected "
            << app::fixed(c["wrong_face_rejected_pct"].get<double>(), 1)
            << " %, wrong code refused " << app::fixed(c["wrong_code_refused_pct"].get<double>(), 1)
            << " %, outside refused " << app::fixed(c["outside_refused_pct"].get<double>(), 1)
            << " %\n";
  std::cout << "by kind: " << f["by_kind"].dump() << "\n";
  for (const auto& [what, n] : f["genuine_rejected"].items()) {
    std::cout << "  genuine rejected: " << what << " x" << n << "\n";
  }
  if (r.contains("kill")) std::cout << "kill: " << r["kill"].dump() << "\n";
  if (!r["metrics"].empty()) {
    std::cout << "\nserver /metrics (rollcall_checkin*):\n";
    for (const auto& line : r["metrics"]) std::cout << "  " << line.get<std::string>() << "\n";
  }
  std::cout << "\ntargets\n";
  for (const auto& t : r["targets"]) {
    std::cout << "  " << (t["pass"].get<bool>() ? "PASS " : "MISS ")
              << t["target"].get<std::string>() << ": " << t["measured"].get<std::string>() << "\n";
  }
  if (r["server"].contains("log_tail")) {
    std::cout << "\nserver log, last lines:\n"
              << r["server"]["log_tail"].get<std::string>() << "\n";
  }
}

}  // namespace

void add_checkin_bench_command(CLI::App& bench) {
  static Options options;
  auto* c = bench.add_subcommand(
      "checkin", "self check-in from outside: a class of phones against a real `rollcall serve`");
  c->add_option("--mode", options.mode,
                "spread (500 over a 90 s window), burst (300 in 5 s), sustained (16 threads, each "
                "waiting for its verdict, for 30 s), kill (spread, SIGKILL and restart at 40 %)")
      ->check(CLI::IsMember({"spread", "burst", "sustained", "kill"}));
  c->add_option("--students", options.students, "students (default: the mode's)")
      ->check(CLI::Range(1, 100'000));
  c->add_option("--window", options.window_s, "check-in window, seconds (default 90; --quick 30)")
      ->check(CLI::Range(5, 3600));
  c->add_option("--wrong-face", options.wrong_face, "fraction sending another person's photo")
      ->check(CLI::Range(0.0, 1.0));
  c->add_option("--wrong-code", options.wrong_code, "fraction sending a wrong code")
      ->check(CLI::Range(0.0, 1.0));
  c->add_option("--outside", options.outside, "fraction 200 m outside the fence")
      ->check(CLI::Range(0.0, 1.0));
  c->add_option("--video-fraction", options.video_fraction,
                "fraction of genuine lin_manuel_miranda students sending a 3 s clip (ffmpeg)")
      ->check(CLI::Range(0.0, 1.0));
  c->add_option("--pollers", options.pollers, "threads polling verdicts")->check(CLI::Range(1, 64));
  c->add_option("--seed", options.seed, "random seed of the plan");
  c->add_option("--database", options.database,
                "postgres://user@host:port/db to run on PostgreSQL in a scratch database created "
                "beside db (ROLLCALL_BENCH_POSTGRES); default SQLite");
  c->add_option("--models", options.models_dir, "model directory (ROLLCALL_MODELS)");
  c->add_option("--data", options.data_dir, "photos laid out like ../shared/data (ROLLCALL_DATA)")
      ->check(CLI::ExistingDirectory);
  c->add_flag("--quick", options.is_quick, "60 students, 30 s windows (CI smoke run, < 90 s)");
  c->add_flag("--json", options.is_json, "print JSON");
  c->callback([] {
    json r;
    try {
      r = run(options);
    } catch (const std::exception& e) {
      throw CLI::RuntimeError(app::report_error(make_error("bench_failed", e.what())));
    }
    if (options.is_json) {
      app::print_json(r);
    } else {
      print_table(r);
    }
    const int lost = r["figures"]["lost"].get<int>();
    if (lost > 0) {
      throw CLI::RuntimeError(app::report_error(make_error(
          "checkins_lost", std::to_string(lost) + " acknowledged check-ins got no verdict")));
    }
  });
}

}  // namespace rollcall::bench
