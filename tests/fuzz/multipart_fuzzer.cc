// tests/fuzz/multipart_fuzzer.cc
//
// multipart/form-data uploads (http/multipart.h): the input's first line
// is the request's Content-Type header, read by multipart_boundary; the
// rest is the body, split by parse_multipart with that boundary (or a
// fixed one when the header names none, so the body is always explored).
// Invariants: both answer a value or an Error with a documented code,
// never crash; a boundary is "" or 1 to 70 characters; at most max_parts
// parts, each with its bytes inside the body; a parsed body written out
// again with the same boundary (names and file names quoted) parses to
// the same parts.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_check.h"
#include "http/multipart.h"

namespace {

using rollcall::http::multipart_boundary;
using rollcall::http::MultipartPart;
using rollcall::http::parse_multipart;

// Small, so that the fuzzer meets the limit too.
constexpr std::size_t kMaxParts = 8;

bool is_quotable(const std::string& text) {
  return text.find_first_of("\"\r\n") == std::string::npos;
}

std::string written(const std::vector<MultipartPart>& parts, const std::string& boundary) {
  std::string body;
  for (const auto& part : parts) {
    body += "--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + part.name + "\"";
    if (part.has_filename) body += "; filename=\"" + part.filename + "\"";
    body += "\r\n";
    if (!part.content_type.empty()) body += "Content-Type: " + part.content_type + "\r\n";
    body += "\r\n";
    body += part.content;
    body += "\r\n";
  }
  return body + "--" + boundary + "--\r\n";
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const auto split = input.find('\n');
  const std::string_view header = split == std::string_view::npos ? "" : input.substr(0, split);
  const std::string_view body = split == std::string_view::npos ? input : input.substr(split + 1);

  std::string boundary = multipart_boundary(header);
  FUZZ_CHECK(boundary.size() <= 70);
  if (boundary.empty()) boundary = "XyZ";

  auto parts = parse_multipart(body, boundary, kMaxParts);
  if (!parts) {
    const auto& code = parts.error().code;
    FUZZ_CHECK(code == "multipart_invalid" || code == "too_many_parts");
    return 0;
  }
  FUZZ_CHECK(parts->size() <= kMaxParts);
  bool is_rewritable = true;
  for (const auto& part : *parts) {
    FUZZ_CHECK(part.content.data() >= body.data() &&
               part.content.data() + part.content.size() <= body.data() + body.size());
    FUZZ_CHECK(part.has_filename || part.filename.empty());
    is_rewritable = is_rewritable && is_quotable(part.name) && is_quotable(part.filename) &&
                    part.name.size() + part.filename.size() + part.content_type.size() < 4096;
  }
  if (!is_rewritable) return 0;
  const std::string again_body = written(*parts, boundary);
  auto again = parse_multipart(again_body, boundary, kMaxParts);
  FUZZ_CHECK(again.ok() && again->size() == parts->size());
  for (std::size_t i = 0; i < parts->size(); ++i) {
    const auto& a = (*parts)[i];
    const auto& b = (*again)[i];
    FUZZ_CHECK(a.name == b.name && a.filename == b.filename && a.has_filename == b.has_filename &&
               a.content_type == b.content_type && a.content == b.content);
  }
  return 0;
}
