// src/http/routes.cc
#include "http/routes.h"

namespace rollcall::http {

Router make_router(Services& services) {
  Router router;
  add_system_routes(router, services);
  add_auth_routes(router, services);
  add_people_routes(router, services);
  add_student_routes(router, services);
  add_job_routes(router, services);
  add_session_routes(router, services);
  add_report_routes(router, services);
  add_webhook_routes(router, services);
  add_checkin_routes(router, services);
  add_telegram_routes(router, services);
  add_backup_routes(router, services);
  add_settings_routes(router, services);
  return router;
}

}  // namespace rollcall::http
