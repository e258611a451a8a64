// src/http/routes_sessions.cc
#include "http/routes.h"

namespace rollcall::http {

void add_session_routes(Router& /*router*/, Services& /*services*/) {}

}  // namespace rollcall::http
