// src/http/routes_webhooks.cc
#include "http/routes.h"

namespace rollcall::http {

void add_webhook_routes(Router& /*router*/, Services& /*services*/) {}

}  // namespace rollcall::http
