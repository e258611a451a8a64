// src/jobs/import_job.cc
#include "jobs/import_job.h"

#include <memory>

#include "base/clock.h"

namespace rollcall::jobs {
namespace {

nlohmann::json errors_json(const std::vector<domain::RowError>& errors) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& e : errors) out.push_back(domain::to_json(e));
  return out;
}

}  // namespace

Result<store::Job> Importer::start(const domain::Principal& who, std::string csv,
                                   std::vector<std::uint8_t> zip) {
  if (who.role == store::Role::student) return domain::forbidden("import students");
  auto rows = domain::parse_roster(csv);
  if (!rows) return rows.error();
  std::shared_ptr<ZipArchive> archive;
  if (!zip.empty()) {
    auto opened = ZipArchive::open(std::move(zip), limits_);
    if (!opened) return opened.error();
    archive = std::move(opened).value();
  }
  store::Job job;
  job.kind = "import";
  job.total = static_cast<int>(rows->size());
  job.created_by = who.user;
  job.created_ms = job.updated_ms = unix_ms_now();
  auto id = store_.write_value<JobId>([&](store::Tx& tx) { return tx.insert_job(job); });
  if (!id) return id.error();
  job.id = *id;

  auto save = [this, job](store::JobState state, const domain::ImportProgress& progress) mutable {
    job.state = state;
    job.done = static_cast<int>(progress.done);
    job.errors_json = errors_json(progress.errors).dump();
    job.updated_ms = unix_ms_now();
    // Progress is advisory; a failed save is retried by the next row.
    (void)store_.write([&](store::Tx& tx) { return tx.update_job(job); });
  };
  auto task = [this, who, rows = std::move(rows).value(), archive, save]() mutable {
    std::vector<std::string> names;
    if (archive) names = archive->names();
    domain::PhotoReader read = [&](const std::string& name) -> Result<std::vector<std::uint8_t>> {
      return archive->read(name);
    };
    save(store::JobState::running, {});
    auto progress = import_.run(who, rows, names, read, [&](const domain::ImportProgress& p) {
      save(store::JobState::running, p);
    });
    save(store::JobState::done, progress);
  };
  auto dropped = [save]() mutable {
    domain::ImportProgress progress;
    progress.errors.push_back(
        {0, "", "shutting_down", "the server stopped before this import ran", false, ""});
    save(store::JobState::failed, progress);
  };
  if (!runner_.submit(std::move(task), std::move(dropped))) {
    return make_error("shutting_down", "the server is shutting down; try again in a minute");
  }
  return job;
}

Result<store::Job> Importer::get(const domain::Principal& who, JobId id) {
  auto job =
      store_.read_value<std::optional<store::Job>>([&](store::Tx& tx) { return tx.find_job(id); });
  if (!job) return job.error();
  if (!*job) return make_error("job_not_found", "no job has id " + std::to_string(id.value));
  if (!who.is_admin() && (*job)->created_by != who.user)
    return domain::forbidden("see others' jobs");
  return **job;
}

Result<void> Importer::fail_interrupted() {
  auto failed = store_.write_value<std::int64_t>(
      [](store::Tx& tx) { return tx.fail_unfinished_jobs(unix_ms_now()); });
  if (!failed) return failed.error();
  return {};
}

}  // namespace rollcall::jobs
