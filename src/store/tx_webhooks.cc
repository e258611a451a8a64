// src/store/tx_webhooks.cc
//
// Tx: webhook endpoints and the outbox of deliveries to them.
#include <array>

#include "store/detail/sql.h"
#include "store/store.h"

namespace rollcall::store {
namespace {

constexpr std::array<std::pair<WebhookState, const char*>, 2> kWebhookStates{{
    {WebhookState::healthy, "healthy"},
    {WebhookState::failing, "failing"},
}};
constexpr std::array<std::pair<DeliveryState, const char*>, 3> kDeliveryStates{{
    {DeliveryState::pending, "pending"},
    {DeliveryState::delivered, "delivered"},
    {DeliveryState::failed, "failed"},
}};

std::string join_events(const std::vector<std::string>& events) {
  std::string out;
  for (const auto& event : events) {
    if (!out.empty()) out += ',';
    out += event;
  }
  return out;
}

std::vector<std::string> split_events(const std::string& text) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= text.size()) {
    const auto comma = text.find(',', start);
    const auto end = comma == std::string::npos ? text.size() : comma;
    if (end > start) out.push_back(text.substr(start, end - start));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

constexpr const char* kEndpointColumns =
    "id, url, secret, events, is_active, state, consecutive_failures, created_ms";

WebhookEndpoint read_endpoint(RowReader& row) {
  WebhookEndpoint endpoint;
  endpoint.id = row.integer();
  endpoint.url = row.text();
  endpoint.secret = row.text();
  endpoint.events = split_events(row.text());
  endpoint.is_active = row.flag();
  endpoint.state = row.enumeration(webhook_state_from_string);
  endpoint.consecutive_failures = row.integer();
  endpoint.created_ms = row.integer();
  return endpoint;
}

constexpr const char* kDeliveryColumns =
    "id, endpoint_id, event, delivery_id, payload_json, attempts, next_attempt_ms, state, "
    "last_status, last_error, created_ms, delivered_ms";

WebhookDelivery read_delivery(RowReader& row) {
  WebhookDelivery delivery;
  delivery.id = row.integer();
  delivery.endpoint = row.integer();
  delivery.event = row.text();
  delivery.delivery_id = row.text();
  delivery.payload_json = row.text();
  delivery.attempts = row.integer();
  delivery.next_attempt_ms = row.integer();
  delivery.state = row.enumeration(delivery_state_from_string);
  delivery.last_status = row.optional_integer();
  delivery.last_error = row.text();
  delivery.created_ms = row.integer();
  delivery.delivered_ms = row.optional_integer();
  return delivery;
}

}  // namespace

// The enums' names live here rather than in records.cc, with their queries.
std::string to_string(WebhookState state) { return name_of(state, kWebhookStates); }
std::optional<WebhookState> webhook_state_from_string(const std::string& text) {
  return parse(text, kWebhookStates);
}
std::string to_string(DeliveryState state) { return name_of(state, kDeliveryStates); }
std::optional<DeliveryState> delivery_state_from_string(const std::string& text) {
  return parse(text, kDeliveryStates);
}

Result<std::int64_t> Tx::insert_webhook_endpoint(const WebhookEndpoint& endpoint) {
  return insert_id(
      connection_,
      "INSERT INTO webhook_endpoints (url, secret, events, is_active, state, "
      "consecutive_failures, created_ms) VALUES ($1, $2, $3, $4, $5, $6, $7) "
      "RETURNING id",
      {param(endpoint.url), param(endpoint.secret), param(join_events(endpoint.events)),
       param(endpoint.is_active), param(to_string(endpoint.state)),
       param(endpoint.consecutive_failures), param(endpoint.created_ms)});
}

Result<std::optional<WebhookEndpoint>> Tx::find_webhook_endpoint(std::int64_t id) {
  return select_one(connection_, select_from(kEndpointColumns, "webhook_endpoints WHERE id = $1"),
                    {param(id)}, read_endpoint);
}

Result<std::vector<WebhookEndpoint>> Tx::list_webhook_endpoints() {
  return select_all(connection_, select_from(kEndpointColumns, "webhook_endpoints ORDER BY id"), {},
                    read_endpoint);
}

Result<void> Tx::update_webhook_endpoint(const WebhookEndpoint& endpoint) {
  return change_one(connection_,
                    "UPDATE webhook_endpoints SET url = $2, secret = $3, events = $4, "
                    "is_active = $5, state = $6, consecutive_failures = $7 WHERE id = $1",
                    {param(endpoint.id), param(endpoint.url), param(endpoint.secret),
                     param(join_events(endpoint.events)), param(endpoint.is_active),
                     param(to_string(endpoint.state)), param(endpoint.consecutive_failures)},
                    "webhook with id " + std::to_string(endpoint.id));
}

Result<bool> Tx::delete_webhook_endpoint(std::int64_t id) {
  return delete_by_id(connection_, "webhook_endpoints", id);
}

Result<std::vector<WebhookEndpoint>> Tx::webhook_endpoints_for(const std::string& event) {
  auto active = select_all(
      connection_,
      select_from(kEndpointColumns, "webhook_endpoints WHERE is_active = $1 ORDER BY id"),
      {param(true)}, read_endpoint);
  if (!active) return active.error();
  if (event == "ping") return active;
  std::vector<WebhookEndpoint> out;
  for (auto& endpoint : *active) {
    for (const auto& each : endpoint.events) {
      if (each == event) {
        out.push_back(std::move(endpoint));
        break;
      }
    }
  }
  return out;
}

Result<std::int64_t> Tx::insert_webhook_delivery(const WebhookDelivery& delivery) {
  return insert_id(
      connection_,
      "INSERT INTO webhook_outbox (endpoint_id, event, delivery_id, payload_json, attempts, "
      "next_attempt_ms, state, last_status, last_error, created_ms, delivered_ms) "
      "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
      {param(delivery.endpoint), param(delivery.event), param(delivery.delivery_id),
       param(delivery.payload_json), param(delivery.attempts), param(delivery.next_attempt_ms),
       param(to_string(delivery.state)), param(delivery.last_status), param(delivery.last_error),
       param(delivery.created_ms), param(delivery.delivered_ms)});
}

Result<std::optional<WebhookDelivery>> Tx::find_webhook_delivery(std::int64_t id) {
  return select_one(connection_, select_from(kDeliveryColumns, "webhook_outbox WHERE id = $1"),
                    {param(id)}, read_delivery);
}

Result<std::vector<WebhookDelivery>> Tx::claim_webhook_deliveries(std::int64_t now_ms, int limit,
                                                                  std::int64_t lease_ms) {
  // Rows another server's claim holds are skipped, not waited for.
  const char* lock = connection_.backend() == Backend::postgres ? " FOR UPDATE SKIP LOCKED" : "";
  auto due = select_all(connection_,
                        select_from(kDeliveryColumns,
                                    "webhook_outbox WHERE state = 'pending' AND "
                                    "next_attempt_ms <= $1 ORDER BY next_attempt_ms, id LIMIT $2") +
                            lock,
                        {param(now_ms), param(limit)}, read_delivery);
  if (!due) return due.error();
  for (auto& delivery : *due) {
    delivery.next_attempt_ms = now_ms + lease_ms;
    auto leased = exec(connection_, "UPDATE webhook_outbox SET next_attempt_ms = $2 WHERE id = $1",
                       {param(delivery.id), param(delivery.next_attempt_ms)});
    if (!leased) return leased.error();
  }
  return due;
}

Result<void> Tx::update_webhook_delivery(const WebhookDelivery& delivery) {
  return change_one(connection_,
                    "UPDATE webhook_outbox SET attempts = $2, next_attempt_ms = $3, state = $4, "
                    "last_status = $5, last_error = $6, delivered_ms = $7 WHERE id = $1",
                    {param(delivery.id), param(delivery.attempts), param(delivery.next_attempt_ms),
                     param(to_string(delivery.state)), param(delivery.last_status),
                     param(delivery.last_error), param(delivery.delivered_ms)},
                    "webhook delivery with id " + std::to_string(delivery.id));
}

Result<Page<WebhookDelivery>> Tx::list_webhook_deliveries(std::int64_t endpoint,
                                                          const ListQuery& query) {
  Filter filter;
  filter.add("endpoint_id = ?", param(endpoint));
  filter.search({"event", "delivery_id"}, query.search);
  return select_page(connection_, kDeliveryColumns, "webhook_outbox", filter, "id DESC", query,
                     read_delivery);
}

}  // namespace rollcall::store
