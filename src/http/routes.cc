// src/http/routes.cc
#include "http/routes.h"

#include <cstddef>

namespace rollcall::http {
namespace {

constexpr std::size_t kFormFieldsBytes = 1024 * 1024;  // a form's text fields and framing

}  // namespace

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
  // Anyone may post a check-in: it reads no more than one clip and its
  // few fields, whatever max_body_bytes allows an admin's upload.
  router.limit_body("POST", "/api/v1/checkins",
                    services.checkins.options().video_limits.max_bytes + kFormFieldsBytes);
  return router;
}

}  // namespace rollcall::http
