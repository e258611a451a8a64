// src/http/json_input.h
//
// Reading a JSON request body strictly: it must be an object, every field
// must be known to the route, of the right type and range, and required
// ones present. Each failure names the field (errors invalid_json,
// unknown_field, missing_field, invalid_field). A number too large for a
// double (1e400) is invalid_json, never an exception; an integer outside
// int64 (or the range the route gives) is invalid_field, never wrapped.
// No error repeats more than about 40 characters of what the client sent.
// Thread safety: a JsonInput belongs to one request.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/result.h"
#include "domain/enrollment.h"
#include "domain/validate.h"
#include "http/router.h"

namespace rollcall::http {

// Ids are positive and below 10^18, in a body, a query or a path
// (router.cc's parse_id): 18 digits always fit in an int64.
inline constexpr std::int64_t kMaxId = 999'999'999'999'999'999;
// A list's offset: far past any real list, and far from overflowing.
inline constexpr std::int64_t kMaxOffset = 1'000'000'000;

class JsonInput {
 public:
  // Errors: unsupported_media_type (not application/json), invalid_json,
  // unknown_field (a key outside `allowed`).
  static Result<JsonInput> parse(const Call& call, std::initializer_list<const char*> allowed);

  // Each getter: nullopt when absent (or null); invalid_field when the
  // type is wrong; missing_field from the required_ variants.
  Result<std::optional<std::string>> text(const char* field) const;
  Result<std::string> required_text(const char* field) const;
  // An integer in [min, max]; invalid_field naming the range otherwise
  // (also for 3.0 and 1e3, which JSON writes as not whole).
  Result<std::optional<std::int64_t>> integer(
      const char* field, std::int64_t min = std::numeric_limits<std::int64_t>::min(),
      std::int64_t max = std::numeric_limits<std::int64_t>::max()) const;
  Result<std::int64_t> required_integer(
      const char* field, std::int64_t min = std::numeric_limits<std::int64_t>::min(),
      std::int64_t max = std::numeric_limits<std::int64_t>::max()) const;
  // An id: 1 to kMaxId.
  Result<std::optional<std::int64_t>> id(const char* field) const;
  // Unix ms within domain::check_time_ms's calendar (years 2000-2099).
  Result<std::optional<std::int64_t>> time_ms(const char* field) const;
  Result<std::optional<bool>> boolean(const char* field) const;
  Result<std::optional<double>> number(const char* field) const;  // integer or not

 private:
  nlohmann::json body_;
};

// The image files of a multipart/form-data request, all in the field
// "photos" (views into the request). Errors: unsupported_media_type,
// unknown_field.
Result<std::vector<domain::Upload>> photo_uploads(const Call& call);

// ?offset=&limit=&q= with limits (offset 0..kMaxOffset, limit 1..200,
// default 50). Errors: invalid_field.
Result<store::ListQuery> list_query(const Call& call);

// An optional id query parameter (1..kMaxId). Errors: invalid_field.
Result<std::optional<std::int64_t>> query_id(const Call& call, const std::string& name);

}  // namespace rollcall::http
