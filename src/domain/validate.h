// src/domain/validate.h
//
// Field rules shared by every service: text length and content, phone
// numbers, e-mail, identifiers. Each failure is an Error whose `field`
// names the input and whose message says what is expected.
// Thread safety: pure functions.
#pragma once

#include <cstddef>
#include <cstdint>
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

// The calendar every stored time lies in: from 2000-01-01T00:00:00Z up to,
// not including, 2100-01-01T00:00:00Z. Far wider than any school year,
// and narrow enough that differences and sums of two times never come
// near overflowing an int64 (starts_ms = -9e18, ends_ms = 9e18 did).
inline constexpr std::int64_t kEarliestTimeMs = 946'684'800'000;  // 2000-01-01T00:00:00Z
inline constexpr std::int64_t kEndOfTimeMs = 4'102'444'800'000;   // 2100-01-01T00:00:00Z

// `unix_ms` when it lies in [kEarliestTimeMs, kEndOfTimeMs).
// Errors: invalid_field naming `field` and the range.
Result<std::int64_t> check_time_ms(const std::string& field, std::int64_t unix_ms);

// ASCII lower case: usernames, roll numbers and searches compare this way.
std::string lower_ascii(std::string text);

// Without leading and trailing spaces, tabs and line ends.
std::string trim_spaces(const std::string& text);

}  // namespace rollcall::domain
