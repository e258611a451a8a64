// src/store/tx_audit_jobs.cc
//
// Tx: the audit log and background jobs.
#include "store/detail/sql.h"
#include "store/store.h"

namespace rollcall::store {
namespace {

constexpr const char* kAuditColumns =
    "id, actor_id, action, entity, entity_id, before_json, after_json, at_ms";

AuditEntry read_audit(RowReader& row) {
  AuditEntry entry;
  entry.id = row.integer();
  entry.actor = row.optional_id<UserTag>();
  entry.action = row.text();
  entry.entity = row.text();
  entry.entity_id = row.integer();
  entry.before_json = row.text();
  entry.after_json = row.text();
  entry.at_ms = row.integer();
  return entry;
}

constexpr const char* kJobColumns =
    "id, kind, state, done, total, errors_json, created_by, created_ms, updated_ms";

Job read_job(RowReader& row) {
  Job job;
  job.id = row.id<JobTag>();
  job.kind = row.text();
  job.state = row.enumeration(job_state_from_string);
  job.done = static_cast<int>(row.integer());
  job.total = static_cast<int>(row.integer());
  job.errors_json = row.text();
  job.created_by = row.optional_id<UserTag>();
  job.created_ms = row.integer();
  job.updated_ms = row.integer();
  return job;
}

}  // namespace

Result<std::int64_t> Tx::insert_audit(const AuditEntry& entry) {
  return insert_id(
      connection_,
      "INSERT INTO audit_log (actor_id, action, entity, entity_id, before_json, "
      "after_json, at_ms) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
      {param(entry.actor), param(entry.action), param(entry.entity), param(entry.entity_id),
       param(entry.before_json), param(entry.after_json), param(entry.at_ms)});
}

Result<Page<AuditEntry>> Tx::list_audit(const ListQuery& query, const std::string& entity) {
  Filter filter;
  if (!entity.empty()) filter.add("entity = ?", param(entity));
  filter.search({"action"}, query.search);
  return select_page(connection_, kAuditColumns, "audit_log", filter, "at_ms DESC, id DESC", query,
                     read_audit);
}

Result<JobId> Tx::insert_job(const Job& job) {
  auto id = insert_id(connection_,
                      "INSERT INTO jobs (kind, state, done, total, errors_json, created_by, "
                      "created_ms, updated_ms) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) "
                      "RETURNING id",
                      {param(job.kind), param(to_string(job.state)), param(job.done),
                       param(job.total), param(job.errors_json), param(job.created_by),
                       param(job.created_ms), param(job.updated_ms)});
  if (!id) return id.error();
  return JobId{*id};
}

Result<std::optional<Job>> Tx::find_job(JobId id) {
  return select_one(connection_, select_from(kJobColumns, "jobs WHERE id = $1"), {param(id)},
                    read_job);
}

Result<void> Tx::update_job(const Job& job) {
  return change_one(connection_,
                    "UPDATE jobs SET state = $2, done = $3, total = $4, errors_json = $5, "
                    "updated_ms = $6 WHERE id = $1",
                    {param(job.id), param(to_string(job.state)), param(job.done), param(job.total),
                     param(job.errors_json), param(job.updated_ms)},
                    "job with id " + std::to_string(job.id.value));
}

Result<std::int64_t> Tx::fail_unfinished_jobs(std::int64_t now_ms) {
  return change(connection_,
                "UPDATE jobs SET state = 'failed', updated_ms = $1, errors_json = "
                "'[{\"line\": 0, \"roll_number\": \"\", \"code\": \"interrupted\", "
                "\"message\": \"the server stopped while this job ran; run it again\"}]' "
                "WHERE state IN ('queued', 'running')",
                {param(now_ms)});
}

}  // namespace rollcall::store
