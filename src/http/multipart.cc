// src/http/multipart.cc
#include "http/multipart.h"

#include <algorithm>
#include <cctype>

namespace rollcall::http {
namespace {

std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

Error invalid(const std::string& what) {
  return make_error("multipart_invalid", "the upload is not valid multipart/form-data: " + what);
}

// The parameters of a header value, `form-data; name="a"; filename="b"`:
// name -> value. Parameter names are case-insensitive; the first value
// of a name wins. A quoted value ends at the next '"': browsers send
// names and file names with '"' as %22 and a backslash as it is (the
// HTML standard's form encoding), so a backslash is not an escape.
std::vector<std::pair<std::string, std::string>> parameters(std::string_view value) {
  std::vector<std::pair<std::string, std::string>> out;
  std::size_t i = value.find(';');
  while (i != std::string_view::npos && i < value.size()) {
    ++i;  // past ';'
    while (i < value.size() && (value[i] == ' ' || value[i] == '\t')) ++i;
    const auto eq = value.find('=', i);
    if (eq == std::string_view::npos) break;
    std::string name = lower(trim(value.substr(i, eq - i)));
    std::string text;
    i = eq + 1;
    if (i < value.size() && value[i] == '"') {
      for (++i; i < value.size() && value[i] != '"'; ++i) text.push_back(value[i]);
      i = value.find(';', i);
    } else {
      const auto end = value.find(';', i);
      text = std::string(trim(value.substr(i, end == std::string_view::npos ? end : end - i)));
      i = end;
    }
    out.emplace_back(std::move(name), std::move(text));
  }
  return out;
}

const std::string* parameter(const std::vector<std::pair<std::string, std::string>>& params,
                             std::string_view name) {
  for (const auto& [key, value] : params) {
    if (key == name) return &value;
  }
  return nullptr;
}

// One part's header block (without the blank line) into `part`.
Result<void> read_part_headers(std::string_view block, MultipartPart& part) {
  bool has_disposition = false;
  while (!block.empty()) {
    const auto end = block.find("\r\n");
    const auto line = block.substr(0, end);
    block = end == std::string_view::npos ? std::string_view{} : block.substr(end + 2);
    const auto colon = line.find(':');
    if (colon == std::string_view::npos) return invalid("a part has a header line without ':'");
    const std::string name = lower(trim(line.substr(0, colon)));
    const auto value = trim(line.substr(colon + 1));
    if (name == "content-disposition") {
      if (lower(trim(value.substr(0, value.find(';')))) != "form-data") {
        return invalid("a part's Content-Disposition is not form-data");
      }
      const auto params = parameters(value);
      const auto* field = parameter(params, "name");
      if (!field) return invalid("a part has no field name");
      part.name = *field;
      if (const auto* file = parameter(params, "filename")) {
        part.filename = *file;
        part.has_filename = true;
      }
      has_disposition = true;
    } else if (name == "content-type") {
      part.content_type = std::string(value);
    }
  }
  if (!has_disposition) return invalid("a part has no Content-Disposition header");
  return {};
}

}  // namespace

std::string multipart_boundary(std::string_view content_type_header) {
  const auto params = parameters(content_type_header);
  const auto* boundary = parameter(params, "boundary");
  // RFC 2046 section 5.1.1: 1 to 70 characters.
  if (!boundary || boundary->empty() || boundary->size() > 70) return "";
  return *boundary;
}

Result<std::vector<MultipartPart>> parse_multipart(std::string_view body, std::string_view boundary,
                                                   std::size_t max_parts) {
  if (boundary.empty()) return invalid("the Content-Type header names no boundary");
  const std::string dash = "--" + std::string(boundary);
  const std::string delimiter = "\r\n" + dash;
  // The first boundary may open the body or follow a preamble.
  std::size_t at;
  if (body.substr(0, dash.size()) == dash) {
    at = dash.size();
  } else {
    at = body.find(delimiter);
    if (at == std::string_view::npos) return invalid("the boundary does not occur in the body");
    at += delimiter.size();
  }
  std::vector<MultipartPart> parts;
  for (;;) {
    // After a boundary: "--" closes the body, CRLF opens a part (RFC 2046
    // allows spaces before the CRLF).
    if (body.substr(at, 2) == "--") return parts;
    while (at < body.size() && (body[at] == ' ' || body[at] == '\t')) ++at;
    if (body.substr(at, 2) != "\r\n") return invalid("a boundary is not followed by a line break");
    at += 2;
    if (parts.size() == max_parts) {
      return make_error("too_many_parts", "the upload has more than " + std::to_string(max_parts) +
                                              " parts; send fewer files at once");
    }
    const auto headers_end = body.find("\r\n\r\n", at);
    const bool no_headers = body.substr(at, 2) == "\r\n";
    const auto block_end = no_headers ? at : headers_end;
    if (!no_headers && headers_end == std::string_view::npos) {
      return invalid("a part's headers never end");
    }
    if (block_end - at > kMaxPartHeaderBytes) return invalid("a part's headers are too long");
    MultipartPart part;
    if (auto read = read_part_headers(body.substr(at, block_end - at), part); !read) {
      return read.error();
    }
    const auto content_start = block_end + (no_headers ? 2 : 4);
    const auto content_end = body.find(delimiter, content_start);
    if (content_end == std::string_view::npos) return invalid("the last part is not closed");
    part.content = body.substr(content_start, content_end - content_start);
    parts.push_back(std::move(part));
    at = content_end + delimiter.size();
  }
}

}  // namespace rollcall::http
