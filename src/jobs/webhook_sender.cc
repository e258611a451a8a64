// src/jobs/webhook_sender.cc
#include "jobs/webhook_sender.h"

#include <curl/curl.h>
#include <sodium.h>

#include <algorithm>
#include <chrono>
#include <nlohmann/json.hpp>
#include <optional>
#include <random>
#include <vector>

#include "base/clock.h"

namespace rollcall::jobs {
namespace {

constexpr std::size_t kKeptResponseBytes = 256;  // of a failed reply, for last_error

struct Outcome {
  bool is_aborted = false;  // stopped mid-request: not an attempt
  std::optional<std::int64_t> status;
  std::string error;  // "" when 2xx
};

std::size_t keep_some(char* data, std::size_t size, std::size_t count, void* out) {
  auto& kept = *static_cast<std::string*>(out);
  const std::size_t bytes = size * count;
  if (kept.size() < kKeptResponseBytes) {
    kept.append(data, std::min(bytes, kKeptResponseBytes - kept.size()));
  }
  return bytes;
}

int abort_when_stopping(void* stopping, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  return static_cast<std::atomic<bool>*>(stopping)->load() ? 1 : 0;
}

Outcome post(const store::WebhookEndpoint& endpoint, const store::WebhookDelivery& delivery,
             std::int64_t timeout_ms, std::atomic<bool>& stopping) {
  Outcome outcome;
  CURL* curl = curl_easy_init();
  if (curl == nullptr) {
    outcome.error = "cannot create a libcurl handle";
    return outcome;
  }
  const std::string timestamp = std::to_string(unix_ms_now() / 1000);
  const std::string& body = delivery.payload_json;
  curl_slist* headers = nullptr;
  for (const std::string& header : {
           std::string("Content-Type: application/json"),
           std::string("User-Agent: Rollcall-Webhooks/1"), "X-Rollcall-Event: " + delivery.event,
           "X-Rollcall-Delivery: " + delivery.delivery_id, "X-Rollcall-Timestamp: " + timestamp,
           "X-Rollcall-Signature: " + webhook_signature(endpoint.secret, timestamp, body),
           std::string("Expect:"),  // no 100-continue round trip
       }) {
    headers = curl_slist_append(headers, header.c_str());
  }
  std::string response;
  curl_easy_setopt(curl, CURLOPT_URL, endpoint.url.c_str());
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);  // a 3xx is a failure, never followed
  curl_easy_setopt(curl, CURLOPT_POST, 1L);
  curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body.data());
  curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(timeout_ms));
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(timeout_ms));
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, keep_some);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &response);
  curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, abort_when_stopping);
  curl_easy_setopt(curl, CURLOPT_XFERINFODATA, &stopping);
  const CURLcode code = curl_easy_perform(curl);
  if (code == CURLE_ABORTED_BY_CALLBACK) {
    outcome.is_aborted = true;
  } else if (code != CURLE_OK) {
    outcome.error = std::string("request failed: ") + curl_easy_strerror(code);
  } else {
    long status = 0;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    outcome.status = status;
    if (status < 200 || status > 299) {
      outcome.error = "HTTP " + std::to_string(status) + (response.empty() ? "" : ": " + response);
    }
  }
  curl_slist_free_all(headers);
  curl_easy_cleanup(curl);
  return outcome;
}

struct Claimed {
  store::WebhookDelivery delivery;
  std::optional<store::WebhookEndpoint> endpoint;
};

}  // namespace

std::string webhook_signature(const std::string& secret, const std::string& timestamp,
                              const std::string& body) {
  crypto_auth_hmacsha256_state state;
  crypto_auth_hmacsha256_init(&state, reinterpret_cast<const unsigned char*>(secret.data()),
                              secret.size());
  const std::string signed_text = timestamp + "." + body;
  crypto_auth_hmacsha256_update(&state, reinterpret_cast<const unsigned char*>(signed_text.data()),
                                signed_text.size());
  unsigned char mac[crypto_auth_hmacsha256_BYTES];
  crypto_auth_hmacsha256_final(&state, mac);
  char hex[crypto_auth_hmacsha256_BYTES * 2 + 1];
  sodium_bin2hex(hex, sizeof hex, mac, sizeof mac);
  return std::string("sha256=") + hex;
}

std::int64_t webhook_backoff_ms(std::int64_t attempts, std::int64_t base_ms, std::int64_t cap_ms) {
  std::int64_t wait = std::max<std::int64_t>(1, base_ms);
  for (std::int64_t i = 1; i < attempts && wait < cap_ms; ++i) wait *= 2;
  wait = std::min(wait, std::max<std::int64_t>(1, cap_ms));
  static thread_local std::mt19937_64 random{std::random_device{}()};
  std::uniform_real_distribution<double> factor(0.5, 1.0);
  return std::max<std::int64_t>(
      1, static_cast<std::int64_t>(static_cast<double>(wait) * factor(random)));
}

