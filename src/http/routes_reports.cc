// src/http/routes_reports.cc
#include "http/routes.h"

namespace rollcall::http {

void add_report_routes(Router& /*router*/, Services& /*services*/) {}

}  // namespace rollcall::http
