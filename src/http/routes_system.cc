// src/http/routes_system.cc
//
// Health (/healthz: the process answers), readiness (/readyz: the database
// answers and the models are loaded), Prometheus metrics and the OpenAPI
// document. All public: load balancers and scrapers carry no tokens.
#include "http/routes.h"

namespace rollcall::http {

void add_system_routes(Router& router, Services& s) {
  router.add("GET", "/healthz", kAnyone, "Liveness: the process is up",
             [&s](Call&) -> Result<Reply> {
               return Reply::json({{"status", "ok"}, {"version", s.version}});
             });
  router.add("GET", "/readyz", kAnyone, "Readiness: database reachable and models loaded",
             [&s](Call&) -> Result<Reply> {
               auto database = s.store.ping();
               const auto models = s.models_problem();
               const bool is_ready = database.ok() && models.empty();
               return Reply::json({{"status", is_ready ? "ready" : "not_ready"},
                                   {"database", database ? "ok" : database.error().message},
                                   {"backend", store::to_string(s.store.backend())},
                                   {"models", models.empty() ? "ok" : models}},
                                  is_ready ? 200 : 503);
             });
  router.add("GET", "/metrics", kAnyone, "Prometheus metrics (text format 0.0.4)",
             [&s](Call&) -> Result<Reply> {
               // The queue is the database's (shared by every server), read
               // when asked rather than tracked.
               if (auto depth = s.checkins.queue_depth()) {
                 s.metrics.set_gauge("rollcall_checkin_queue_depth",
                                     "check-ins queued or being verified (all servers)",
                                     static_cast<double>(*depth));
               }
               s.metrics.set_gauge("rollcall_checkin_mean_verify_seconds",
                                   "moving average of one verification on this server",
                                   s.checkins.stats().mean_verify_ms.load() / 1000.0);
               Reply reply;
               reply.body = s.metrics.render();
               reply.content_type = "text/plain; version=0.0.4";
               return reply;
             });
  router.add("GET", "/api/openapi.json", kAnyone, "This API, as an OpenAPI 3 document",
             [](Call&) -> Result<Reply> { return Reply::json(openapi_document()); });
}

}  // namespace rollcall::http
