// src/http/json_input.cc
#include "http/json_input.h"

#include <charconv>
#include <limits>

namespace rollcall::http {
namespace {

// How much of a client's text an error repeats: enough to recognise it,
// never a 5 MB number copied into the reply and the log.
constexpr std::size_t kEchoChars = 40;

std::string excerpt(std::string_view text) {
  if (text.size() <= kEchoChars) return std::string(text);
  std::size_t end = kEchoChars;  // cut at a UTF-8 character boundary
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
  return std::string(text.substr(0, end)) + "...";
}

std::string range_text(std::int64_t min, std::int64_t max) {
  return "a whole number from " + std::to_string(min) + " to " + std::to_string(max);
}

Error wrong_type(const char* field, const char* expected) {
  return field_error("invalid_field", field, std::string(field) + " must be " + expected);
}

Error missing(const char* field) {
  return field_error("missing_field", field, std::string(field) + " is required");
}

std::optional<std::int64_t> parse_integer(const std::string& text) {
  std::int64_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || error != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

}  // namespace

Result<JsonInput> JsonInput::parse(const Call& call, std::initializer_list<const char*> allowed) {
  // No body at all reads as {}: clients send bodiless POSTs (close, save)
  // without a Content-Type. Any body that is sent is held to the rules.
  if (call.body.empty()) {
    JsonInput input;
    input.body_ = nlohmann::json::object();
    return input;
  }
  if (call.content_type != "application/json") {
    return make_error(
        "unsupported_media_type",
        "send the body as application/json (got \"" +
            (call.content_type.empty() ? std::string("none") : excerpt(call.content_type)) + "\")");
  }
  JsonInput input;
  // Every nlohmann exception is caught here, and none of their what()s is
  // repeated: they quote the offending token whole (a 10 000-digit number).
  try {
    input.body_ = nlohmann::json::parse(call.body);
  } catch (const nlohmann::json::parse_error& e) {
    return make_error("invalid_json",
                      "the body is not valid JSON (at byte " + std::to_string(e.byte) + ")");
  } catch (const nlohmann::json::out_of_range&) {
    // 1e400, or an integer too long for 64 bits that becomes infinite as a double.
    return make_error("invalid_json",
                      "the body holds a number too large to read (numbers must fit in a "
                      "double, ids in 64 bits)");
  } catch (const nlohmann::json::exception&) {
    return make_error("invalid_json", "the body is not valid JSON");
  }
  if (!input.body_.is_object()) {
    return make_error("invalid_json", "the body must be a JSON object");
  }
  for (const auto& [key, value] : input.body_.items()) {
    bool is_known = false;
    for (const char* name : allowed) is_known = is_known || key == name;
    if (!is_known) {
      std::string names;
      for (const char* name : allowed) names += (names.empty() ? "" : ", ") + std::string(name);
      return field_error("unknown_field", excerpt(key),
                         "unknown field \"" + excerpt(key) + "\"; this route takes: " + names);
    }
  }
  return input;
}

Result<std::optional<std::string>> JsonInput::text(const char* field) const {
  auto it = body_.find(field);
  if (it == body_.end() || it->is_null()) return std::optional<std::string>();
  if (!it->is_string()) return wrong_type(field, "a string");
  return std::optional<std::string>(it->get<std::string>());
}

Result<std::string> JsonInput::required_text(const char* field) const {
  auto value = text(field);
  if (!value) return value.error();
  if (!*value) return missing(field);
  return **value;
}

Result<std::optional<std::int64_t>> JsonInput::integer(const char* field, std::int64_t min,
                                                       std::int64_t max) const {
  auto it = body_.find(field);
  if (it == body_.end() || it->is_null()) return std::optional<std::int64_t>();
  const auto out_of_range = [&] {
    return field_error("invalid_field", field,
                       std::string(field) + " must be " + range_text(min, max));
  };
  if (!it->is_number_integer()) {
    // 1e3 and 3.0 are numbers but not whole ones as JSON writes them.
    return it->is_number() ? out_of_range() : wrong_type(field, range_text(min, max).c_str());
  }
  // JSON numbers from 2^63 to 2^64 - 1 arrive unsigned; read as int64
  // they would wrap to negative ids.
  if (it->is_number_unsigned() &&
      it->get<std::uint64_t>() >
          static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
    return out_of_range();
  }
  const auto value = it->get<std::int64_t>();
  if (value < min || value > max) return out_of_range();
  return std::optional<std::int64_t>(value);
}

Result<std::optional<std::int64_t>> JsonInput::id(const char* field) const {
  return integer(field, 1, kMaxId);
}

Result<std::optional<std::int64_t>> JsonInput::time_ms(const char* field) const {
  auto value = integer(field);
  if (!value || !*value) return value;
  auto checked = domain::check_time_ms(field, **value);
  if (!checked) return checked.error();
  return std::optional<std::int64_t>(*checked);
}

Result<std::int64_t> JsonInput::required_integer(const char* field, std::int64_t min,
                                                 std::int64_t max) const {
  auto value = integer(field, min, max);
  if (!value) return value.error();
  if (!*value) return missing(field);
  return **value;
}

Result<std::optional<double>> JsonInput::number(const char* field) const {
  auto it = body_.find(field);
  if (it == body_.end() || it->is_null()) return std::optional<double>();
  if (!it->is_number()) return wrong_type(field, "a number");
  return std::optional<double>(it->get<double>());
}

Result<std::optional<bool>> JsonInput::boolean(const char* field) const {
  auto it = body_.find(field);
  if (it == body_.end() || it->is_null()) return std::optional<bool>();
  if (!it->is_boolean()) return wrong_type(field, "true or false");
  return std::optional<bool>(it->get<bool>());
}

Result<std::vector<domain::Upload>> photo_uploads(const Call& call) {
  if (call.content_type != "multipart/form-data") {
    return make_error("unsupported_media_type",
                      "send photos as multipart/form-data in the field \"photos\"");
  }
  std::vector<domain::Upload> uploads;
  for (const auto& file : call.files) {
    if (file.field != "photos") {
      return field_error(
          "unknown_field", std::string(file.field),
          "unknown form field \"" + std::string(file.field) + "\"; send photos in \"photos\"");
    }
    uploads.push_back(
        {std::string(file.filename),
         {reinterpret_cast<const std::uint8_t*>(file.content.data()), file.content.size()}});
  }
  return uploads;
}

Result<store::ListQuery> list_query(const Call& call) {
  store::ListQuery query;
  if (auto q = call.query_value("q")) {
    if (q->size() > 100) {
      return field_error("invalid_field", "q", "q may have at most 100 characters");
    }
    query.search = *q;
  }
  if (auto offset = call.query_value("offset")) {
    auto value = parse_integer(*offset);
    if (!value || *value < 0 || *value > kMaxOffset) {
      return field_error("invalid_field", "offset", "offset must be " + range_text(0, kMaxOffset));
    }
    query.offset = *value;
  }
  if (auto limit = call.query_value("limit")) {
    auto value = parse_integer(*limit);
    if (!value || *value < 1 || *value > 200) {
      return field_error("invalid_field", "limit", "limit must be a whole number from 1 to 200");
    }
    query.limit = *value;
  }
  return query;
}

Result<std::optional<std::int64_t>> query_id(const Call& call, const std::string& name) {
  auto text = call.query_value(name);
  if (!text) return std::optional<std::int64_t>();
  auto value = parse_integer(*text);
  if (!value || *value <= 0 || *value > kMaxId) {
    return field_error("invalid_field", name, name + " must be an id, " + range_text(1, kMaxId));
  }
  return std::optional<std::int64_t>(*value);
}

}  // namespace rollcall::http
