// tests/http/multipart_test.cc
#include "http/multipart.h"

#include <gtest/gtest.h>

#include <string>

namespace rollcall::http {
namespace {

std::string body_of(const std::string& boundary) {
  return "--" + boundary +
         "\r\n"
         "Content-Disposition: form-data; name=\"roll_number\"\r\n\r\n"
         "CS-07\r\n"
         "--" +
         boundary +
         "\r\n"
         "Content-Disposition: form-data; name=\"video\"; filename=\"clip.mp4\"\r\n"
         "Content-Type: video/mp4\r\n\r\n" +
         std::string("\x00\x01\r\n--not-the-boundary\r\n", 24) + "\r\n--" + boundary + "--\r\n";
}

TEST(Multipart, ReadsTextFieldsAndFilesWithTheirBytes) {
  const std::string body = body_of("XyZ");
  auto parts = parse_multipart(body, "XyZ", 10);
  ASSERT_TRUE(parts) << parts.error().message;
  ASSERT_EQ(parts->size(), 2u);
  EXPECT_EQ((*parts)[0].name, "roll_number");
  EXPECT_FALSE((*parts)[0].has_filename);
  EXPECT_EQ((*parts)[0].content, "CS-07");
  EXPECT_EQ((*parts)[1].name, "video");
  EXPECT_EQ((*parts)[1].filename, "clip.mp4");
  EXPECT_EQ((*parts)[1].content_type, "video/mp4");
  // A line that only looks like a boundary stays part of the content.
  EXPECT_EQ((*parts)[1].content, std::string("\x00\x01\r\n--not-the-boundary\r\n", 24));
}

TEST(Multipart, TakesTheBoundaryFromTheContentTypeQuotedOrNot) {
  EXPECT_EQ(multipart_boundary("multipart/form-data; boundary=abc"), "abc");
  EXPECT_EQ(multipart_boundary("multipart/form-data; charset=utf-8; boundary=\"a b\""), "a b");
  EXPECT_EQ(multipart_boundary("multipart/form-data"), "");
  EXPECT_EQ(multipart_boundary("multipart/form-data; boundary=" + std::string(71, 'x')), "");
}

TEST(Multipart, KeepsABackslashInAFileNameAsBrowsersSendIt) {
  const std::string body =
      "--b\r\nContent-Disposition: form-data; name=\"photos\"; filename=\"C:\\x\\a.jpg\"\r\n\r\n"
      "J\r\n--b--";
  auto parts = parse_multipart(body, "b", 10);
  ASSERT_TRUE(parts) << parts.error().message;
  EXPECT_EQ((*parts)[0].filename, "C:\\x\\a.jpg");
}

TEST(Multipart, RefusesMorePartsThanAllowed) {
  std::string body;
  for (int i = 0; i < 5; ++i) {
    body +=
        "--b\r\nContent-Disposition: form-data; name=\"f" + std::to_string(i) + "\"\r\n\r\nx\r\n";
  }
  body += "--b--\r\n";
  auto parts = parse_multipart(body, "b", 4);
  ASSERT_FALSE(parts);
  EXPECT_EQ(parts.error().code, "too_many_parts");
  EXPECT_TRUE(parse_multipart(body, "b", 5));
}

TEST(Multipart, SaysWhatIsWrongWithABrokenBody) {
  struct Case {
    std::string body;
    std::string says;
  };
  const Case cases[] = {
      {"no boundary here", "the boundary does not occur"},
      {"--b\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nunclosed", "not closed"},
      {"--b\r\nContent-Type: text/plain\r\n\r\nx\r\n--b--", "no Content-Disposition"},
      {"--b\r\nContent-Disposition: attachment; name=\"a\"\r\n\r\nx\r\n--b--", "not form-data"},
      {"--b\r\nContent-Disposition: form-data\r\n\r\nx\r\n--b--", "no field name"},
      {"--b\r\nContent-Disposition: form-data; name=\"a\"", "headers never end"},
      {"--bX", "not followed by a line break"},
  };
  for (const auto& c : cases) {
    auto parts = parse_multipart(c.body, "b", 10);
    ASSERT_FALSE(parts) << c.body;
    EXPECT_EQ(parts.error().code, "multipart_invalid") << c.body;
    EXPECT_NE(parts.error().message.find(c.says), std::string::npos) << parts.error().message;
  }
}

}  // namespace
}  // namespace rollcall::http
