// src/http/json_input.h
//
// Reading a JSON request body strictly: it must be an object, every field
// must be known to the route, of the right type, and required ones
// present. Each failure names the field (errors invalid_json,
// unknown_field, missing_field, invalid_field).
// Thread safety: a JsonInput belongs to one request.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/result.h"
#include "domain/enrollment.h"
#include "http/router.h"

namespace rollcall::http {

class JsonInput {
 public:
  // Errors: unsupported_media_type (not application/json), invalid_json,
  // unknown_field (a key outside `allowed`).
  static Result<JsonInput> parse(const Call& call, std::initializer_list<const char*> allowed);

  // Each getter: nullopt when absent (or null); invalid_field when the
  // type is wrong; missing_field from the required_ variants.
  Result<std::optional<std::string>> text(const char* field) const;
  Result<std::string> required_text(const char* field) const;
  Result<std::optional<std::int64_t>> integer(const char* field) const;
  Result<std::int64_t> required_integer(const char* field) const;
  Result<std::optional<bool>> boolean(const char* field) const;
  Result<std::optional<double>> number(const char* field) const;  // integer or not

 private:
  nlohmann::json body_;
};

// The image files of a multipart/form-data request, all in the field
// "photos" (views into the request). Errors: unsupported_media_type,
// unknown_field.
Result<std::vector<domain::Upload>> photo_uploads(const Call& call);

// ?offset=&limit=&q= with limits (limit 1..200, default 50). Errors: invalid_field.
Result<store::ListQuery> list_query(const Call& call);

// An optional integer query parameter. Errors: invalid_field.
Result<std::optional<std::int64_t>> query_id(const Call& call, const std::string& name);

}  // namespace rollcall::http
