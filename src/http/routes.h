// src/http/routes.h
//
// The API's routes, grouped by file (routes_*.cc), and the services they
// call. Each add_*_routes registers one family; the server needs only
// the finished Router.
// Thread safety: registration happens before serving.
#pragma once

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "domain/accounts.h"
#include "domain/backups.h"
#include "domain/checkin.h"
#include "domain/directory.h"
#include "domain/enrollment.h"
#include "domain/login_limits.h"
#include "domain/reports.h"
#include "domain/runtime_settings.h"
#include "domain/sessions.h"
#include "domain/telegram_links.h"
#include "domain/webhooks.h"
#include "http/metrics.h"
#include "http/router.h"
#include "jobs/import_job.h"
#include "store/store.h"

namespace rollcall::http {

// What GET /api/v1/system reports that no service knows: facts of this
// process, filled in by app/serve.cc. Never a token or a password.
struct SystemFacts {
  std::string model_id;  // the recogniser's, e.g. fr_feature@87aacdfe; "" when not loaded
  std::vector<std::pair<std::string, std::string>> model_files;  // (file, pinned sha256)
  bool has_teacher_bot = false;                                  // a token is set
  bool has_student_bot = false;
  std::string telegram_mode;  // polling or webhook
  bool has_web_ui = false;    // web_dir found: the server serves the web UI
};

struct Services {
  store::Store& store;
  domain::Accounts& accounts;
  domain::Directory& directory;
  domain::Enrollment& enrollment;
  jobs::Importer& importer;
  Metrics& metrics;
  domain::LoginLimits& login_limits;
  // Readiness beyond the database: "" when the models are loaded, else why not.
  std::function<std::string()> models_problem;
  std::string version;
  domain::Sessions& sessions;
  domain::Reports& reports;
  domain::Webhooks& webhooks;
  domain::Checkins& checkins;
  domain::TelegramLinks& telegram_links;
  // Webhook mode of the Telegram bots: (bot, secret header, body); empty
  // when no bot runs here (bots/bots.h).
  std::function<Result<void>(const std::string&, const std::string&, const std::string&)>
      telegram_webhook;
  domain::RuntimeSettings& runtime_settings;
  domain::Backups& backups;
  SystemFacts system;
};

void add_auth_routes(Router& router, Services& services);
void add_people_routes(Router& router, Services& services);
void add_student_routes(Router& router, Services& services);
void add_job_routes(Router& router, Services& services);
void add_system_routes(Router& router, Services& services);
void add_session_routes(Router& router, Services& services);   // sessions, class photos
void add_report_routes(Router& router, Services& services);    // reports, exports
void add_webhook_routes(Router& router, Services& services);   // webhook endpoints, deliveries
void add_checkin_routes(Router& router, Services& services);   // self check-in
void add_telegram_routes(Router& router, Services& services);  // bot webhooks, unlinking
void add_backup_routes(Router& router, Services& services);    // SQLite backups
void add_settings_routes(Router& router, Services& services);  // runtime settings

// Every route of the API.
Router make_router(Services& services);

// The OpenAPI 3 document served at /api/openapi.json (openapi.json in this
// folder, compiled in).
const nlohmann::json& openapi_document();

}  // namespace rollcall::http
