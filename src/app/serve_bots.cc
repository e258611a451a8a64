// src/app/serve_bots.cc
//
// `rollcall bots`: the Telegram bots in a process of their own, beside one
// or more `rollcall serve` on the same database (set the bot tokens here
// and not on the servers: Telegram lets one client poll a bot). The
// servers verify the check-ins the bots submit (the queue is in the
// database) and finalise windows; the bots' timer tells verdicts and sends
// the teacher's report of a window opened from the bot. Polling only: a
// webhook needs the HTTP server, so webhook mode runs inside serve.
#include <spdlog/spdlog.h>

#include <csignal>
#include <iostream>

#include "app/logging.h"
#include "app/output.h"
#include "app/serve.h"

namespace rollcall::app {

int run_bots(const Settings& settings) {
  if (auto logging = setup_logging(settings.log_level, settings.log_format); !logging) {
    return report_error(logging.error());
  }
  if (settings.telegram_teacher_token.empty() && settings.telegram_student_token.empty()) {
    return report_error(
        make_error("setting_invalid",
                   "no bot to run: set telegram_teacher_token and/or telegram_student_token"));
  }
  if (settings.telegram_mode == "webhook") {
    return report_error(make_error("setting_invalid",
                                   "telegram_mode webhook takes updates over HTTP: run the bots "
                                   "inside `rollcall serve`, or poll here"));
  }
  const sigset_t stop_signals = block_stop_signals();

  // The models check that a student is enrolled before a check-in is
  // queued, as the web's route does.
  auto runtime = open_runtime(settings, true);
  if (!runtime) return report_error(runtime.error());
  Runtime& rt = **runtime;
  if (!rt.engine) {
    spdlog::warn(nlohmann::json{{"event", "models_not_ready"}, {"why", rt.models_problem}}.dump());
  }
  bots::Bots bots(bots_options(settings),
                  bots::BotsServices{*rt.store, *rt.telegram_links, *rt.directory, *rt.sessions,
                                     *rt.checkins, *rt.reports});
  if (auto started = bots.start(); !started) return report_error(started.error());
  spdlog::info(
      nlohmann::json{{"event", "bots_running"}, {"database", store::to_string(rt.store->backend())}}
          .dump());
  // Scripts and tests wait for this line.
  std::cout << "bots running" << std::endl;
  int signal = 0;
  sigwait(&stop_signals, &signal);
  spdlog::info(nlohmann::json{{"event", "stopping"}}.dump());
  bots.stop();
  rt.runner->stop();
  return 0;
}

}  // namespace rollcall::app
