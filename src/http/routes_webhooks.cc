// src/http/routes_webhooks.cc
//
// Webhook endpoints, their delivery history and test pings: admin only,
// over domain::Webhooks (which checks the role again).
#include "http/json_input.h"
#include "http/replies.h"
#include "http/routes.h"

namespace rollcall::http {
namespace {

Result<domain::WebhookFields> webhook_fields(const Call& call) {
  auto input = JsonInput::parse(call, {"url", "secret", "events", "is_active"});
  if (!input) return input.error();
  domain::WebhookFields f;
  auto url = input->text("url");
  if (!url) return url.error();
  f.url = *url;
  auto secret = input->text("secret");
  if (!secret) return secret.error();
  f.secret = *secret;
  auto active = input->boolean("is_active");
  if (!active) return active.error();
  f.is_active = *active;
  // JsonInput has no lists: read "events" from the (already valid) body.
  const auto body = nlohmann::json::parse(call.body, nullptr, false);
  if (body.contains("events") && !body["events"].is_null()) {
    const auto& events = body["events"];
    if (!events.is_array()) {
      return field_error("invalid_field", "events", "events must be a list of event names");
    }
    std::vector<std::string> names;
    for (const auto& event : events) {
      if (!event.is_string()) {
        return field_error("invalid_field", "events", "events must be a list of event names");
      }
      names.push_back(event.get<std::string>());
    }
    f.events = names;
  }
  return f;
}

Result<Reply> one(const Result<store::WebhookEndpoint>& endpoint, int status = 200) {
  if (!endpoint) return endpoint.error();
  return Reply::json(domain::webhook_json(*endpoint), status);
}

}  // namespace

void add_webhook_routes(Router& router, Services& s) {
  auto& w = s.webhooks;

  router.add("GET", "/api/v1/webhooks", kAdmin, "List webhook endpoints (secrets never shown)",
             [&w](Call& call) -> Result<Reply> {
               auto list = w.list(call.who());
               if (!list) return list.error();
               nlohmann::json items = nlohmann::json::array();
               for (const auto& endpoint : *list) items.push_back(domain::webhook_json(endpoint));
               return Reply::json({{"items", items}, {"total", items.size()}});
             });
  router.add("POST", "/api/v1/webhooks", kAdmin,
             "Create a webhook endpoint (secret generated and returned once when omitted)",
             [&w](Call& call) -> Result<Reply> {
               auto fields = webhook_fields(call);
               if (!fields) return fields.error();
               if (!fields->url) return field_error("missing_field", "url", "url is required");
               auto created = w.create(call.who(), *fields);
               if (!created) return created.error();
               auto body = domain::webhook_json(created->endpoint);
               if (!created->generated_secret.empty()) {
                 body["generated_secret"] = created->generated_secret;
               }
               return Reply::json(body, 201);
             });
  router.add("GET", "/api/v1/webhooks/{id}", kAdmin, "One webhook endpoint",
             [&w](Call& call) { return one(w.get(call.who(), call.id("id"))); });
  router.add("PATCH", "/api/v1/webhooks/{id}", kAdmin,
             "Change a webhook's URL, secret, events or is_active",
             [&w](Call& call) -> Result<Reply> {
               auto fields = webhook_fields(call);
               if (!fields) return fields.error();
               return one(w.update(call.who(), call.id("id"), *fields));
             });
  router.add("DELETE", "/api/v1/webhooks/{id}", kAdmin,
             "Delete a webhook endpoint and its delivery history",
             [&w](Call& call) { return done_reply(w.remove(call.who(), call.id("id"))); });
  router.add("GET", "/api/v1/webhooks/{id}/deliveries", kAdmin,
             "Delivery history of a webhook endpoint, newest first",
             [&w](Call& call) -> Result<Reply> {
               auto query = list_query(call);
               if (!query) return query.error();
               auto page = w.deliveries(call.who(), call.id("id"), *query);
               if (!page) return page.error();
               nlohmann::json items = nlohmann::json::array();
               for (const auto& d : page->items) items.push_back(domain::webhook_json(d));
               return Reply::json({{"items", items}, {"total", page->total}});
             });
  router.add("POST", "/api/v1/webhooks/{id}/test", kAdmin, "Queue a ping delivery to this endpoint",
             [&w](Call& call) -> Result<Reply> {
               auto delivery = w.test(call.who(), call.id("id"));
               if (!delivery) return delivery.error();
               return Reply::json(domain::webhook_json(*delivery), 202);
             });
}

}  // namespace rollcall::http
