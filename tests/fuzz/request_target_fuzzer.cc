// tests/fuzz/request_target_fuzzer.cc
//
// The request target of every HTTP request (http/url.h): the path
// before '?' through percent_decode, the query after it through
// parse_query, as the dispatcher reads them before any route runs.
// Invariants: neither crashes; a decoded text holds no NUL byte and is
// never longer than what was sent; a decoded text percent-encoded again
// decodes to itself; every query name is non-empty and NUL-free, and no
// query holds more pairs than the '&'-separated pieces sent.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_check.h"
#include "http/url.h"

namespace {

using rollcall::http::parse_query;
using rollcall::http::percent_decode;

std::string percent_encode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    out += '%';
    out += kHex[byte >> 4];
    out += kHex[byte & 15];
  }
  return out;
}

void check_decode(std::string_view text, bool plus_is_space) {
  const auto decoded = percent_decode(text, plus_is_space);
  if (!decoded) return;
  FUZZ_CHECK(decoded->find('\0') == std::string::npos);
  FUZZ_CHECK(decoded->size() <= text.size());
  const auto again = percent_decode(percent_encode(*decoded), plus_is_space);
  FUZZ_CHECK(again && *again == *decoded);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view target(reinterpret_cast<const char*>(data), size);
  const auto mark = target.find('?');
  const auto path = target.substr(0, mark);
  const auto query = mark == std::string_view::npos ? std::string_view{} : target.substr(mark + 1);
  check_decode(path, false);
  check_decode(query, true);
  const auto pairs = parse_query(query);
  FUZZ_CHECK(pairs.size() <=
             static_cast<std::size_t>(std::count(query.begin(), query.end(), '&')) + 1);
  for (const auto& [name, value] : pairs) {
    FUZZ_CHECK(!name.empty() && name.find('\0') == std::string::npos);
    FUZZ_CHECK(value.find('\0') == std::string::npos);
  }
  return 0;
}
