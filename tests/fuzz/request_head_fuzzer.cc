// tests/fuzz/request_head_fuzzer.cc
//
// The head of every HTTP request (http/server.h parse_request_head): the
// bytes a client sends before its body, through Beast's request parser
// with the server's header limit and into the Request the dispatcher
// sees, exactly as a connection reads one.
// Invariants: nothing crashes or throws; a parsed head has a method, a
// path that starts with '/' and holds no NUL byte, and no more headers
// than the input has line breaks; a head over the limit is
// headers_too_large, never parsed.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz_check.h"
#include "http/server.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  constexpr std::size_t kLimit = 4096;
  const auto request = rollcall::http::parse_request_head(bytes, kLimit);
  if (!request) {
    const auto& code = request.error().code;
    FUZZ_CHECK(code == "bad_request" || code == "headers_too_large");
    return 0;
  }
  FUZZ_CHECK(size <= kLimit);
  FUZZ_CHECK(!request->method.empty());
  FUZZ_CHECK(!request->path.empty() && request->path.front() == '/');
  FUZZ_CHECK(request->path.find('\0') == std::string::npos);
  FUZZ_CHECK(request->headers.size() <=
             static_cast<std::size_t>(std::count(bytes.begin(), bytes.end(), '\n')));
  return 0;
}
