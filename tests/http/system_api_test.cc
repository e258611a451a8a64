// tests/http/system_api_test.cc
//
// Health, readiness, metrics, request ids and the OpenAPI document of a
// real server.
#include <algorithm>
#include <chrono>
#include <vector>

#include "server_harness.h"

namespace rollcall::http_testing {
namespace {

class SystemApi : public ServerTest {};

TEST_P(SystemApi, HealthzAnswersOkWithoutAToken) {
  const auto reply = api().get("/healthz");
  ASSERT_EQ(reply.status, 200) << reply;
  EXPECT_EQ(reply.json()["status"], "ok");
}

TEST_P(SystemApi, ReadyzIsReadyWithTheModelsLoaded) {
  const auto reply = api().get("/readyz");
  ASSERT_EQ(reply.status, 200) << reply;
  const auto body = reply.json();
  EXPECT_EQ(body["status"], "ready");
  EXPECT_EQ(body["database"], "ok");
  EXPECT_EQ(body["models"], "ok");
  EXPECT_EQ(body["backend"], GetParam() == Backend::sqlite ? "sqlite" : "postgres");
}

TEST_P(SystemApi, MetricsCountRequestsAfterSomeAreServed) {
  for (int i = 0; i < 3; ++i) ASSERT_EQ(api().get("/healthz").status, 200);
  const auto reply = api().get("/metrics");
  ASSERT_EQ(reply.status, 200) << reply;
  EXPECT_NE(reply.header("Content-Type").find("text/plain"), std::string::npos);
  EXPECT_NE(reply.body.find("rollcall_http_requests_total"), std::string::npos) << reply.body;
  EXPECT_NE(reply.body.find("/healthz"), std::string::npos) << reply.body;
}

TEST_P(SystemApi, EchoesAPlainRequestIdTheClientSent) {
  const auto reply = api().get("/healthz", "", {{"X-Request-Id", "trace-abc_123.4"}});
  ASSERT_EQ(reply.status, 200);
  EXPECT_EQ(reply.header("X-Request-Id"), "trace-abc_123.4");
}

TEST_P(SystemApi, MakesARequestIdWhenNoneIsSentAndQuotesItInErrors) {
  const auto reply = api().get("/api/v1/students");
  ASSERT_EQ(reply.status, 401) << reply;
  const auto id = reply.header("X-Request-Id");
  EXPECT_FALSE(id.empty());
  EXPECT_EQ(reply.json()["error"]["request_id"], id);
}

TEST_P(SystemApi, ReplacesARequestIdThatIsNotPlainText) {
  const auto reply = api().get("/healthz", "", {{"X-Request-Id", "bad id with spaces"}});
  ASSERT_EQ(reply.status, 200);
  EXPECT_NE(reply.header("X-Request-Id"), "bad id with spaces");
  EXPECT_FALSE(reply.header("X-Request-Id").empty());
}

TEST_P(SystemApi, AnswersAnUnknownPathWith404NotFound) {
  const auto reply = api().get("/api/v1/nothing-here", admin_token());
  EXPECT_EQ(reply.status, 404) << reply;
  EXPECT_EQ(reply.error_code(), "not_found");
}

TEST_P(SystemApi, AnswersAWrongMethodWith405) {
  const auto reply = api().send("PUT", "/api/v1/classes", "{}", "application/json", admin_token());
  EXPECT_EQ(reply.status, 405) << reply;
  EXPECT_EQ(reply.error_code(), "method_not_allowed");
}

TEST_P(SystemApi, ServesAnOpenApiDocumentListingPaths) {
  const auto reply = api().get("/api/openapi.json");
  ASSERT_EQ(reply.status, 200) << reply;
  const auto body = reply.json();
  ASSERT_TRUE(body.contains("paths"));
  EXPECT_TRUE(body["paths"].contains("/api/v1/students/{id}/photos"));
}

// Bug found by `rollcall bench server`: without TCP_NODELAY every request
// on a kept-alive connection waited ~40 ms for the client's delayed ACK
// (httplib sends the headers and the body in two writes).
TEST_P(SystemApi, KeepAliveRequestsDoNotWaitForDelayedAcks) {
  httplib::Client client("127.0.0.1", api().port());
  client.set_keep_alive(true);
  std::vector<double> ms;
  for (int i = 0; i < 21; ++i) {
    const auto start = std::chrono::steady_clock::now();
    const auto reply = client.Get("/healthz");
    ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
                     .count());
    ASSERT_TRUE(reply && reply->status == 200);
  }
  std::sort(ms.begin(), ms.end());
  EXPECT_LT(ms[ms.size() / 2], 20.0) << "median of 21 keep-alive GET /healthz, in ms";
}

ROLLCALL_ON_BOTH_BACKENDS(SystemApi);

}  // namespace
}  // namespace rollcall::http_testing
