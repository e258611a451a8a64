// src/http/routes_system.cc
//
// Health (/healthz: the process answers), readiness (/readyz: the database
// answers and the models are loaded), Prometheus metrics and the OpenAPI
// document, all public: load balancers and scrapers carry no tokens. And
// the admin's overview of this server (/api/v1/system).
#include <chrono>

#include "http/routes.h"

namespace rollcall::http {

void add_system_routes(Router& router, Services& s) {
  // The routes are made once, as the server starts.
  const auto started = std::chrono::steady_clock::now();
  router.add(
      "GET", "/api/v1/system", kAdmin,
      "This server: version, database, uptime, models, check-in queue, bots, web UI",
      [&s, started](Call& call) -> Result<Reply> {
        auto database = s.store.ping();
        const auto problem = s.models_problem();
        nlohmann::json files = nlohmann::json::array();
        for (const auto& [name, sha256] : s.system.model_files) {
          files.push_back({{"name", name}, {"sha256", sha256}});
        }
        // The queue is the database's; null when it cannot be read.
        auto depth = s.checkins.queue_depth();
        const auto uptime = std::chrono::duration_cast<std::chrono::seconds>(
            std::chrono::steady_clock::now() - started);
        return Reply::json(
            {{"version", s.version},
             {"database",
              {{"backend", store::to_string(s.store.backend())},
               {"ok", database.ok()},
               {"storage_full", s.store.health().is_storage_full},
               {"problem",
                database ? nlohmann::json(nullptr) : nlohmann::json(database.error().message)}}},
             {"uptime_s", uptime.count()},
             {"models",
              {{"ready", problem.empty()},
               {"problem", problem.empty() ? nlohmann::json(nullptr) : nlohmann::json(problem)},
               {"model_id", s.system.model_id.empty() ? nlohmann::json(nullptr)
                                                      : nlohmann::json(s.system.model_id)},
               {"files", files}}},
             {"checkin",
              {{"queue_depth", depth ? nlohmann::json(*depth) : nlohmann::json(nullptr)},
               {"workers", s.checkins.workers()},
               {"mean_verify_ms", s.checkins.stats().mean_verify_ms.load()},
               // Where the QR codes send phones, and what is wrong with it.
               {"link_base", s.checkins.link_base(call.base_url())},
               {"link_warnings", s.checkins.link_warnings(call.base_url())}}},
             {"telegram",
              {{"teacher", s.system.has_teacher_bot},
               {"student", s.system.has_student_bot},
               {"mode", s.system.telegram_mode}}},
             {"web_ui", s.system.has_web_ui}});
      });
  router.add("GET", "/healthz", kAnyone, "Liveness: the process is up",
             [&s](Call&) -> Result<Reply> {
               return Reply::json({{"status", "ok"}, {"version", s.version}});
             });
  // Anonymous: the database answers by its error code only, never the
  // store's message (which names hosts and users). Storage that was full
  // at the last write keeps the server "degraded" until a write succeeds:
  // reads still work, nothing new can be saved.
  router.add(
      "GET", "/readyz", kAnyone,
      "Readiness: database reachable, storage writable and models loaded",
      [&s](Call&) -> Result<Reply> {
        auto database = s.store.ping();
        const auto health = s.store.health();
        const auto models = s.models_problem();
        const bool is_full = database.ok() && health.is_storage_full;
        const bool is_ready = database.ok() && !is_full && models.empty();
        return Reply::json(
            {{"status", is_ready ? "ready" : (is_full ? "degraded" : "not_ready")},
             {"database", database ? (is_full ? "storage_full" : "ok") : database.error().code},
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
