// src/domain/validate.h
//
// Field rules shared by every service: text length and content, phone
// numbers, e-mail, identifiers. Each failure is an Error whose `field`
// names the input and whose message says what is expected.
// Thread safety: pure functions.
#pragma once

#include <cstddef>
#include <string>

#include "base/result.h"

namespace rollcall::domain {

// Trims surrounding white space; then requires valid UTF-8 without
// control characters and a length in code points within [min, max].
// Errors: invalid_field.
Result<std::string> clean_text(const std::string& field, const std::string& value,
                               std::size_t min_chars, std::size_t max_chars);

// Roll numbers, registration numbers, subject codes, usernames: 1..max
// characters of letters, digits and . _ / - (and @ when `allow_at`).
// Errors: invalid_field.
Result<std::string> clean_identifier(const std::string& field, const std::string& value,
                                     std::size_t max_chars, bool allow_at = false);

// "" stays "". Otherwise spaces, dashes, dots and brackets are dropped and
// the rest must be E.164: "+" then 8 to 15 digits. Errors: invalid_field.
Result<std::string> clean_phone(const std::string& field, const std::string& value);

// "" stays "". Otherwise one "@" with text on both sides and a dot in the
// domain, at most 254 characters (RFC 5321). Errors: invalid_field.
Result<std::string> clean_email(const std::string& field, const std::string& value);

// ASCII lower case: usernames, roll numbers and searches compare this way.
std::string lower_ascii(std::string text);

// Without leading and trailing spaces, tabs and line ends.
std::string trim_spaces(const std::string& text);

}  // namespace rollcall::domain
