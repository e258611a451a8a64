// src/http/routes_jobs.cc
//
// Bulk import jobs and the audit log.
#include "domain/audit.h"
#include "http/json_input.h"
#include "http/replies.h"
#include "http/routes.h"

namespace rollcall::http {

void add_job_routes(Router& router, Services& s) {
  router.add(
      "POST", "/api/v1/imports", kStaff,
      "Start a bulk import: multipart with \"students\" (CSV) and optional \"photos\" (ZIP)",
      [&s](Call& call) -> Result<Reply> {
        if (call.content_type != "multipart/form-data") {
          return make_error("unsupported_media_type",
                            "send the import as multipart/form-data with fields \"students\" "
                            "(CSV) and \"photos\" (ZIP)");
        }
        std::optional<std::string> csv;
        std::vector<std::uint8_t> zip;
        for (const auto& file : call.files) {
          if (file.field == "students") {
            csv = std::string(file.content);
          } else if (file.field == "photos") {
            zip.assign(file.content.begin(), file.content.end());
          } else {
            return field_error("unknown_field", std::string(file.field),
                               "unknown form field \"" + std::string(file.field) +
                                   "\"; send \"students\" and \"photos\"");
          }
        }
        if (!csv) {
          if (auto it = call.form.find("students"); it != call.form.end()) csv = it->second;
        }
        if (!csv)
          return field_error("missing_field", "students", "students (a CSV file) is required");
        auto job = s.importer.start(call.who(), std::move(*csv), std::move(zip));
        if (!job) return job.error();
        Reply reply = Reply::json(domain::to_json(*job), 202);
        reply.headers.emplace_back("Location", "/api/v1/jobs/" + std::to_string(job->id.value));
        return reply;
      });
  router.add(
      "GET", "/api/v1/jobs/{id}", kStaff, "A background job's progress and per-row errors",
      [&s](Call& call) { return item_reply(s.importer.get(call.who(), JobId{call.id("id")})); });
  router.add("GET", "/api/v1/audit", kAdmin,
             "The audit log, newest first (filter: entity = student, class, user, ...)",
             [&s](Call& call) -> Result<Reply> {
               auto query = list_query(call);
               if (!query) return query.error();
               const auto entity = call.query_value("entity").value_or("");
               // Each entry names its actor and whom it is about, read in
               // the same transaction as the page.
               auto body =
                   s.store.read_value<nlohmann::json>([&](store::Tx& tx) -> Result<nlohmann::json> {
                     auto page = tx.list_audit(*query, entity);
                     if (!page) return page.error();
                     nlohmann::json items = nlohmann::json::array();
                     for (const auto& entry : page->items) {
                       auto item = domain::to_json(entry);
                       item["actor_name"] = nullptr;
                       if (entry.actor) {
                         auto user = tx.find_user(*entry.actor);
                         if (!user) return user.error();
                         if (*user) {
                           item["actor_name"] = (*user)->display_name.empty()
                                                    ? (*user)->username
                                                    : (*user)->display_name;
                         }
                       }
                       auto about = domain::describe(tx, entry);
                       if (!about) return about.error();
                       item["about"] = std::move(*about);
                       items.push_back(std::move(item));
                     }
                     return nlohmann::json{{"items", items}, {"total", page->total}};
                   });
               if (!body) return body.error();
               return Reply::json(*body);
             });
}

}  // namespace rollcall::http
