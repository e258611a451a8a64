// bench/checkin_traffic.cc
#include "checkin_traffic.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <ctime>
#include <deque>
#include <mutex>
#include <queue>
#include <thread>

#include <nlohmann/json.hpp>

#include "base/clock.h"
#include "bench_http.h"

namespace rollcall::bench {
namespace {

using nlohmann::json;
using SteadyClock = std::chrono::steady_clock;
using TimePoint = SteadyClock::time_point;

constexpr double kReconnectS = 0.25;  // a phone retrying while the server restarts

TimePoint after(TimePoint t, double seconds) {
  return t +
         std::chrono::duration_cast<SteadyClock::duration>(std::chrono::duration<double>(seconds));
}

double ms_between(TimePoint a, TimePoint b) {
  return std::chrono::duration<double, std::milli>(b - a).count();
}

// "2026-11-25T09:30:00.123Z" -> Unix ms; 0 when it is not that shape.
std::int64_t parse_utc_ms(const std::string& text) {
  std::tm t{};
  int millis = 0;
  if (std::sscanf(text.c_str(), "%d-%d-%dT%d:%d:%d.%dZ", &t.tm_year, &t.tm_mon, &t.tm_mday,
                  &t.tm_hour, &t.tm_min, &t.tm_sec, &millis) < 6) {
    return 0;
  }
  t.tm_year -= 1900;
  t.tm_mon -= 1;
  return static_cast<std::int64_t>(timegm(&t)) * 1000 + millis;
}

std::string error_code_of(const std::string& body) {
  try {
    return json::parse(body).at("error").at("code").get<std::string>();
  } catch (const std::exception&) {
    return "unreadable_error";
  }
}

// Due items, earliest first; a worker waits until the first is due.
class Schedule {
 public:
  void push(TimePoint when, std::size_t item) {
    {
      std::lock_guard lock(mutex_);
      queue_.push({when, item});
    }
    changed_.notify_one();
  }
  // The next due item, or nothing once `is_done()` holds with the queue
  // empty, or at `stop`.
  std::optional<std::size_t> pop(const std::function<bool()>& is_done, TimePoint stop) {
    std::unique_lock lock(mutex_);
    while (true) {
      const auto now = SteadyClock::now();
      if (now >= stop) return std::nullopt;
      if (queue_.empty()) {
        if (is_done()) return std::nullopt;
        changed_.wait_for(lock, std::chrono::milliseconds(50));
        continue;
      }
      const auto top = queue_.top();
      if (top.when <= now) {
        queue_.pop();
        return top.item;
      }
      changed_.wait_until(lock, std::min(top.when, stop));
    }
  }
  std::size_t size() {
    std::lock_guard lock(mutex_);
    return queue_.size();
  }

