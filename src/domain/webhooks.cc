// src/domain/webhooks.cc
#include "domain/webhooks.h"

#include <algorithm>

#include "base/clock.h"
#include "domain/audit.h"
#include "domain/passwords.h"

namespace rollcall::domain {
namespace {

constexpr std::size_t kMinSecretChars = 16;
constexpr std::size_t kMaxSecretChars = 256;
constexpr std::size_t kMaxUrlChars = 2048;

Error not_found(std::int64_t id) {
  return make_error("webhook_not_found", "no webhook has id " + std::to_string(id));
}

Result<std::string> clean_url(const std::string& value) {
  const bool is_http = value.rfind("http://", 0) == 0 || value.rfind("https://", 0) == 0;
  const auto host_at = value.find("://") + 3;
  const bool has_host = is_http && value.size() > host_at && value[host_at] != '/';
  const bool is_clean = std::none_of(value.begin(), value.end(), [](char c) {
    return static_cast<unsigned char>(c) <= ' ' || c == 0x7f;
  });
  if (!has_host || !is_clean || value.size() > kMaxUrlChars) {
    return field_error("invalid_field", "url",
                       "url must be an http:// or https:// URL with a host, without spaces, at "
                       "most 2048 characters");
  }
  return value;
}

Result<std::string> clean_secret(const std::string& value) {
  if (value.size() < kMinSecretChars || value.size() > kMaxSecretChars) {
    return field_error("invalid_field", "secret",
                       "secret must have 16 to 256 characters (omit it to have one generated)");
  }
  return value;
}

Result<std::vector<std::string>> clean_events(const std::vector<std::string>& events) {
  std::vector<std::string> out;
  for (const auto& event : events) {
    if (std::find(kWebhookEvents.begin(), kWebhookEvents.end(), event) == kWebhookEvents.end()) {
      return field_error(
          "invalid_field", "events",
          "events must be a list of record.changed and session.closed, got \"" + event + "\"");
    }
    if (std::find(out.begin(), out.end(), event) == out.end()) out.push_back(event);
  }
  if (out.empty()) {
    return field_error("invalid_field", "events", "events must name at least one event");
  }
  return out;
}

std::string new_delivery_id() { return "dlv_" + random_token(18); }

store::WebhookDelivery new_delivery(std::int64_t endpoint, const std::string& event,
                                    const nlohmann::json& payload, std::int64_t now_ms) {
  store::WebhookDelivery delivery;
  delivery.endpoint = endpoint;
  delivery.event = event;
  delivery.delivery_id = new_delivery_id();
  delivery.payload_json = webhook_body(event, delivery.delivery_id, now_ms, payload);
  delivery.next_attempt_ms = now_ms;
  delivery.created_ms = now_ms;
  return delivery;
}

Result<store::WebhookEndpoint> find(store::Tx& tx, std::int64_t id) {
  auto found = tx.find_webhook_endpoint(id);
  if (!found) return found.error();
  if (!*found) return not_found(id);
  return **found;
}

}  // namespace

std::string webhook_body(const std::string& event, const std::string& delivery_id,
                         std::int64_t created_ms, const nlohmann::json& data) {
  return nlohmann::json{{"event", event},
                        {"delivery_id", delivery_id},
                        {"created_at", format_iso8601(created_ms)},
                        {"data", data}}
      .dump();
}

Result<void> Webhooks::enqueue(store::Tx& tx, const std::string& event,
                               const nlohmann::json& payload) {
  if (std::find(kWebhookEvents.begin(), kWebhookEvents.end(), event) == kWebhookEvents.end()) {
    return field_error("invalid_field", "event", "unknown webhook event \"" + event + "\"");
  }
  auto endpoints = tx.webhook_endpoints_for(event);
  if (!endpoints) return endpoints.error();
  const std::int64_t now_ms = unix_ms_now();
  for (const auto& endpoint : *endpoints) {
    auto inserted = tx.insert_webhook_delivery(new_delivery(endpoint.id, event, payload, now_ms));
    if (!inserted) return inserted.error();
  }
  return {};
}

Result<CreatedWebhook> Webhooks::create(const Principal& who, const WebhookFields& fields) {
  ROLLCALL_TRY(require_admin(who, "manage webhooks"));
  CreatedWebhook created;
  auto url = clean_url(fields.url.value_or(""));
  if (!url) return url.error();
  created.endpoint.url = *url;
  if (fields.secret) {
    auto secret = clean_secret(*fields.secret);
    if (!secret) return secret.error();
    created.endpoint.secret = *secret;
  } else {
    created.generated_secret = "whsec_" + random_token(32);
    created.endpoint.secret = created.generated_secret;
  }
  auto events = clean_events(fields.events.value_or(kWebhookEvents));
  if (!events) return events.error();
  created.endpoint.events = *events;
  created.endpoint.is_active = fields.is_active.value_or(true);
  created.endpoint.created_ms = unix_ms_now();
  auto done = store_.write([&](store::Tx& tx) -> Result<void> {
    auto id = tx.insert_webhook_endpoint(created.endpoint);
    if (!id) return id.error();
    created.endpoint.id = *id;
    return audit(tx, &who, "webhook.create", "webhook", *id, nullptr,
                 webhook_json(created.endpoint));
  });
  if (!done) return done.error();
  return created;
}

Result<std::vector<store::WebhookEndpoint>> Webhooks::list(const Principal& who) {
  ROLLCALL_TRY(require_admin(who, "manage webhooks"));
  return store_.read_value<std::vector<store::WebhookEndpoint>>(
      [](store::Tx& tx) { return tx.list_webhook_endpoints(); });
}

Result<store::WebhookEndpoint> Webhooks::get(const Principal& who, std::int64_t id) {
  ROLLCALL_TRY(require_admin(who, "manage webhooks"));
  return store_.read_value<store::WebhookEndpoint>([&](store::Tx& tx) { return find(tx, id); });
}

Result<store::WebhookEndpoint> Webhooks::update(const Principal& who, std::int64_t id,
                                                const WebhookFields& fields) {
  ROLLCALL_TRY(require_admin(who, "manage webhooks"));
  std::optional<std::string> url, secret;
  std::optional<std::vector<std::string>> events;
  if (fields.url) {
    auto cleaned = clean_url(*fields.url);
    if (!cleaned) return cleaned.error();
    url = *cleaned;
  }
  if (fields.secret) {
    auto cleaned = clean_secret(*fields.secret);
    if (!cleaned) return cleaned.error();
    secret = *cleaned;
  }
  if (fields.events) {
    auto cleaned = clean_events(*fields.events);
    if (!cleaned) return cleaned.error();
    events = *cleaned;
  }
  return store_.write_value<store::WebhookEndpoint>(
      [&](store::Tx& tx) -> Result<store::WebhookEndpoint> {
        auto endpoint = find(tx, id);
        if (!endpoint) return endpoint.error();
        const auto before = webhook_json(*endpoint);
        if (url) endpoint->url = *url;
        if (secret) endpoint->secret = *secret;
        if (events) endpoint->events = *events;
        if (fields.is_active) {
          if (*fields.is_active && !endpoint->is_active) {
            endpoint->state = store::WebhookState::healthy;
            endpoint->consecutive_failures = 0;
          }
          endpoint->is_active = *fields.is_active;
        }
        ROLLCALL_TRY(tx.update_webhook_endpoint(*endpoint));
        ROLLCALL_TRY(
            audit(tx, &who, "webhook.update", "webhook", id, before, webhook_json(*endpoint)));
        return *endpoint;
      });
}

Result<void> Webhooks::remove(const Principal& who, std::int64_t id) {
  ROLLCALL_TRY(require_admin(who, "manage webhooks"));
  return store_.write([&](store::Tx& tx) -> Result<void> {
    auto endpoint = find(tx, id);
    if (!endpoint) return endpoint.error();
    auto deleted = tx.delete_webhook_endpoint(id);
    if (!deleted) return deleted.error();
    return audit(tx, &who, "webhook.delete", "webhook", id, webhook_json(*endpoint), nullptr);
  });
}

Result<store::Page<store::WebhookDelivery>> Webhooks::deliveries(const Principal& who,
                                                                 std::int64_t id,
                                                                 const store::ListQuery& query) {
  ROLLCALL_TRY(require_admin(who, "manage webhooks"));
  return store_.read_value<store::Page<store::WebhookDelivery>>(
      [&](store::Tx& tx) -> Result<store::Page<store::WebhookDelivery>> {
        ROLLCALL_TRY(find(tx, id));
        return tx.list_webhook_deliveries(id, query);
      });
}

Result<store::WebhookDelivery> Webhooks::test(const Principal& who, std::int64_t id) {
  ROLLCALL_TRY(require_admin(who, "manage webhooks"));
  return store_.write_value<store::WebhookDelivery>(
      [&](store::Tx& tx) -> Result<store::WebhookDelivery> {
        ROLLCALL_TRY(find(tx, id));
        auto delivery = new_delivery(
            id, "ping", {{"webhook_id", id}, {"message", "test from Rollcall"}}, unix_ms_now());
        auto inserted = tx.insert_webhook_delivery(delivery);
        if (!inserted) return inserted.error();
        delivery.id = *inserted;
        return delivery;
      });
}

nlohmann::json webhook_json(const store::WebhookEndpoint& endpoint) {
  return {{"id", endpoint.id},
          {"url", endpoint.url},
          {"events", endpoint.events},
          {"is_active", endpoint.is_active},
          {"state", store::to_string(endpoint.state)},
          {"consecutive_failures", endpoint.consecutive_failures},
          {"created_at", format_iso8601(endpoint.created_ms)}};
}

nlohmann::json webhook_json(const store::WebhookDelivery& delivery) {
  nlohmann::json payload = nlohmann::json::parse(delivery.payload_json, nullptr, false);
  return {{"id", delivery.id},
          {"webhook_id", delivery.endpoint},
          {"event", delivery.event},
          {"delivery_id", delivery.delivery_id},
          {"payload", payload.is_discarded() ? nlohmann::json(delivery.payload_json) : payload},
          {"attempts", delivery.attempts},
          {"next_attempt_at", format_iso8601(delivery.next_attempt_ms)},
          {"state", store::to_string(delivery.state)},
          {"last_status",
           delivery.last_status ? nlohmann::json(*delivery.last_status) : nlohmann::json(nullptr)},
          {"last_error", delivery.last_error},
          {"created_at", format_iso8601(delivery.created_ms)},
          {"delivered_at", delivery.delivered_ms
                               ? nlohmann::json(format_iso8601(*delivery.delivered_ms))
                               : nlohmann::json(nullptr)}};
}

}  // namespace rollcall::domain
