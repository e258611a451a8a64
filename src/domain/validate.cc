// src/domain/validate.cc
#include "domain/validate.h"

#include <algorithm>
#include <cctype>

namespace rollcall::domain {
namespace {

// Code points in `text`, or npos when it is not valid UTF-8 or holds a
// control character. Hand-written: the standard library has no UTF-8
// validator and this is the only place that needs one.
std::size_t count_code_points(const std::string& text) {
  std::size_t count = 0;
  for (std::size_t i = 0; i < text.size();) {
    const auto byte = static_cast<unsigned char>(text[i]);
    std::size_t length = 0;
    if (byte < 0x80) {
      if (byte < 0x20 || byte == 0x7f) return std::string::npos;
      length = 1;
    } else if ((byte & 0xe0) == 0xc0 && byte >= 0xc2) {
      length = 2;
    } else if ((byte & 0xf0) == 0xe0) {
      length = 3;
    } else if ((byte & 0xf8) == 0xf0 && byte <= 0xf4) {
      length = 4;
    } else {
      return std::string::npos;
    }
    if (i + length > text.size()) return std::string::npos;
    for (std::size_t k = 1; k < length; ++k) {
      if ((static_cast<unsigned char>(text[i + k]) & 0xc0) != 0x80) return std::string::npos;
    }
    i += length;
    ++count;
  }
  return count;
}

}  // namespace

std::string lower_ascii(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

std::string trim_spaces(const std::string& text) {
  const auto first = text.find_first_not_of(" \t\r\n");
  if (first == std::string::npos) return "";
  return text.substr(first, text.find_last_not_of(" \t\r\n") - first + 1);
}

Result<std::string> clean_text(const std::string& field, const std::string& value,
                               std::size_t min_chars, std::size_t max_chars) {
  std::string text = trim_spaces(value);
  const auto chars = count_code_points(text);
  if (chars == std::string::npos) {
    return field_error("invalid_field", field,
                       field + " must be UTF-8 text without control characters");
  }
  if (chars < min_chars) {
    return field_error("invalid_field", field,
                       min_chars == 1 ? field + " must not be empty"
                                      : field + " must have at least " + std::to_string(min_chars) +
                                            " characters");
  }
  if (chars > max_chars) {
    return field_error("invalid_field", field,
                       field + " may have at most " + std::to_string(max_chars) + " characters");
  }
  return text;
}

Result<std::string> clean_identifier(const std::string& field, const std::string& value,
                                     std::size_t max_chars, bool allow_at) {
  std::string text = trim_spaces(value);
  const bool is_valid = !text.empty() && text.size() <= max_chars &&
                        std::all_of(text.begin(), text.end(), [&](char c) {
                          return std::isalnum(static_cast<unsigned char>(c)) || c == '.' ||
                                 c == '_' || c == '/' || c == '-' || (allow_at && c == '@');
                        });
  if (!is_valid) {
    return field_error("invalid_field", field,
                       field + " must be 1 to " + std::to_string(max_chars) +
                           " letters, digits or . _ / -" + (allow_at ? " @" : "") + ", got \"" +
                           text.substr(0, 40) + "\"");
  }
  return text;
}

Result<std::string> clean_phone(const std::string& field, const std::string& value) {
  std::string digits;
  for (char c : value) {
    if (c == ' ' || c == '-' || c == '.' || c == '(' || c == ')') continue;
    digits += c;
  }
  if (digits.empty()) return digits;
  const bool is_e164 = digits[0] == '+' && digits.size() >= 9 && digits.size() <= 16 &&
                       std::all_of(digits.begin() + 1, digits.end(), [](char c) {
                         return std::isdigit(static_cast<unsigned char>(c));
                       });
  if (!is_e164) {
    return field_error("invalid_field", field,
                       field + " must be an international number like +919876543210 (E.164)");
  }
  return digits;
}

Result<std::string> clean_email(const std::string& field, const std::string& value) {
  std::string text = trim_spaces(value);
  if (text.empty()) return text;
  const auto at = text.find('@');
  const bool is_valid = text.size() <= 254 && at != std::string::npos && at > 0 &&
                        text.find('@', at + 1) == std::string::npos &&
                        text.find('.', at + 2) != std::string::npos && text.back() != '.' &&
                        count_code_points(text) != std::string::npos &&
                        text.find(' ') == std::string::npos;
  if (!is_valid) {
    return field_error("invalid_field", field, field + " must be an e-mail address like a@b.edu");
  }
  return text;
}

Result<std::int64_t> check_time_ms(const std::string& field, std::int64_t unix_ms) {
  if (unix_ms < kEarliestTimeMs || unix_ms >= kEndOfTimeMs) {
    return field_error("invalid_field", field,
                       field + " must be a time from 2000-01-01 to 2099-12-31 (Unix ms " +
                           std::to_string(kEarliestTimeMs) + " to " +
                           std::to_string(kEndOfTimeMs - 1) + ")");
  }
  return unix_ms;
}

}  // namespace rollcall::domain