 private:
  struct Entry {
    TimePoint when;
    std::size_t item;
    bool operator<(const Entry& o) const { return when > o.when; }  // min-heap
  };
  std::mutex mutex_;
  std::condition_variable changed_;
  std::priority_queue<Entry> queue_;
};

struct Shared {
  Shared(std::vector<Attempt>& a, const TrafficOptions& o) : attempts(a), options(o) {}
  std::vector<Attempt>& attempts;
  const TrafficOptions& options;
  TimePoint start;
  TimePoint deadline;
  TimePoint stop_sending;
  Schedule to_send;
  Schedule to_poll;
  std::atomic<int> sending{0};  // attempts not yet finally answered
  std::atomic<int> polling{0};  // acknowledged attempts without a verdict
  std::atomic<bool> is_sending_over{false};
  std::mutex last_mutex;
  TimePoint last_answer;
};

// One request of one attempt; true when the attempt is finished with.
bool send_once(Shared& s, std::size_t index) {
  Attempt& a = s.attempts[index];
  if (!a.sent) {
    a.sent = true;
    a.started = SteadyClock::now();
    a.started_wall_ms = unix_ms_now();
  }
  // A fresh connection: every student is a different phone.
  auto client = client_of(s.options.port, "", false);
  client->set_read_timeout(30);
  const auto reply = reply_of(client->Post("/api/v1/checkins", a.form));
  a.status = reply.status;
  const auto now = SteadyClock::now();
  if (reply.status == 0) {
    ++a.transport_errors;
    s.to_send.push(after(now, kReconnectS), index);
    return false;
  }
  if (reply.status == 503) {
    ++a.told_to_retry;
    double wait_s = 1;
    if (auto it = reply.headers.find("Retry-After"); it != reply.headers.end()) {
      try {
        wait_s = std::max(0.05, std::stod(it->second));
      } catch (const std::exception&) {
      }
    }
    a.refusal = error_code_of(reply.body);
    s.to_send.push(after(now, wait_s), index);
    return false;
  }
  if (reply.status == 202 || reply.status == 200) {
    try {
      const auto body = json::parse(reply.body);
      a.id = body.at("id").get<std::string>();
      a.already = body.value("already", false) || reply.status == 200;
      a.state = body.value("state", "");
    } catch (const std::exception&) {
      a.refusal = "unreadable_acknowledgement";
      return true;
    }
    a.refusal.clear();
    a.ack_ms = ms_between(a.started, now);
    if (s.options.is_closed_loop) return true;  // the submitter polls it
    ++s.polling;
    s.to_poll.push(after(now, s.options.poll_interval_ms / 1000), index);
    return true;
  }
  a.refusal = error_code_of(reply.body);
  return true;
}

bool poll_once(Shared& s, httplib::Client& client, std::size_t index);

void submitter(Shared& s) {
  const auto is_done = [&s] { return s.sending.load() == 0; };
  std::unique_ptr<httplib::Client> own_poller;
  while (auto index = s.to_send.pop(is_done, std::min(s.deadline, s.stop_sending))) {
    if (!send_once(s, *index)) continue;
    {
      std::lock_guard lock(s.last_mutex);
      s.last_answer = SteadyClock::now();
    }
    --s.sending;
    if (!s.options.is_closed_loop || s.attempts[*index].id.empty()) continue;
    if (!own_poller) own_poller = client_of(s.options.port, "", true);
    while (SteadyClock::now() < s.deadline) {
      std::this_thread::sleep_for(
          std::chrono::duration<double, std::milli>(s.options.poll_interval_ms));
      if (poll_once(s, *own_poller, *index)) break;
    }
  }
}

// Polls one acknowledged attempt; true once it has its verdict.
bool poll_once(Shared& s, httplib::Client& client, std::size_t index) {
  Attempt& a = s.attempts[index];
  ++a.polls;
  const auto reply = reply_of(client.Get(("/api/v1/checkins/" + a.id).c_str()));
  if (reply.status != 200) return false;  // down for a restart, or busy: ask again
  try {
    const auto body = json::parse(reply.body);
    a.state = body.value("state", "");
    if (a.state != "accepted" && a.state != "rejected") return false;
    const auto& verdict = body.at("verdict");
    a.verdict = verdict.is_object() ? verdict.value("code", a.state) : a.state;
    // The server's own time of the verdict (same machine, same clock), so
    // the figure does not depend on how often this poller looks.
    a.verified_wall_ms = body.value("verified_at", json()).is_string()
                             ? parse_utc_ms(body["verified_at"].get<std::string>())
                             : 0;
    if (a.verified_wall_ms == 0) a.verified_wall_ms = unix_ms_now();
    a.verdict_ms = static_cast<double>(a.verified_wall_ms - a.started_wall_ms);
    return true;
  } catch (const std::exception&) {
    return false;
  }
}

void poller(Shared& s) {
  auto client = client_of(s.options.port, "", true);
  client->set_read_timeout(10);
  const double gap_ms = 1000.0 * s.options.pollers / std::max(1.0, s.options.polls_per_s);
  const auto is_done = [&s] { return s.is_sending_over.load() && s.polling.load() == 0; };
  while (auto index = s.to_poll.pop(is_done, s.deadline)) {
    const auto began = SteadyClock::now();
    if (poll_once(s, *client, *index)) {
      --s.polling;
    } else {
      s.to_poll.push(after(SteadyClock::now(), s.options.poll_interval_ms / 1000), *index);
    }
    // Bounds the pollers' load on the server; the verdict's time comes from
    // the server, so a slower look costs no precision.
    const double left_ms = gap_ms - ms_between(began, SteadyClock::now());
    if (left_ms > 0)
      std::this_thread::sleep_for(std::chrono::duration<double, std::milli>(left_ms));
  }
}

}  // namespace

const char* to_string(Kind kind) {
  switch (kind) {
    case Kind::genuine:
      return "genuine";
    case Kind::wrong_face:
      return "wrong_face";
    case Kind::wrong_code:
      return "wrong_code";
    case Kind::outside:
      return "outside";
  }
  return "?";
}

TrafficTimes run_traffic(std::vector<Attempt>& attempts, const TrafficOptions& o) {
  Shared s(attempts, o);
  s.start = SteadyClock::now();
  s.deadline = after(s.start, o.deadline_s);
  s.stop_sending = o.stop_sending_s > 0 ? after(s.start, o.stop_sending_s) : s.deadline;
  s.last_answer = s.start;
  TrafficTimes times;
  times.start_wall_ms = unix_ms_now();
  s.sending = static_cast<int>(attempts.size());
  for (std::size_t i = 0; i < attempts.size(); ++i)
    s.to_send.push(after(s.start, attempts[i].at_s), i);

  std::vector<std::thread> pollers;
  for (int p = 0; p < o.pollers; ++p) pollers.emplace_back([&s] { poller(s); });
  std::vector<std::thread> senders;
  for (int t = 0; t < o.submitters; ++t) senders.emplace_back([&s] { submitter(s); });
  std::thread reporter([&] {
    while (!(s.is_sending_over.load() && s.polling.load() == 0) &&
           SteadyClock::now() < s.deadline) {
      for (int i = 0; i < 50 && !(s.is_sending_over.load() && s.polling.load() == 0); ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
      }
      if (o.progress) {
        o.progress(
            std::to_string(static_cast<int>(ms_between(s.start, SteadyClock::now()) / 1000)) +
            " s: " + std::to_string(s.sending.load()) + " to send, " +
            std::to_string(s.polling.load()) + " awaiting a verdict");
      }
    }
  });
  // The event runs on this thread, the one that started the server: a
  // child started from a thread that then ends would be sent SIGTERM
  // (PR_SET_PDEATHSIG follows the forking thread, not the process).
  if (o.event_at_s >= 0 && o.event) {
    std::this_thread::sleep_until(after(s.start, o.event_at_s));
    o.event();
  }
  for (auto& t : senders) t.join();
  {
    std::lock_guard lock(s.last_mutex);
    times.sending_s = ms_between(s.start, s.last_answer) / 1000;
  }
  s.is_sending_over = true;
  for (auto& t : pollers) t.join();
  reporter.join();
  times.total_s = ms_between(s.start, SteadyClock::now()) / 1000;
  return times;
}

}  // namespace rollcall::bench
