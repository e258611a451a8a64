// src/http/routes_jobs.cc
//
// Bulk import jobs and the audit log.
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
               return page_reply(s.store.read_value<store::Page<store::AuditEntry>>(
                   [&](store::Tx& tx) { return tx.list_audit(*query, entity); }));
             });
}

}  // namespace rollcall::http
