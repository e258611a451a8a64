// src/http/openapi.cc
//
// The OpenAPI document is written by hand in openapi.json beside this
// file (people review it like code) and compiled in by CMake as
// kOpenApiJson; a test checks that every registered route is in it.
#include "http/openapi_text.h"
#include "http/routes.h"

namespace rollcall::http {

const nlohmann::json& openapi_document() {
  static const nlohmann::json document = nlohmann::json::parse(kOpenApiJson);
  return document;
}

}  // namespace rollcall::http
