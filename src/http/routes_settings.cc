// src/http/routes_settings.cc
//
// Runtime settings (admin): what an admin may change while the servers
// run, over the configuration's values (domain/runtime_settings.h,
// docs/CONFIGURATION.md "Changed at run time").
#include <spdlog/spdlog.h>

#include "http/routes.h"

namespace rollcall::http {

void add_settings_routes(Router& router, Services& s) {
  router.add("GET", "/api/v1/settings", kAdmin,
             "The settings an admin may change at run time, with their values and defaults",
             [&s](Call&) -> Result<Reply> {
               auto items = s.runtime_settings.list();
               if (!items) return items.error();
               return Reply::json(*items);
             });
  router.add(
      "PATCH", "/api/v1/settings", kAdmin,
      "Change runtime settings ({\"key\": value}; null = back to the default); all or nothing",
      [&s](Call& call) -> Result<Reply> {
        if (!call.body.empty() && call.content_type != "application/json") {
          return make_error("unsupported_media_type", "send the settings as application/json");
        }
        auto changes = call.body.empty() ? nlohmann::json::object()
                                         : nlohmann::json::parse(call.body, nullptr, false);
        if (changes.is_discarded() || !changes.is_object()) {
          return make_error("invalid_json", "the body must be a JSON object of settings");
        }
        const bool to_embeddings_only =
            changes.contains("retention") && changes["retention"] == "embeddings_only";
        auto items = s.runtime_settings.update(call.who(), changes);
        if (!items) return items.error();
        // As at start-up: kept photos go once retention is embeddings only.
        if (to_embeddings_only) {
          auto forgotten = s.enrollment.apply_retention();
          if (!forgotten) return forgotten.error();
          spdlog::info(nlohmann::json{
              {"event", "retention"}, {"photos_forgotten", *forgotten}, {"by", call.who().username}}
                           .dump());
        }
        return Reply::json(*items);
      });
}

}  // namespace rollcall::http
