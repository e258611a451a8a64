// src/app/serve.h
//
// The server's wiring: from Settings to a running `rollcall serve`, and
// the pieces the other server-side commands (backup, import, reembed)
// share with it.
// Owns: the order of start-up (logging, data directory, database and
// migrations, first admin, JWT key, models, services, HTTP) and of
// shutdown (stop accepting, finish requests, finish or fail jobs).
#pragma once

#include <csignal>
#include <memory>

#include "app/settings.h"
#include "base/result.h"
#include "bots/bots.h"
#include "domain/accounts.h"
#include "domain/backups.h"
#include "domain/checkin.h"
#include "domain/directory.h"
#include "domain/enrollment.h"
#include "domain/login_limits.h"
#include "domain/reports.h"
#include "domain/roster_import.h"
#include "domain/runtime_settings.h"
#include "domain/sessions.h"
#include "domain/telegram_links.h"
#include "domain/webhooks.h"
#include "face/engine.h"
#include "http/metrics.h"
#include "http/routes.h"
#include "jobs/import_job.h"
#include "jobs/job_runner.h"
#include "store/store.h"

namespace rollcall::app {

// Everything a server-side command needs, built from Settings.
struct Runtime {
  Settings settings;
  std::unique_ptr<store::Store> store;
  std::unique_ptr<face::Engine> engine;  // null when the models are not ready
  std::string models_problem;            // why engine is null
  // Made before the services that read it (enrollment, sessions, check-in, reports).
  std::unique_ptr<domain::RuntimeSettings> runtime_settings;
  std::unique_ptr<domain::Backups> backups;
  std::unique_ptr<domain::Accounts> accounts;
  std::unique_ptr<domain::Directory> directory;
  std::unique_ptr<domain::Enrollment> enrollment;
  std::unique_ptr<domain::RosterImport> roster_import;
  std::unique_ptr<jobs::JobRunner> runner;
  std::unique_ptr<jobs::Importer> importer;
  std::unique_ptr<domain::Sessions> sessions;
  std::unique_ptr<domain::Reports> reports;
  std::unique_ptr<domain::Webhooks> webhooks;
  std::unique_ptr<domain::Checkins> checkins;
  std::unique_ptr<domain::TelegramLinks> telegram_links;
  http::Metrics metrics;
  std::unique_ptr<domain::LoginLimits> login_limits;
};

// Opens the database (running migrations), creates the first admin, and
// builds the services. `with_models`: load the face engine too.
Result<std::unique_ptr<Runtime>> open_runtime(const Settings& settings, bool with_models);

// What the HTTP routes call, all from `runtime` (which must outlive it).
http::Services services_of(Runtime& runtime);

// The first active admin, for commands run on the server's own machine.
Result<domain::Principal> local_admin(Runtime& runtime);

// `rollcall serve`: runs until SIGINT or SIGTERM. Returns the exit status.
int serve(const Settings& settings);

// Blocks SIGINT and SIGTERM in this thread, before any other starts, so
// that every thread inherits the mask and only sigwait() receives them.
sigset_t block_stop_signals();

// The bots' options from the settings (tokens, mode, limits; log = spdlog).
bots::BotsOptions bots_options(const Settings& settings);
// `rollcall bots`: the Telegram bots alone, polling, beside servers that
// serve the API and verify check-ins on the same database.
int run_bots(const Settings& settings);

}  // namespace rollcall::app
