// tests/http/metrics_test.cc
//
// The /metrics text, read back the way Prometheus reads it.
#include "http/metrics.h"

#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <sstream>
#include <thread>

namespace rollcall::http {
namespace {

struct Exposition {
  std::map<std::string, double> samples;  // `name{labels}` as written -> value
  std::map<std::string, std::string> types;
  std::map<std::string, std::string> helps;
  std::vector<std::string> bad_lines;
};

// A small reader of format 0.0.4: comment lines and `series value` lines,
// where the series may hold escaped quotes and spaces inside its braces.
Exposition parse(const std::string& text) {
  Exposition out;
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.starts_with("# HELP ")) {
      const auto space = line.find(' ', 7);
      out.helps[line.substr(7, space - 7)] = line.substr(space + 1);
      continue;
    }
    if (line.starts_with("# TYPE ")) {
      const auto space = line.find(' ', 7);
      if (out.types.contains(line.substr(7, space - 7))) out.bad_lines.push_back(line);
      out.types[line.substr(7, space - 7)] = line.substr(space + 1);
      continue;
    }
    std::size_t end = 0;
    bool is_quoted = false;
    for (; end < line.size(); ++end) {
      if (line[end] == '\\' && is_quoted) {
        ++end;
      } else if (line[end] == '"') {
        is_quoted = !is_quoted;
      } else if (line[end] == ' ' && !is_quoted) {
        break;
      }
    }
    if (end >= line.size()) {
      out.bad_lines.push_back(line);
      continue;
    }
    const auto value = line.substr(end + 1);
    out.samples[line.substr(0, end)] = value == "+Inf" ? INFINITY : std::stod(value);
  }
  return out;
}

TEST(Metrics, RendersNothingBeforeAnyObservation) { EXPECT_EQ(Metrics().render(), ""); }

TEST(Metrics, CountsRequestsByMethodRouteAndStatus) {
  Metrics metrics;
  metrics.observe_request("GET", "/api/students", 200, 0.01);
  metrics.observe_request("GET", "/api/students", 200, 0.02);
  metrics.observe_request("POST", "/api/students", 422, 0.03);
  const auto exposition = parse(metrics.render());
  EXPECT_TRUE(exposition.bad_lines.empty());
  EXPECT_EQ(exposition.types.at("rollcall_http_requests_total"), "counter");
  EXPECT_EQ(exposition.samples.at(
                R"(rollcall_http_requests_total{method="GET",route="/api/students",status="200"})"),
            2);
  EXPECT_EQ(
      exposition.samples.at(
          R"(rollcall_http_requests_total{method="POST",route="/api/students",status="422"})"),
      1);
  EXPECT_FALSE(exposition.helps.at("rollcall_http_requests_total").empty());
}

TEST(Metrics, HistogramBucketsAreCumulativeWithInfSumAndCount) {
  Metrics metrics;
  for (const double seconds : {0.003, 0.02, 0.7, 20.0}) metrics.observe_stage("detect", seconds);
  const auto exposition = parse(metrics.render());
  EXPECT_EQ(exposition.types.at("rollcall_face_stage_seconds"), "histogram");
  const auto bucket = [&](const std::string& le) {
    return exposition.samples.at("rollcall_face_stage_seconds_bucket{stage=\"detect\",le=\"" + le +
                                 "\"}");
  };
  const std::map<std::string, double> expected = {
      {"0.005", 1}, {"0.01", 1}, {"0.025", 2}, {"0.05", 2}, {"0.1", 2}, {"0.25", 2},
      {"0.5", 2},   {"1", 3},    {"2.5", 3},   {"5", 3},    {"10", 3},  {"+Inf", 4}};
  for (const auto& [le, count] : expected) EXPECT_EQ(bucket(le), count) << "le=" << le;
  EXPECT_EQ(exposition.samples.at("rollcall_face_stage_seconds_count{stage=\"detect\"}"), 4);
  EXPECT_DOUBLE_EQ(exposition.samples.at("rollcall_face_stage_seconds_sum{stage=\"detect\"}"),
                   0.003 + 0.02 + 0.7 + 20.0);
}

