// src/domain/webhooks.h
//
// Webhooks: outbound webhook endpoints (an LMS) and the durable outbox of
// events to deliver to them. The sender (jobs/webhook_sender.h) reads the
// outbox in the background; nothing here talks to the network, so a slow
// or failing endpoint never delays the change that produced the event.
// Owns: the rules for endpoints (admin only; http(s) URL; secret of at
// least 16 characters or generated; events a subset of kWebhookEvents)
// and the shape of the delivered body.
// Thread safety: Webhooks is shared by all request threads (it holds only
// the Store); enqueue() runs on the caller's transaction and thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/result.h"
#include "domain/principal.h"
#include "store/store.h"

namespace rollcall::domain {

// Events an endpoint may subscribe to. "ping" (POST /webhooks/{id}/test)
// goes to the one endpoint tested, whatever it subscribed to.
inline const std::vector<std::string> kWebhookEvents = {"record.changed", "session.closed"};

// Input of create (url required) and update (absent = unchanged).
struct WebhookFields {
  std::optional<std::string> url;
  std::optional<std::string> secret;  // create: omitted = generated and returned once
  std::optional<std::vector<std::string>> events;
  std::optional<bool> is_active;
};

struct CreatedWebhook {
  store::WebhookEndpoint endpoint;
  std::string generated_secret;  // "" when the caller gave one
};

class Webhooks {
 public:
  explicit Webhooks(store::Store& store) : store_(store) {}

  // ---- The API for the code that changes attendance ----
  //
  // Writes one outbox row per ACTIVE endpoint subscribed to `event`, IN THE
  // CALLER'S TRANSACTION: the deliveries exist iff the change commits (a
  // rollback drops them; PostgreSQL retries of the transaction write them
  // again, once). Never touches the network; cheap (one SELECT of the
  // endpoints plus one INSERT per subscriber).
  //   event:   "record.changed" (an attendance record was created or
  //            changed) or "session.closed" (a session was saved/locked);
  //            anything else is invalid_field.
  //   payload: any JSON object; it is delivered as the body's "data".
  //            record.changed: {"session_id", "student_id", "roll_number",
  //            "status", "previous_status" (null when new), "decided_by",
  //            "changed_by", "changed_ms"}; session.closed: {"session_id",
  //            "class_id", "subject_id", "starts_ms", "ends_ms",
  //            "counts": {"present", "absent", "late", "excused"}}.
  // Usage, inside store.write([&](store::Tx& tx) { ...; }):
  //   ROLLCALL_TRY(domain::Webhooks::enqueue(tx, "record.changed", payload));
  // Errors: invalid_field (event), and the store's.
  static Result<void> enqueue(store::Tx& tx, const std::string& event,
                              const nlohmann::json& payload);

  // ---- Admin CRUD (every call: forbidden unless admin) ----
  // Errors: invalid_field (url, secret, events), webhook_not_found.
  Result<CreatedWebhook> create(const Principal& who, const WebhookFields& fields);
  Result<std::vector<store::WebhookEndpoint>> list(const Principal& who);
  Result<store::WebhookEndpoint> get(const Principal& who, std::int64_t id);
  // A changed secret applies to deliveries sent from then on. Turning an
  // endpoint back on (is_active true) also resets it to healthy.
  Result<store::WebhookEndpoint> update(const Principal& who, std::int64_t id,
                                        const WebhookFields& fields);
  Result<void> remove(const Principal& who, std::int64_t id);  // and its deliveries
  // Delivery history of one endpoint, newest first.
  Result<store::Page<store::WebhookDelivery>> deliveries(const Principal& who, std::int64_t id,
                                                         const store::ListQuery& query);
  // Enqueues a "ping" to this endpoint alone (active or not); the delivery.
  Result<store::WebhookDelivery> test(const Principal& who, std::int64_t id);

 private:
  store::Store& store_;
};

// The delivered body: {"event", "delivery_id", "created_at" (ISO 8601 UTC), "data"}.
std::string webhook_body(const std::string& event, const std::string& delivery_id,
                         std::int64_t created_ms, const nlohmann::json& data);

// As the API shows them: the endpoint without its secret; a delivery with
// its payload parsed.
nlohmann::json webhook_json(const store::WebhookEndpoint& endpoint);
nlohmann::json webhook_json(const store::WebhookDelivery& delivery);

}  // namespace rollcall::domain
