// src/jobs/import_job.h
//
// Importer: a bulk import (CSV roster + ZIP of photos) as a background
// job. start() checks what is cheap to check (the CSV parses and has its
// columns, the ZIP opens within limits), records the job, and answers at
// once; a worker then runs the rows (domain::RosterImport) and saves
// progress and per-row errors to the job after every row.
// Thread safety: shared; start() may be called from many threads.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/result.h"
#include "domain/roster_import.h"
#include "jobs/job_runner.h"
#include "jobs/zip_archive.h"
#include "store/store.h"

namespace rollcall::jobs {

class Importer {
 public:
  Importer(store::Store& store, domain::RosterImport& import, JobRunner& runner, ZipLimits limits)
      : store_(store), import_(import), runner_(runner), limits_(limits) {}

  // `zip` may be empty (students without photos). Errors: forbidden
  // (students may not import), the CSV's and the ZIP's errors,
  // shutting_down.
  Result<store::Job> start(const domain::Principal& who, std::string csv,
                           std::vector<std::uint8_t> zip);

  // Errors: job_not_found, forbidden (another user's job, unless admin).
  Result<store::Job> get(const domain::Principal& who, JobId id);

  // At start: jobs left queued or running by a process that died are
  // marked failed, so nobody waits on them forever.
  Result<void> fail_interrupted();

 private:
  store::Store& store_;
  domain::RosterImport& import_;
  JobRunner& runner_;
  ZipLimits limits_;
};

}  // namespace rollcall::jobs
