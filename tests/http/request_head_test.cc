// tests/http/request_head_test.cc
#include <gtest/gtest.h>

#include <string>

#include "http/server.h"

namespace rollcall::http {
namespace {

TEST(RequestHead, ReadsTheMethodDecodedPathQueryAndHeaders) {
  auto request = parse_request_head(
      "GET /api/v1/students/a%20b?q=Ravi+K HTTP/1.1\r\nHost: x\r\nX-Request-Id: r1\r\n\r\n", 4096);
  ASSERT_TRUE(request) << request.error().message;
  EXPECT_EQ(request->method, "GET");
  EXPECT_EQ(request->path, "/api/v1/students/a b");
  EXPECT_EQ(request->query_string, "q=Ravi+K");
  EXPECT_EQ(request->header("x-request-id"), "r1");
}

TEST(RequestHead, RefusesAnAbsoluteTargetAnUnendedHeadAndAnOversizedOne) {
  EXPECT_EQ(parse_request_head("GET http://evil/ HTTP/1.1\r\nHost: x\r\n\r\n", 4096).error().code,
            "bad_request");
  EXPECT_EQ(parse_request_head("GET / HTTP/1.1\r\nHost: x\r\n", 4096).error().code, "bad_request");
  EXPECT_EQ(parse_request_head("GET / HTTP/1.1\r\nX: " + std::string(5000, 'a') + "\r\n\r\n", 4096)
                .error()
                .code,
            "headers_too_large");
  EXPECT_EQ(parse_request_head("GET /a%zz HTTP/1.1\r\n\r\n", 4096).error().code, "bad_request");
}

// Beast 1.74 compares a Content-Length with a disabled body limit as
// always too large; the server reads heads with the limit lifted instead.
TEST(RequestHead, AContentLengthLargerThanBeastsDefaultLimitIsStillAHead) {
  auto request = parse_request_head(
      "POST /api/v1/checkins HTTP/1.1\r\nHost: x\r\nContent-Length: 419430400\r\n\r\n", 4096);
  ASSERT_TRUE(request) << request.error().message;
  EXPECT_EQ(request->header("Content-Length"), "419430400");
}

}  // namespace
}  // namespace rollcall::http
