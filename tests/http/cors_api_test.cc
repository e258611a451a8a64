// tests/http/cors_api_test.cc
//
// CORS: only origins in cors_origins get CORS headers and preflights.
#include "server_harness.h"

namespace rollcall::http_testing {
namespace {

constexpr const char* kAllowed = "https://attendance.college.example";

class CorsApi : public ServerTest {
 protected:
  std::vector<std::pair<std::string, std::string>> flags() const override {
    return {{"--cors-origins", std::string(kAllowed) + ",http://localhost:5173"}};
  }
};

TEST_P(CorsApi, AnAllowedOriginIsEchoedBack) {
  const auto reply = api().get("/healthz", "", {{"Origin", kAllowed}});
  EXPECT_EQ(reply.status, 200) << reply;
  EXPECT_EQ(reply.header("Access-Control-Allow-Origin"), kAllowed);
  EXPECT_EQ(reply.header("Vary"), "Origin");
}

TEST_P(CorsApi, AnotherOriginGetsNoCorsHeaders) {
  const auto reply = api().get("/healthz", "", {{"Origin", "https://evil.example"}});
  EXPECT_EQ(reply.status, 200) << reply;
  EXPECT_EQ(reply.header("Access-Control-Allow-Origin"), "");
}

TEST_P(CorsApi, APreflightFromAnAllowedOriginListsMethodsAndHeaders) {
  httplib::Client client("127.0.0.1", api().port());
  auto reply = client.Options("/api/v1/students",
                              {{"Origin", kAllowed}, {"Access-Control-Request-Method", "POST"}});
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->status, 204);
  EXPECT_NE(reply->get_header_value("Access-Control-Allow-Methods").find("POST"),
            std::string::npos);
  EXPECT_NE(reply->get_header_value("Access-Control-Allow-Headers").find("Authorization"),
            std::string::npos);
}

TEST_P(CorsApi, APreflightFromAnotherOriginIsRefused) {
  httplib::Client client("127.0.0.1", api().port());
  auto reply = client.Options("/api/v1/students", {{"Origin", "https://evil.example"},
                                                   {"Access-Control-Request-Method", "POST"}});
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->status, 403);
  EXPECT_EQ(reply->get_header_value("Access-Control-Allow-Origin"), "");
  EXPECT_NE(reply->body.find("cors_origin_denied"), std::string::npos) << reply->body;
}

ROLLCALL_ON_BOTH_BACKENDS(CorsApi);

}  // namespace
}  // namespace rollcall::http_testing
