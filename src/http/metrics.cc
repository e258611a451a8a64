// src/http/metrics.cc
#include "http/metrics.h"

#include <charconv>
#include <cmath>

namespace rollcall::http {
namespace {

// Names must match [a-zA-Z_:][a-zA-Z0-9_:]* (labels: no ':'); other bytes
// become '_' so one bad name cannot make the whole page unparseable.
std::string sanitized(std::string_view name, bool is_label) {
  std::string out(name.empty() ? "_" : name);
  for (std::size_t i = 0; i < out.size(); ++i) {
    const char c = out[i];
    const bool is_ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
                       (c == ':' && !is_label) || (i > 0 && c >= '0' && c <= '9');
    if (!is_ok) out[i] = '_';
  }
  return out;
}

// The format's escapes: label values \\ \" \n; help text \\ \n.
std::string escaped(std::string_view text, bool is_label_value) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '"' && is_label_value) {
      out += "\\\"";
    } else {
      out += c;
    }
  }
  return out;
}

std::string label_text(const Labels& labels) {
  std::string out;
  for (const auto& [name, value] : labels) {
    if (!out.empty()) out += ',';
    out += sanitized(name, true) + "=\"" + escaped(value, true) + "\"";
  }
  return out;
}

std::string number(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  char buffer[32];
  const auto [end, error] = std::to_chars(buffer, buffer + sizeof buffer, value);
  return error == std::errc() ? std::string(buffer, end) : "NaN";
}

// name{labels,extra} with the braces left out when both are empty.
std::string series(const std::string& name, const std::string& labels, const std::string& extra) {
  if (labels.empty() && extra.empty()) return name;
  if (labels.empty()) return name + "{" + extra + "}";
  if (extra.empty()) return name + "{" + labels + "}";
  return name + "{" + labels + "," + extra + "}";
}

}  // namespace

Metrics::Family* Metrics::family(std::string_view name, std::string_view help, Type type) {
  auto found = families_.find(name);
  if (found == families_.end()) {
    found = families_.emplace(std::string(name), Family{type, std::string(help), {}, {}}).first;
  }
  return found->second.type == type ? &found->second : nullptr;
}

void Metrics::observe_request(std::string_view method, std::string_view route, int status,
                              double seconds) {
  add_counter("rollcall_http_requests_total",
              "HTTP requests answered, by method, route and status.", 1,
              {{"method", std::string(method)},
               {"route", std::string(route)},
               {"status", std::to_string(status)}});
  observe("rollcall_http_request_duration_seconds",
          "Time to answer an HTTP request, by method and route.", seconds,
          {{"method", std::string(method)}, {"route", std::string(route)}});
}

void Metrics::observe_stage(std::string_view stage, double seconds) {
  observe("rollcall_face_stage_seconds", "Time spent in one stage of the face pipeline.", seconds,
          {{"stage", std::string(stage)}});
}

void Metrics::set_gauge(std::string_view name, std::string_view help, double value,
                        const Labels& labels) {
  const auto key = label_text(labels);
  const auto clean = sanitized(name, false);
  std::lock_guard lock(mutex_);
  if (auto* f = family(clean, help, Type::gauge)) f->values[key] = value;
}

void Metrics::add_counter(std::string_view name, std::string_view help, double delta,
                          const Labels& labels) {
  if (!(delta > 0)) return;  // also drops NaN
  const auto key = label_text(labels);
  const auto clean = sanitized(name, false);
  std::lock_guard lock(mutex_);
  if (auto* f = family(clean, help, Type::counter)) f->values[key] += delta;
}

void Metrics::observe(std::string_view name, std::string_view help, double value,
                      const Labels& labels) {
  if (std::isnan(value)) return;
  const auto key = label_text(labels);
  const auto clean = sanitized(name, false);
  std::size_t bucket = 0;
  while (bucket < kLatencyBucketCount && value > kLatencyBuckets[bucket]) ++bucket;
  std::lock_guard lock(mutex_);
  auto* f = family(clean, help, Type::histogram);
  if (!f) return;
  auto& histogram = f->histograms[key];
  if (bucket < kLatencyBucketCount) ++histogram.buckets[bucket];
  ++histogram.count;
  histogram.sum += value;
}

std::string Metrics::render() const {
  decltype(families_) snapshot;
  {
    std::lock_guard lock(mutex_);
    snapshot = families_;
  }
  static const char* kTypes[] = {"counter", "gauge", "histogram"};
  std::string out;
  for (const auto& [name, f] : snapshot) {
    if (f.values.empty() && f.histograms.empty()) continue;
    out += "# HELP " + name + " " + escaped(f.help, false) + "\n";
    out += "# TYPE " + name + " " + kTypes[static_cast<int>(f.type)] + "\n";
    for (const auto& [labels, value] : f.values)
      out += series(name, labels, "") + " " + number(value) + "\n";
    for (const auto& [labels, h] : f.histograms) {
      std::uint64_t cumulative = 0;
      for (std::size_t i = 0; i < kLatencyBucketCount; ++i) {
        cumulative += h.buckets[i];
        out += series(name + "_bucket", labels, "le=\"" + number(kLatencyBuckets[i]) + "\"") + " " +
               std::to_string(cumulative) + "\n";
      }
      out += series(name + "_bucket", labels, "le=\"+Inf\"") + " " + std::to_string(h.count) + "\n";
      out += series(name + "_sum", labels, "") + " " + number(h.sum) + "\n";
      out += series(name + "_count", labels, "") + " " + std::to_string(h.count) + "\n";
    }
  }
  return out;
}

}  // namespace rollcall::http
