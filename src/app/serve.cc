// src/app/serve.cc
#include "app/serve.h"

#include <spdlog/spdlog.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <thread>

#include "app/config.h"
#include "app/logging.h"
#include "app/output.h"
#include "app/serve_data_dir.h"
#include "app/serve_listen_url.h"
#include "bots/bots.h"
#include "domain/public_url.h"
#include "http/routes.h"
#include "http/server.h"
#include "jobs/checkin_workers.h"
#include "jobs/webhook_sender.h"
#include "models/models.h"

namespace rollcall::app {
namespace {

// Connections cost no thread; handlers do, and most wait on the database
// or on a face model, so a few per core keep both cores busy.
int default_http_threads() {
  return std::max(8, 4 * static_cast<int>(std::thread::hardware_concurrency()));
}

void log_event(const nlohmann::json& event) { spdlog::info(event.dump()); }

// Settings keeps some values as float, and 0.6f widened to double is
// 0.6000000238...; rounded to a float's 7 significant digits it is 0.6
// again, as the admin's settings page should show it.
double as_double(float value) {
  char text[32];
  std::snprintf(text, sizeof text, "%.7g", static_cast<double>(value));
  return std::strtod(text, nullptr);
}

// The web UI's files: the setting, else where a build or an install puts
// them relative to this binary; "" = none found (the API runs alone).
std::string resolve_web_dir(const Settings& settings) {
  if (!settings.web_dir.empty()) return settings.web_dir.string();
  std::error_code error;
  const auto exe = fs::read_symlink("/proc/self/exe", error);
  if (error) return "";
  for (const auto& candidate : {exe.parent_path() / ".." / "web" / "dist",
                                exe.parent_path() / ".." / "share" / "rollcall" / "web"}) {
    if (fs::is_regular_file(candidate / "index.html", error)) {
      return fs::weakly_canonical(candidate, error).string();
    }
  }
  return "";
}

// Once per change, with the driver's words: the replies say only
// "database_unavailable" or "storage_full" (http/errors.h).
void log_store_health(const std::string& event, const std::string& cause) {
  nlohmann::json line = {{"event", event}};
  if (!cause.empty()) line["cause"] = cause;
  const auto text = line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  if (event == "database_unavailable" || event == "storage_full") {
    spdlog::error(text);
  } else {
    spdlog::info(text);
  }
}

void log_job_event(const nlohmann::json& event, bool is_warning) {
  if (is_warning) {
    spdlog::warn(event.dump());
  } else {
    spdlog::info(event.dump());
  }
}

}  // namespace

Result<std::unique_ptr<Runtime>> open_runtime(const Settings& settings, bool with_models) {
  auto runtime = std::make_unique<Runtime>();
  runtime->settings = settings;
  // Before the database is opened, so that its files are born private.
  auto fixed = make_data_dir_private(settings.data_dir, external_sqlite_file(settings.database));
  if (!fixed) return fixed.error();
  if (!fixed->empty()) {
    spdlog::warn(nlohmann::json{{"event", "permissions_fixed"},
                                {"data_dir", settings.data_dir.string()},
                                {"fixed", *fixed},
                                {"why",
                                 "the data directory holds password hashes, keys and faces: "
                                 "only its owner may read it"}}
                     .dump());
  }
  store::StoreOptions store_options{settings.database, settings.data_dir, 16, 5000};
  store_options.sqlite_max_bytes = settings.sqlite_max_bytes;
  store_options.on_health = log_store_health;
  auto store = store::Store::open(store_options);
  if (!store) return store.error();
  runtime->store = std::move(store).value();

  auto key = domain::ensure_jwt_key(*runtime->store, settings.jwt_secret);
  if (!key) return key.error();
  runtime->accounts = std::make_unique<domain::Accounts>(
      *runtime->store,
      domain::AccountsOptions{*key, settings.access_token_ttl_s, settings.refresh_token_ttl_s});

  if (with_models) {
    const auto models_dir =
        settings.models_dir.empty() ? default_models_dir() : settings.models_dir;
    auto engine = load_engine(models_dir);
    if (engine) {
      runtime->engine = std::move(engine).value();
    } else {
      runtime->models_problem = engine.error().message;
    }
  } else {
    runtime->models_problem = "not loaded by this command";
  }

  // What an admin may change at run time; the configuration gives the defaults.
  domain::RuntimeDefaults configured;
  configured.retention = settings.retention;
  configured.duplicate_similarity = as_double(settings.duplicate_similarity);
  configured.report_threshold_percent = as_double(settings.report_threshold_percent);
  configured.checkin_default_duration_s = settings.checkin_default_duration_s;
  configured.checkin_default_radius_m = as_double(settings.checkin_default_radius_m);
  configured.checkin_max_accuracy_m = as_double(settings.checkin_max_accuracy_m);
  runtime->runtime_settings =
      std::make_unique<domain::RuntimeSettings>(*runtime->store, configured);
  runtime->backups =
      std::make_unique<domain::Backups>(*runtime->store, settings.data_dir / "backups");

  domain::EnrollmentOptions enrollment;
  enrollment.limits.max_bytes = settings.max_image_bytes;
  enrollment.limits.max_pixels = settings.max_image_pixels;
  enrollment.retention = settings.retention == "embeddings_only"
                             ? domain::Retention::embeddings_only
                             : domain::Retention::keep_photos;
  enrollment.duplicate_similarity = settings.duplicate_similarity;
  enrollment.runtime = runtime->runtime_settings.get();
  runtime->directory = std::make_unique<domain::Directory>(*runtime->store);
  runtime->enrollment =
      std::make_unique<domain::Enrollment>(*runtime->store, runtime->engine.get(), enrollment);
  runtime->roster_import = std::make_unique<domain::RosterImport>(
      *runtime->store, *runtime->directory, *runtime->enrollment);
  runtime->runner = std::make_unique<jobs::JobRunner>(settings.job_workers);
  jobs::ZipLimits zip_limits;
  zip_limits.max_entry_bytes = settings.max_image_bytes;
  runtime->importer = std::make_unique<jobs::Importer>(*runtime->store, *runtime->roster_import,
                                                       *runtime->runner, zip_limits);
  runtime->login_limits = std::make_unique<domain::LoginLimits>(domain::LoginLimitsOptions{
      settings.login_attempts_per_minute_ip, settings.login_attempts_per_minute_account,
      settings.login_attempts_per_hour_account});
  domain::SessionOptions session_options;
  session_options.limits = enrollment.limits;
  session_options.limits.max_pixels =
      std::min<std::uint64_t>(settings.max_image_pixels, settings.max_class_photo_pixels);
  session_options.max_photos_per_upload = settings.max_photos_per_upload;
  session_options.retention = enrollment.retention;
  session_options.runtime = runtime->runtime_settings.get();
  runtime->sessions =
      std::make_unique<domain::Sessions>(*runtime->store, runtime->engine.get(), session_options);
  runtime->reports =
      std::make_unique<domain::Reports>(*runtime->store, runtime->runtime_settings.get());
  runtime->webhooks = std::make_unique<domain::Webhooks>(*runtime->store);

  domain::CheckinOptions checkin;
  checkin.grace_s = settings.checkin_grace_s;
  checkin.attempts_per_student = settings.checkin_attempts_per_student;
  checkin.attempts_per_ip_per_minute = settings.checkin_attempts_per_ip_per_minute;
  checkin.wrong_codes_per_ip_per_minute = settings.checkin_wrong_codes_ip_per_minute;
  checkin.wrong_codes_per_code = settings.checkin_wrong_codes_per_code;
  checkin.wrong_codes_per_window = settings.checkin_wrong_codes_per_window;
  checkin.max_accuracy_m = settings.checkin_max_accuracy_m;
  checkin.queue_limit = settings.checkin_queue_limit;
  checkin.image_limits = enrollment.limits;
  checkin.video_limits.max_bytes = settings.max_video_bytes;
  checkin.video_limits.max_seconds = settings.max_video_seconds;
  checkin.public_url = settings.public_url;  // "" = the request's address
  checkin.workers = jobs::checkin_worker_count(settings.checkin_workers);
  checkin.default_duration_s = settings.checkin_default_duration_s;
  checkin.default_radius_m = settings.checkin_default_radius_m;
  checkin.runtime = runtime->runtime_settings.get();
  runtime->checkins =
      std::make_unique<domain::Checkins>(*runtime->store, runtime->engine.get(), checkin);
  runtime->telegram_links = std::make_unique<domain::TelegramLinks>(*runtime->store);
  return runtime;
}

http::Services services_of(Runtime& rt) {
  // For GET /api/v1/system: facts, never the tokens themselves.
  http::SystemFacts system;
  if (rt.engine) system.model_id = rt.engine->model_id();
  for (const auto& spec : models::catalogue())
    system.model_files.emplace_back(spec.file, spec.sha256);
  system.has_teacher_bot = !rt.settings.telegram_teacher_token.empty();
  system.has_student_bot = !rt.settings.telegram_student_token.empty();
  system.telegram_mode = rt.settings.telegram_mode;
  system.has_web_ui = !resolve_web_dir(rt.settings).empty();
  return http::Services{
      *rt.store,    *rt.accounts,       *rt.directory,    *rt.enrollment,
      *rt.importer, rt.metrics,         *rt.login_limits, [&rt] { return rt.models_problem; },
      "0.1.0",      *rt.sessions,       *rt.reports,      *rt.webhooks,
      *rt.checkins, *rt.telegram_links, nullptr,          *rt.runtime_settings,
      *rt.backups,  std::move(system)};
}

sigset_t block_stop_signals() {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  return signals;
}

bots::BotsOptions bots_options(const Settings& settings) {
  bots::BotsOptions options;
  options.teacher_token = settings.telegram_teacher_token;
  options.student_token = settings.telegram_student_token;
  options.api_url = settings.telegram_api_url;
  options.is_webhook = settings.telegram_mode == "webhook";
  options.webhook_url =
      settings.telegram_webhook_url.empty() ? settings.public_url : settings.telegram_webhook_url;
  options.webhook_secret = settings.telegram_webhook_secret;
  options.long_poll_s = settings.telegram_long_poll_s;
  options.chat.messages_per_minute = settings.telegram_messages_per_minute;
  options.chat.conversation_timeout_ms = settings.telegram_conversation_timeout_s * 1000LL;
  options.chat.log = log_job_event;
  return options;
}

Result<domain::Principal> local_admin(Runtime& runtime) {
  auto users = runtime.store->read_value<store::Page<store::User>>([](store::Tx& tx) {
    return tx.list_users(store::ListQuery{"", 0, 200});
  });
  if (!users) return users.error();
  for (const auto& user : users->items) {
    if (user.role == store::Role::admin && user.is_active) {
      return domain::Principal{user.id, user.role, user.username, std::nullopt, std::nullopt};
    }
  }
  return make_error("no_admin",
                    "the database has no active administrator; run `rollcall serve` once");
}

int serve(const Settings& settings) {
  if (auto logging = setup_logging(settings.log_level, settings.log_format); !logging) {
    return report_error(logging.error());
  }
  const sigset_t stop_signals = block_stop_signals();

  auto runtime = open_runtime(settings, true);
  if (!runtime) return report_error(runtime.error());
  Runtime& rt = **runtime;

  auto admin = domain::ensure_admin(*rt.store, settings.admin_password);
  if (!admin) return report_error(admin.error());
  if (admin->is_admin_created && !admin->generated_password.empty()) {
    // Printed once, to the terminal, never to the log.
    std::cout << "Created the administrator account.\n  username: admin\n  password: "
              << admin->generated_password << "\nChange it after logging in.\n"
              << std::flush;
  }
  if (auto interrupted = rt.importer->fail_interrupted(); !interrupted) {
    return report_error(interrupted.error());
  }
  if (auto forgotten = rt.enrollment->apply_retention(); !forgotten) {
    return report_error(forgotten.error());
  } else if (*forgotten > 0) {
    log_event({{"event", "retention"}, {"photos_forgotten", *forgotten}});
  }
  if (!rt.engine) {
    spdlog::warn(nlohmann::json{{"event", "models_not_ready"}, {"why", rt.models_problem}}.dump());
  }

  // Delivers the webhook outbox; stopped below before the job runner.
  jobs::WebhookSenderOptions webhook_options;
  webhook_options.retry_base_ms = settings.webhook_retry_base_ms;
  webhook_options.max_attempts = settings.webhook_max_attempts;
  webhook_options.log = log_job_event;
  jobs::WebhookSender webhook_sender(*rt.store, webhook_options);
  webhook_sender.start();

  // The Telegram bots, when their tokens are set (docs/TELEGRAM.md); made
  // before the check-in workers start, as it hooks their finalisation.
  const auto bot_options = bots_options(settings);
  bots::Bots bots(bot_options, bots::BotsServices{*rt.store, *rt.telegram_links, *rt.directory,
                                                  *rt.sessions, *rt.checkins, *rt.reports});

  // Verifies check-ins and closes windows; its figures go to /metrics.
  rt.checkins->on_verified([&rt](bool accepted, double wait_ms, double verify_ms) {
    rt.metrics.add_counter("rollcall_checkin_verdicts_total", "check-in verdicts", 1,
                           {{"verdict", accepted ? "accepted" : "rejected"}});
    rt.metrics.observe("rollcall_checkin_wait_seconds",
                       "time a check-in waited in the queue before a worker took it",
                       wait_ms / 1000.0);
    rt.metrics.observe("rollcall_checkin_verify_seconds",
                       "time to verify one check-in (decode, face, liveness, match, write)",
                       verify_ms / 1000.0);
  });
  jobs::CheckinWorkerOptions checkin_options;
  checkin_options.workers = settings.checkin_workers;
  checkin_options.log = log_job_event;
  jobs::CheckinWorkers checkin_workers(*rt.store, *rt.checkins, checkin_options);
  checkin_workers.start();
  if (auto started = bots.start(); !started) return report_error(started.error());

  http::Services services = services_of(rt);
  if (!bots.empty()) {
    services.telegram_webhook = [&bots](const std::string& bot, const std::string& secret,
                                        const std::string& body) {
      return bots.webhook(bot, secret, body);
    };
  }
  http::ServerOptions options;
  options.host = settings.http_host;
  options.port = settings.http_port;
  options.threads = settings.http_threads > 0 ? settings.http_threads : default_http_threads();
  options.max_body_bytes = settings.max_body_bytes;
  options.max_json_body_bytes = settings.max_json_body_bytes;
  options.header_timeout_s = settings.http_header_timeout_s;
  options.body_timeout_s = settings.http_body_timeout_s;
  options.min_body_bytes_per_s = settings.http_min_body_bytes_per_s;
  options.max_connections = settings.http_max_connections;
  options.max_connections_per_ip = settings.http_max_connections_per_ip;
  options.trusted_proxies = settings.trusted_proxies;
  options.cors_origins = settings.cors_origins;
  options.tls_cert_file = settings.tls_cert_file;
  options.tls_key_file = settings.tls_key_file;
  options.web_dir = resolve_web_dir(settings);
  http::Server server(options, http::make_router(services), rt.metrics,
                      [&rt](const std::string& token) { return rt.accounts->authenticate(token); });
  auto port = server.bind();
  if (!port) return report_error(port.error());
  // Phones follow the check-in link: say loudly when they cannot.
  rt.checkins->set_fallback_url(
      listen_url(settings.http_host, *port, !settings.tls_cert_file.empty()));
  for (const auto& warning : rt.checkins->link_warnings()) {
    spdlog::warn(nlohmann::json{
        {"event", "public_url_unusable"},
        {"public_url", settings.public_url},
        {"link", rt.checkins->link_base()},
        {"why",
         warning}}.dump());
  }
  if (settings.public_url.empty()) {
    log_event({{"event", "public_url_unset"},
               {"why",
                "check-in links use the address each teacher's browser uses; set "
                "public_url to fix one address for every link and for the bots"}});
  }

  std::thread watcher([&server, stop_signals] {
    int signal = 0;
    sigwait(&stop_signals, &signal);
    log_event({{"event", "stopping"}, {"signal", signal == SIGINT ? "SIGINT" : "SIGTERM"}});
    server.stop();
  });
  log_event({{"event", "listening"},
             {"host", settings.http_host},
             {"port", *port},
             {"tls", !settings.tls_cert_file.empty()},
             {"web_dir", options.web_dir.empty() ? "none (API only)" : options.web_dir},
             {"database", store::to_string(rt.store->backend())},
             {"models", rt.engine ? rt.engine->model_id() : "not loaded"},
             {"threads", options.threads},
             {"telegram_bots", bots.empty()             ? "none"
                               : bot_options.is_webhook ? "webhook"
                                                        : "polling"}});
  // Tests and scripts wait for this line on stdout to know the port.
  std::cout << "listening on " << settings.http_host << ":" << *port << std::endl;
  server.run();
  watcher.join();
  bots.stop();
  checkin_workers.stop();
  webhook_sender.stop();
  rt.runner->stop();
  log_event({{"event", "stopped"}});
  return 0;
}

}  // namespace rollcall::app
