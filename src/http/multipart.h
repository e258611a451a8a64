// src/http/multipart.h
//
// multipart/form-data bodies (RFC 7578 over RFC 2046): the parts of an
// upload, each with its field name, file name, media type and bytes.
// Written here rather than taken from a library: no Debian C++ package
// parses multipart on its own (RESTinio's helper comes with its whole
// server, cpp-httplib's only inside its own), and the format is small.
// It is fuzzed (tests/fuzz/multipart_fuzzer.cc).
// Invariants: every view points into the body given to parse_multipart,
// so the parts live as long as that body; at most `max_parts` parts, each
// part's header block at most kMaxPartHeaderBytes.
// Thread safety: pure functions.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace rollcall::http {

inline constexpr std::size_t kMaxPartHeaderBytes = 8 * 1024;

struct MultipartPart {
  std::string name;           // the form field
  std::string filename;       // "" for a text field
  bool has_filename = false;  // a file input, even one sent without a file
  std::string content_type;   // as sent, "" when absent
  std::string_view content;   // the part's bytes, inside the body
};

// The boundary of a `Content-Type: multipart/form-data; boundary=...`
// header; "" when the header has none (or an invalid one).
std::string multipart_boundary(std::string_view content_type_header);

// The parts of `body`. Errors: multipart_invalid (a message that says
// what is wrong, in words), too_many_parts.
Result<std::vector<MultipartPart>> parse_multipart(std::string_view body, std::string_view boundary,
                                                   std::size_t max_parts);

}  // namespace rollcall::http
