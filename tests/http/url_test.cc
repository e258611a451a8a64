// tests/http/url_test.cc
#include "http/url.h"

#include <gtest/gtest.h>

namespace rollcall::http {
namespace {

TEST(Url, DecodesPercentEscapesAndPlusOnlyInQueries) {
  EXPECT_EQ(percent_decode("/api/v1/students/a%20b", false), "/api/v1/students/a b");
  EXPECT_EQ(percent_decode("a+b", false), "a+b");
  EXPECT_EQ(percent_decode("a+b", true), "a b");
  EXPECT_EQ(percent_decode("%E0%A4%B9", false), "\xE0\xA4\xB9");  // Devanagari ha
}

TEST(Url, RefusesMalformedEscapesAndNulBytes) {
  EXPECT_FALSE(percent_decode("%", false));
  EXPECT_FALSE(percent_decode("%4", false));
  EXPECT_FALSE(percent_decode("%zz", false));
  EXPECT_FALSE(percent_decode("a%00b", false));
}

TEST(Url, ParsesAQueryIntoPairsKeepingRepeats) {
  const auto query = parse_query("q=Ravi+K&offset=10&flag&tag=a&tag=b&bad=%zz&=x");
  EXPECT_EQ(query.find("q")->second, "Ravi K");
  EXPECT_EQ(query.find("offset")->second, "10");
  EXPECT_EQ(query.find("flag")->second, "");
  EXPECT_EQ(query.count("tag"), 2u);
  EXPECT_EQ(query.count("bad"), 0u);
  EXPECT_EQ(query.size(), 5u);
}

}  // namespace
}  // namespace rollcall::http
