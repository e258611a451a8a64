// src/http/metrics.h
//
// Metrics: counters, gauges and histograms of the running server, rendered
// for GET /metrics in the Prometheus text exposition format 0.0.4
// (https://prometheus.io/docs/instrumenting/exposition_formats/).
// Owns: the registry and its rendering. Leaves to others: timing requests
// and face stages (the callers pass seconds) and serving the text (routes).
// Invariants: one metric name has one type and one help text (the first
// use of a name fixes them; later uses with another type are dropped);
// counters never go down.
// Label values are free text, escaped on output; callers pass route
// patterns ("/api/students/{id}"), never raw paths, to keep the number of
// series bounded.
// Thread safety: every method may be called from any thread; each holds
// one mutex only for a map update, and render() copies under it and
// formats outside.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <iterator>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace rollcall::http {

using Labels = std::vector<std::pair<std::string, std::string>>;

// Upper bounds in seconds; +Inf is implied. Prometheus client defaults plus
// 0.005..10 s cover a cached lookup up to a 150-face class photo.
inline constexpr double kLatencyBuckets[] = {.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10};
inline constexpr std::size_t kLatencyBucketCount = std::size(kLatencyBuckets);

class Metrics {
 public:
  Metrics() = default;
  Metrics(const Metrics&) = delete;
  Metrics& operator=(const Metrics&) = delete;

  // rollcall_http_requests_total{method,route,status} and
  // rollcall_http_request_duration_seconds{method,route}.
  void observe_request(std::string_view method, std::string_view route, int status, double seconds);

  // rollcall_face_stage_seconds{stage}: decode, detect, embed, match...
  void observe_stage(std::string_view stage, double seconds);

  // Sets a gauge (queue depth, gallery size...).
  void set_gauge(std::string_view name, std::string_view help, double value,
                 const Labels& labels = {});

  // Adds `delta` (ignored unless > 0) to a counter; names end in _total.
  void add_counter(std::string_view name, std::string_view help, double delta,
                   const Labels& labels = {});

  // Adds one observation to a histogram with kLatencyBuckets.
  void observe(std::string_view name, std::string_view help, double value,
               const Labels& labels = {});

  // Every metric with at least one series, sorted by name then labels.
  std::string render() const;

 private:
  enum class Type { counter, gauge, histogram };

  struct Histogram {
    std::uint64_t buckets[kLatencyBucketCount] = {};  // not cumulative; +Inf is count
    std::uint64_t count = 0;
    double sum = 0;
  };

  struct Family {
    Type type = Type::counter;
    std::string help;
    std::map<std::string, double> values;         // rendered labels -> value
    std::map<std::string, Histogram> histograms;  // rendered labels -> histogram
  };

  // The family `name` of `type`, created with `help` if new; nullptr if the
  // name is taken by another type. Requires: mutex_ held.
  Family* family(std::string_view name, std::string_view help, Type type);

  mutable std::mutex mutex_;
  std::map<std::string, Family, std::less<>> families_;  // guarded by mutex_
};

}  // namespace rollcall::http
