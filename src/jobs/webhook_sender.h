// src/jobs/webhook_sender.h
//
// WebhookSender: the background thread that delivers the webhook outbox
// (domain/webhooks.h). It claims due deliveries in short transactions,
// POSTs each with libcurl outside any transaction, and records the result:
// 2xx = delivered; anything else (status, timeout, refused connection,
// redirect) is retried with exponential backoff and jitter, up to
// max_attempts, after which the delivery is failed and its endpoint marked
// failing. Attendance never waits on it: writers only insert outbox rows.
// Several servers may share one database: claims take a lease on each row
// (store::Tx::claim_webhook_deliveries), so a row is sent by one server at
// a time, and at least once even if a server dies mid-send.
// Requests (docs/API.md "Webhooks"): POST, body = the stored JSON,
// headers X-Rollcall-Event, X-Rollcall-Delivery, X-Rollcall-Timestamp and
// X-Rollcall-Signature: sha256=<hex HMAC-SHA256("<timestamp>.<body>")>.
// Redirects are never followed; only http and https are spoken; loopback
// and private addresses are allowed (endpoints are admin-configured).
// Thread safety: start() and stop() from the owning thread; the sender
// runs on its own thread.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include <nlohmann/json.hpp>

#include "store/store.h"

namespace rollcall::jobs {

struct WebhookSenderOptions {
  std::int64_t retry_base_ms = 1000;      // first retry after ~base, then 2x each time
  std::int64_t retry_cap_ms = 3'600'000;  // no wait longer than this (plus jitter)
  int max_attempts = 10;                  // then the delivery is failed
  std::int64_t poll_ms = 500;             // how often the outbox is checked
  std::int64_t timeout_ms = 10'000;       // per request (connect + transfer)
  int batch = 16;                         // deliveries claimed at once
  // Where structured events go (serve: the log); may be empty.
  std::function<void(const nlohmann::json& event, bool is_warning)> log;
};

class WebhookSender {
 public:
  WebhookSender(store::Store& store, WebhookSenderOptions options);
  ~WebhookSender();  // stop()
  WebhookSender(const WebhookSender&) = delete;
  WebhookSender& operator=(const WebhookSender&) = delete;

  void start();
  // Aborts a request in flight (not counted as an attempt), hands claimed
  // but unsent deliveries back to the outbox (due now), joins the thread.
  // Idempotent.
  void stop();

 private:
  void run();
  void log(const nlohmann::json& event, bool is_warning) const;
  // One claim-and-send round; the number of deliveries claimed.
  std::size_t round();

  store::Store& store_;
  WebhookSenderOptions options_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::atomic<bool> is_stopping_{false};
  std::thread thread_;
};

// "sha256=" + lower-case hex HMAC-SHA256 of "<timestamp>.<body>" keyed
// with `secret`: the X-Rollcall-Signature header.
std::string webhook_signature(const std::string& secret, const std::string& timestamp,
                              const std::string& body);

// The wait before retry number `attempts` (1 = after the first failure):
// min(cap, base * 2^(attempts-1)), then scaled by a random factor in
// [0.5, 1.0] so that many failing deliveries do not retry in lock step.
std::int64_t webhook_backoff_ms(std::int64_t attempts, std::int64_t base_ms, std::int64_t cap_ms);

}  // namespace rollcall::jobs
