// tests/fuzz/json_input_fuzzer.cc
//
// Strict JSON request bodies (http/json_input.h): JsonInput::parse over a
// Call whose body is the input, as every JSON route reads it, then every
// getter on every allowed field.
// Invariants: parse and the getters answer a value or an Error, never
// throw; a parse that succeeds was given a JSON object whose keys are all
// allowed; a getter's value is what an independent parse of the same
// body holds (text: the same string; integer: the same number; boolean:
// the same truth); errors carry one of the documented codes.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "fuzz_check.h"
#include "http/json_input.h"

namespace {

using rollcall::http::Call;
using rollcall::http::JsonInput;

bool is_field_code(const std::string& code) {
  return code == "invalid_field" || code == "missing_field";
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string body(reinterpret_cast<const char*>(data), size);
  Call call;
  call.method = "POST";
  call.path = "/api/v1/fuzz";
  call.body = body;
  call.content_type = "application/json";
  // The fields of a real route (POST /api/v1/sessions) and a few others'
  // types, so that each getter meets strings, numbers, booleans and nulls.
  auto input = JsonInput::parse(call, {"class_id", "subject_id", "starts_ms", "ends_ms", "title",
                                       "is_open", "latitude", "radius_m"});
  if (!input) {
    const auto& code = input.error().code;
    FUZZ_CHECK(code == "invalid_json" || code == "unknown_field" || code == "invalid_field");
    return 0;
  }
  // Parse succeeded: an empty body reads as {}, any other as an object.
  const auto json =
      body.empty() ? nlohmann::json::object() : nlohmann::json::parse(body, nullptr, false);
  FUZZ_CHECK(json.is_object());
  for (const char* field : {"class_id", "subject_id", "starts_ms", "ends_ms", "title", "is_open",
                            "latitude", "radius_m", "absent"}) {
    const auto it = json.find(field);
    const bool is_absent = it == json.end() || it->is_null();

    const auto text = input->text(field);
    if (text) {
      FUZZ_CHECK(text->has_value() != is_absent);
      if (text->has_value()) FUZZ_CHECK(it->is_string() && **text == it->get<std::string>());
    } else {
      FUZZ_CHECK(is_field_code(text.error().code) && !is_absent && !it->is_string());
    }
    const auto required = input->required_text(field);
    if (!required) FUZZ_CHECK(is_field_code(required.error().code));

    const auto integer = input->integer(field);
    if (integer) {
      FUZZ_CHECK(integer->has_value() != is_absent);
      // An integer is read only from a JSON integer that fits.
      if (integer->has_value()) {
        FUZZ_CHECK(it->is_number_integer());
        if (it->is_number_unsigned()) {
          FUZZ_CHECK(**integer >= 0 &&
                     static_cast<std::uint64_t>(**integer) == it->get<std::uint64_t>());
        } else {
          FUZZ_CHECK(**integer == it->get<std::int64_t>());
        }
      }
    } else {
      FUZZ_CHECK(is_field_code(integer.error().code) && !is_absent);
    }
    const auto required_integer = input->required_integer(field);
    if (!required_integer) FUZZ_CHECK(is_field_code(required_integer.error().code));

    const auto boolean = input->boolean(field);
    if (boolean) {
      FUZZ_CHECK(boolean->has_value() != is_absent);
      if (boolean->has_value()) FUZZ_CHECK(it->is_boolean() && **boolean == it->get<bool>());
    } else {
      FUZZ_CHECK(is_field_code(boolean.error().code) && !is_absent && !it->is_boolean());
    }

    const auto number = input->number(field);
    if (number) {
      FUZZ_CHECK(number->has_value() != is_absent);
      if (number->has_value()) FUZZ_CHECK(it->is_number());
    } else {
      FUZZ_CHECK(is_field_code(number.error().code) && !is_absent);
    }
  }
  return 0;
}