TEST(Metrics, AnObservationOnABucketBoundCountsInThatBucket) {
  Metrics metrics;
  metrics.observe_stage("embed", 0.1);  // le means "less than or equal"
  const auto exposition = parse(metrics.render());
  EXPECT_EQ(exposition.samples.at(R"(rollcall_face_stage_seconds_bucket{stage="embed",le="0.1"})"),
            1);
  EXPECT_EQ(exposition.samples.at(R"(rollcall_face_stage_seconds_bucket{stage="embed",le="0.05"})"),
            0);
}

TEST(Metrics, RequestDurationIsAHistogramByMethodAndRoute) {
  Metrics metrics;
  metrics.observe_request("GET", "/health", 200, 0.001);
  const auto exposition = parse(metrics.render());
  EXPECT_EQ(exposition.samples.at(
                R"(rollcall_http_request_duration_seconds_count{method="GET",route="/health"})"),
            1);
  EXPECT_EQ(
      exposition.samples.at(
          R"(rollcall_http_request_duration_seconds_bucket{method="GET",route="/health",le="0.005"})"),
      1);
}

TEST(Metrics, LabelValuesAreEscaped) {
  Metrics metrics;
  metrics.add_counter("rollcall_odd_total", "Odd labels.", 1, {{"value", "a\\b\"c\nd"}});
  const auto text = metrics.render();
  EXPECT_NE(text.find(R"(rollcall_odd_total{value="a\\b\"c\nd"} 1)"), std::string::npos) << text;
  EXPECT_TRUE(parse(text).bad_lines.empty());
}

TEST(Metrics, HelpTextIsEscaped) {
  Metrics metrics;
  metrics.set_gauge("rollcall_queue_depth", "Jobs waiting.\nBack\\slash", 3);
  EXPECT_NE(metrics.render().find("# HELP rollcall_queue_depth Jobs waiting.\\nBack\\\\slash\n"),
            std::string::npos)
      << metrics.render();
}

TEST(Metrics, GaugeKeepsTheLastValue) {
  Metrics metrics;
  metrics.set_gauge("rollcall_gallery_templates", "Templates in memory.", 10);
  metrics.set_gauge("rollcall_gallery_templates", "Templates in memory.", 7.5);
  const auto exposition = parse(metrics.render());
  EXPECT_EQ(exposition.types.at("rollcall_gallery_templates"), "gauge");
  EXPECT_EQ(exposition.samples.at("rollcall_gallery_templates"), 7.5);
}

TEST(Metrics, CounterIgnoresNegativeDeltas) {
  Metrics metrics;
  metrics.add_counter("rollcall_jobs_total", "Jobs run.", 2, {{"kind", "import"}});
  metrics.add_counter("rollcall_jobs_total", "Jobs run.", -5, {{"kind", "import"}});
  EXPECT_EQ(parse(metrics.render()).samples.at(R"(rollcall_jobs_total{kind="import"})"), 2);
}

TEST(Metrics, ANameKeepsTheTypeItWasFirstUsedWith) {
  Metrics metrics;
  metrics.add_counter("rollcall_things", "Things.", 1);
  metrics.set_gauge("rollcall_things", "Things.", 100);
  const auto exposition = parse(metrics.render());
  EXPECT_EQ(exposition.types.at("rollcall_things"), "counter");
  EXPECT_EQ(exposition.samples.at("rollcall_things"), 1);
}

TEST(Metrics, InvalidNameCharactersBecomeUnderscores) {
  Metrics metrics;
  metrics.set_gauge("rollcall.queue-depth", "Jobs.", 1, {{"a-b", "x"}});
  EXPECT_NE(metrics.render().find("rollcall_queue_depth{a_b=\"x\"} 1"), std::string::npos);
}

TEST(Metrics, ConcurrentObservationsAreAllCounted) {
  Metrics metrics;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&metrics] {
      for (int i = 0; i < 1000; ++i) {
        metrics.observe_request("GET", "/x", 200, 0.001);
        if (i % 100 == 0) (void)metrics.render();
      }
    });
  }
  for (auto& thread : threads) thread.join();
  const auto exposition = parse(metrics.render());
  EXPECT_EQ(exposition.samples.at(
                R"(rollcall_http_requests_total{method="GET",route="/x",status="200"})"),
            4000);
  EXPECT_EQ(exposition.samples.at(
                R"(rollcall_http_request_duration_seconds_count{method="GET",route="/x"})"),
            4000);
}

}  // namespace
}  // namespace rollcall::http
