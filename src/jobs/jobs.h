// src/jobs/jobs.h
//
// The jobs module: work that outlives a request. Owns: the worker pool
// that runs background jobs (job_runner.h), bulk imports from a CSV and a
// ZIP of photos (import_job.h), and reading ZIPs safely (zip_archive.h).
// A job's progress lives in the jobs table, so any instance can answer
// GET /api/v1/jobs/{id}. Jobs found running at start belonged to a
// process that died; they are marked failed ("interrupted").
// Depends on: domain, store, base.
#pragma once

#include "jobs/import_job.h"
#include "jobs/job_runner.h"
#include "jobs/zip_archive.h"
