// bench/checkin_traffic.h
//
// The phones of `rollcall bench checkin`: each planned submission sent at
// its time on a fresh connection (each student is a different phone),
// retried when the server says queue_full (after its Retry-After) or
// cannot be reached (a restart), then its verdict polled by a small pool of
// keep-alive pollers until it is accepted or rejected.
// Owns: when requests go out, the retry rules, the clocks every figure is
// measured with (submission start, acknowledgement, verdict).
// Leaves to others: what is planned and what the figures mean
// (checkin_bench.cc); the server (src/http/routes_checkin.cc).
// Thread safety: run_traffic() is called once; its threads touch only
// their own Attempt or the shared queues under a mutex.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <httplib.h>

namespace rollcall::bench {

enum class Kind { genuine, wrong_face, wrong_code, outside };
const char* to_string(Kind kind);

// One student's submission: what it sends and what became of it.
struct Attempt {
  // The plan.
  int student = 0;
  Kind kind = Kind::genuine;
  double at_s = 0;  // when to send, from the start of the run
  std::int64_t session_id = 0;
  std::int64_t grace_ends_ms = 0;  // its window's close + grace, wall clock
  httplib::MultipartFormDataItems form;
  bool is_video = false;
  std::string shown;  // what the face part is (identities/<person>/NN.jpg), for the report

  // The outcome.
  bool sent = false;
  std::int64_t started_wall_ms = 0;  // first request's start
  std::chrono::steady_clock::time_point started;
  int status = 0;       // the final answer's status (0: never answered)
  std::string refusal;  // error code of a 4xx (or 503 given up on)
  std::string id;       // "ck_..." once acknowledged (202) or already (200)
  bool already = false;
  int told_to_retry = 0;     // 503 queue_full answers
  int transport_errors = 0;  // no answer: the server was down or overloaded
  double ack_ms = -1;        // first request start -> 202/200
  std::string state;         // last state seen: queued, verifying, accepted, rejected
  std::string verdict;       // verdict code once accepted or rejected
  double verdict_ms = -1;    // first request start -> the server's verified_at
  std::int64_t verified_wall_ms = 0;
  int polls = 0;
};

struct TrafficOptions {
  int port = 0;
  int submitters = 32;
  int pollers = 4;
  double poll_interval_ms = 200;
  double polls_per_s = 100;   // all pollers together: they must not load the server
  double stop_sending_s = 0;  // > 0: nothing new goes out after this (sustained)
  // Each submitter waits for its submission's verdict (polling it every
  // poll_interval_ms itself) before taking the next: a closed loop with
  // `submitters` check-ins in flight (sustained).
  bool is_closed_loop = false;
  double deadline_s = 0;  // give up sending and polling after this
  // Called once at `event_at_s` on the calling thread (the kill mode's
  // SIGKILL and restart; see ServerProcess::restart); nothing when
  // event_at_s < 0.
  double event_at_s = -1;
  std::function<void()> event;
  std::function<void(const std::string&)> progress;
};

struct TrafficTimes {
  std::int64_t start_wall_ms = 0;
  double sending_s = 0;  // start -> last submission answered
  double total_s = 0;    // start -> last verdict or the deadline
};

// Sends every attempt and polls every acknowledged one to its verdict or
// the deadline.
TrafficTimes run_traffic(std::vector<Attempt>& attempts, const TrafficOptions& options);

}  // namespace rollcall::bench