WebhookSender::WebhookSender(store::Store& store, WebhookSenderOptions options)
    : store_(store), options_(options) {
  if (sodium_init() < 0) log({{"event", "webhook_sodium_failed"}}, true);
  curl_global_init(CURL_GLOBAL_DEFAULT);
}

WebhookSender::~WebhookSender() {
  stop();
  curl_global_cleanup();
}

void WebhookSender::log(const nlohmann::json& event, bool is_warning) const {
  if (options_.log) options_.log(event, is_warning);
}

void WebhookSender::start() {
  if (thread_.joinable()) return;
  is_stopping_ = false;
  thread_ = std::thread([this] { run(); });
}

void WebhookSender::stop() {
  {
    std::lock_guard lock(mutex_);
    is_stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void WebhookSender::run() {
  while (!is_stopping_) {
    const std::size_t claimed = round();
    if (claimed >= static_cast<std::size_t>(options_.batch)) continue;  // more may be due
    std::unique_lock lock(mutex_);
    wake_.wait_for(lock, std::chrono::milliseconds(options_.poll_ms),
                   [this] { return is_stopping_.load(); });
  }
}

std::size_t WebhookSender::round() {
  // A lease longer than one request can take, so a live sender's row is
  // never taken over by another server.
  const std::int64_t lease_ms = 2 * options_.timeout_ms + 5000;
  std::vector<Claimed> claimed;
  auto done = store_.write([&](store::Tx& tx) -> Result<void> {
    claimed.clear();  // PostgreSQL may run this again
    auto due = tx.claim_webhook_deliveries(unix_ms_now(), options_.batch, lease_ms);
    if (!due) return due.error();
    for (auto& delivery : *due) {
      auto endpoint = tx.find_webhook_endpoint(delivery.endpoint);
      if (!endpoint) return endpoint.error();
      claimed.push_back({std::move(delivery), std::move(*endpoint)});
    }
    return {};
  });
  if (!done) {
    log({{"event", "webhook_claim_failed"},
         {"code", done.error().code},
         {"why", done.error().message}},
        true);
    return 0;
  }
  for (auto& claim : claimed) {
    // Named references, not a structured binding: clang 14 (the sanitizer
    // build) cannot capture a binding in the lambdas below.
    auto& delivery = claim.delivery;
    const auto& endpoint = claim.endpoint;
    if (!endpoint) continue;  // deleted meanwhile: its rows went with it
    if (is_stopping_) {
      // Unsent: back to the outbox, due now, for the next server.
      delivery.next_attempt_ms = unix_ms_now();
      (void)store_.write([&](store::Tx& tx) { return tx.update_webhook_delivery(delivery); });
      continue;
    }
    const Outcome outcome = post(*endpoint, delivery, options_.timeout_ms, is_stopping_);
    const std::int64_t now_ms = unix_ms_now();
    if (outcome.is_aborted) {
      delivery.next_attempt_ms = now_ms;
      (void)store_.write([&](store::Tx& tx) { return tx.update_webhook_delivery(delivery); });
      continue;
    }
    const bool is_delivered = outcome.error.empty();
    delivery.attempts += 1;
    delivery.last_status = outcome.status;
    delivery.last_error = outcome.error;
    bool is_given_up = false;
    if (is_delivered) {
      delivery.state = store::DeliveryState::delivered;
      delivery.delivered_ms = now_ms;
    } else if (delivery.attempts >= options_.max_attempts) {
      delivery.state = store::DeliveryState::failed;
      is_given_up = true;
    } else {
      delivery.next_attempt_ms =
          now_ms +
          webhook_backoff_ms(delivery.attempts, options_.retry_base_ms, options_.retry_cap_ms);
    }
    auto recorded = store_.write([&](store::Tx& tx) -> Result<void> {
      ROLLCALL_TRY(tx.update_webhook_delivery(delivery));
      auto current = tx.find_webhook_endpoint(delivery.endpoint);
      if (!current) return current.error();
      if (!*current) return {};
      store::WebhookEndpoint changed = **current;
      if (is_delivered) {
        changed.consecutive_failures = 0;
        changed.state = store::WebhookState::healthy;
      } else {
        changed.consecutive_failures += 1;
        if (is_given_up) changed.state = store::WebhookState::failing;
      }
      if (changed.consecutive_failures == (*current)->consecutive_failures &&
          changed.state == (*current)->state) {
        return {};
      }
      return tx.update_webhook_endpoint(changed);
    });
    if (!recorded) {
      log({{"event", "webhook_record_failed"},
           {"delivery_id", delivery.delivery_id},
           {"why", recorded.error().message}},
          true);
    }
    nlohmann::json event = {{"event", is_delivered ? "webhook_delivered" : "webhook_failed"},
                            {"webhook_id", delivery.endpoint},
                            {"delivery_id", delivery.delivery_id},
                            {"attempt", delivery.attempts}};
    if (!is_delivered) {
      event["why"] = outcome.error;
      event["given_up"] = is_given_up;
    }
    log(event, !is_delivered);
  }
  return claimed.size();
}

}  // namespace rollcall::jobs
