// tests/domain/public_url_test.cc
//
// The check-in link's base address: read strictly, loopback told from a
// reachable host, and each problem said in a sentence.
#include "domain/public_url.h"

#include <gtest/gtest.h>

namespace rollcall::domain {
namespace {

TEST(PublicUrl, ReadsSchemeHostPortAndPath) {
  const auto url = parse_base_url("public_url", "HTTPS://Attendance.College.edu:8443/rollcall/");
  ASSERT_TRUE(url.ok()) << url.error().message;
  EXPECT_EQ(url->scheme, "https");
  EXPECT_EQ(url->host, "attendance.college.edu");
  EXPECT_EQ(url->port, 8443);
  EXPECT_EQ(url->path, "/rollcall");
  EXPECT_EQ(url->text(), "https://attendance.college.edu:8443/rollcall");
  EXPECT_EQ(parse_base_url("p", "http://[fe80::1]:80")->text(), "http://[fe80::1]");
  for (const std::string bad : {"attendance.college.edu", "ftp://x.edu", "https://", "https://a b",
                                "https://x.edu/?q=1", "https://x.edu:99999", "https://u:p@x.edu"}) {
    const auto refused = parse_base_url("public_url", bad);
    EXPECT_FALSE(refused.ok()) << bad;
    if (!refused.ok()) {
      EXPECT_EQ(refused.error().field, "public_url") << bad;
    }
  }
}

TEST(PublicUrl, KnowsWhichHostsMeanThisComputer) {
  for (const std::string host :
       {"localhost", "LOCALHOST", "app.localhost", "127.0.0.1", "127.1.2.3", "::1", "0.0.0.0"}) {
    EXPECT_TRUE(is_loopback_host(host)) << host;
  }
  for (const std::string host : {"192.168.1.20", "10.0.0.5", "school.lan", "127.example.com"}) {
    EXPECT_FALSE(is_loopback_host(host)) << host;
  }
}

TEST(PublicUrl, WarnsOfLoopbackPlainHttpAndAnotherAddress) {
  EXPECT_TRUE(link_warnings("https://attendance.college.edu", "").empty());
  const auto local = link_warnings("http://localhost:8080", "");
  ASSERT_EQ(local.size(), 1u);
  EXPECT_NE(local[0].find("this computer itself"), std::string::npos) << local[0];
  const auto plain = link_warnings("http://192.168.1.20:8080", "");
  ASSERT_EQ(plain.size(), 1u);
  EXPECT_NE(plain[0].find("only over https"), std::string::npos) << plain[0];
  const auto elsewhere =
      link_warnings("https://attendance.college.edu", "https://rollcall.school.lan");
  ASSERT_EQ(elsewhere.size(), 1u);
  EXPECT_NE(elsewhere[0].find("but you are using https://rollcall.school.lan"), std::string::npos);
  // A teacher at the server's own console is not a phone.
  EXPECT_TRUE(link_warnings("https://attendance.college.edu", "http://localhost:8080").empty());
}

}  // namespace
}  // namespace rollcall::domain
