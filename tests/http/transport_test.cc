// tests/http/transport_test.cc
//
// The HTTP core against hostile and heavy clients (issue 16, defects 1
// and 2), on a real `rollcall serve` with short deadlines: slow heads,
// stalled and dribbled bodies, chunked bodies past the limit, a cap on
// connections per address, and what every reply carries.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "http/raw_client.h"
#include "http/server_harness.h"

namespace rollcall::http_testing {
namespace {

using namespace std::chrono_literals;

// Resident memory of a process, in MiB (VmRSS in /proc/PID/status).
double rss_mib(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stod(line.substr(6)) / 1024.0;
  }
  return 0;
}

std::string chunk(const std::string& data) {
  char size[32];
  std::snprintf(size, sizeof size, "%zx\r\n", data.size());
  return size + data + "\r\n";
}

// A server whose deadlines are short enough to watch: a head within 2 s,
// a stalled body cut after 2 s, at most 8 connections per address.
class TransportApi : public ServerTest {
 protected:
  std::vector<std::pair<std::string, std::string>> flags() const override {
    return {{"--http-header-timeout-s", "2"},
            {"--http-body-timeout-s", "20"},
            {"--http-min-body-bytes-per-s", "20000"},
            {"--http-max-connections-per-ip", "8"}};
  }
  int port() { return server().port(); }
};

// Defect 2: 33 connections sending a header line now and then held every
// thread of the old server, and /healthz timed out for everyone.
TEST_P(TransportApi, SlowHeadsDoNotStopTheServerAndAreCutAtTheHeaderTimeout) {
  std::vector<std::unique_ptr<RawConnection>> slow;
  for (int i = 0; i < 40; ++i) {
    // 40 slow clients from 5 addresses, within the per-address cap.
    auto connection =
        std::make_unique<RawConnection>(port(), "127.0.1." + std::to_string(i % 5 + 1));
    ASSERT_TRUE(connection->is_connected());
    ASSERT_TRUE(connection->send("GET /healthz HTTP/1.1\r\nHost: x\r\n"));
    slow.push_back(std::move(connection));
  }
  for (int i = 0; i < 5; ++i) {
    for (auto& connection : slow) connection->send("X-Slow: 1\r\n");
    const auto started = std::chrono::steady_clock::now();
    const auto health = api().get("/healthz");
    EXPECT_EQ(health.status, 200) << health;
    EXPECT_LT(std::chrono::steady_clock::now() - started, 500ms);
    std::this_thread::sleep_for(300ms);
  }
  // The head never ended: each slow client is cut 2 s after it began.
  for (auto& connection : slow) EXPECT_TRUE(connection->is_closed_by_peer(3s));
}

// Defect 1: a chunked body had no limit and was buffered whole.
TEST_P(TransportApi, AChunkedBodyPastTheLimitIsRefusedWhileItStreams) {
  const double before = rss_mib(server().pid());
  RawConnection client(port());
  ASSERT_TRUE(client.send(
      "POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
      "Transfer-Encoding: chunked\r\n\r\n" +
      chunk("{\"username\":\"")));
  // Up to 400 MiB, in 64 KiB chunks; the server answers after the first
  // MiB (max_json_body_bytes) and stops reading.
  const std::string piece = chunk(std::string(64 * 1024, 'a'));
  std::size_t sent = 0;
  std::string reply;
  while (sent < 400u * 1024 * 1024 && reply.empty() && client.send(piece)) {
    sent += piece.size();
    reply = client.read(0ms, true);
  }
  if (reply.empty()) reply = client.read(5s, true);
  EXPECT_EQ(RawConnection::status_of(reply), 413) << reply.substr(0, 300);
  EXPECT_NE(reply.find("body_too_large"), std::string::npos);
  // The refusal came when the first MiB or so had been read (what the
  // kernel's socket buffers hold aside), long before 400 MiB.
  EXPECT_LT(sent, 64u * 1024 * 1024);
  EXPECT_LT(rss_mib(server().pid()) - before, 50.0);
}

TEST_P(TransportApi, AContentLengthPastTheLimitIsRefusedBeforeTheBodyIsSent) {
  RawConnection client(port());
  ASSERT_TRUE(
      client.send("POST /api/v1/checkins HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\n"
                  "Content-Type: multipart/form-data; boundary=b\r\n"
                  "Content-Length: 419430400\r\n\r\n"));
  const auto reply = client.read(3s, true);
  // No "100 Continue": the client need not send the 400 MiB at all.
  EXPECT_EQ(RawConnection::status_of(reply), 413) << reply.substr(0, 300);
}

TEST_P(TransportApi, AStalledBodyIsCutWith408) {
  RawConnection client(port());
  ASSERT_TRUE(client.send(
      "POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
      "Content-Length: 1000\r\n\r\n{\"username\":"));
  const auto reply = client.read(5s, true);
  EXPECT_EQ(RawConnection::status_of(reply), 408) << reply;
  EXPECT_NE(reply.find("request_timeout"), std::string::npos);
}

TEST_P(TransportApi, ABodyDribbledSlowerThanTheMinimumRateIsCut) {
  RawConnection client(port());
  ASSERT_TRUE(client.send(
      "POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
      "Content-Length: 100000\r\n\r\n"));
  // A byte every half second never stalls long, but averages 2 B/s.
  std::string reply;
  for (int i = 0; i < 12 && reply.empty(); ++i) {
    client.send("a");
    reply = client.read(500ms, true);
  }
  EXPECT_EQ(RawConnection::status_of(reply), 408) << reply;
}

TEST_P(TransportApi, ConnectionsPastThePerAddressCapAreRefusedAndOtherAddressesServed) {
  std::vector<std::unique_ptr<RawConnection>> held;
  for (int i = 0; i < 8; ++i) {
    held.push_back(std::make_unique<RawConnection>(port(), "127.0.2.1"));
    ASSERT_TRUE(held.back()->is_connected());
  }
  RawConnection ninth(port(), "127.0.2.1");
  ninth.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
  const auto refused = ninth.read(3s);
  EXPECT_EQ(RawConnection::status_of(refused), 503) << refused;
  EXPECT_NE(refused.find("too_many_connections"), std::string::npos);

  RawConnection other(port(), "127.0.2.2");
  other.send("GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(RawConnection::status_of(other.read(3s)), 200);
  // A closed connection frees its place.
  held.pop_back();
  std::this_thread::sleep_for(200ms);
  RawConnection again(port(), "127.0.2.1");
  again.send("GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(RawConnection::status_of(again.read(3s)), 200);
}

TEST_P(TransportApi, PipelinedRequestsAreAnsweredInOrderOnOneConnection) {
  RawConnection client(port());
  ASSERT_TRUE(
      client.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"
                  "GET /api/v1/nothing-here HTTP/1.1\r\nHost: x\r\n\r\n"
                  "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));
  const auto replies = client.read(3s);
  const auto first = replies.find("HTTP/1.1 200");
  const auto second = replies.find("HTTP/1.1 404");
  const auto third = replies.rfind("HTTP/1.1 200");
  ASSERT_NE(first, std::string::npos) << replies;
  ASSERT_NE(second, std::string::npos) << replies;
  EXPECT_LT(first, second);
  EXPECT_LT(second, third);
}

TEST_P(TransportApi, BadHttpIs400AndHugeHeadersAre431) {
  RawConnection bad(port());
  bad.send("GET /healthz HTTP/1.1\r\nHost x\r\n\r\n");
  EXPECT_EQ(RawConnection::status_of(bad.read(3s)), 400);
  RawConnection huge(port());
  huge.send("GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(64 * 1024, 'b') +
            "\r\n\r\n");
  const auto reply = huge.read(3s);
  EXPECT_EQ(RawConnection::status_of(reply), 431) << reply.substr(0, 200);
  EXPECT_NE(reply.find("headers_too_large"), std::string::npos);
}

TEST_P(TransportApi, HeadAnswersLikeGetWithoutTheBody) {
  RawConnection client(port());
  client.send("HEAD /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  const auto reply = client.read(3s);
  EXPECT_EQ(RawConnection::status_of(reply), 200) << reply;
  EXPECT_NE(reply.find("Content-Length: "), std::string::npos) << reply;
  EXPECT_EQ(reply.substr(reply.find("\r\n\r\n") + 4), "");
}

TEST_P(TransportApi, EveryReplyCarriesTheSecurityHeaders) {
  for (const std::string path : {"/healthz", "/api/v1/me", "/api/v1/no-such-route"}) {
    const auto reply = api().get(path);
    EXPECT_EQ(reply.header("X-Content-Type-Options"), "nosniff") << path;
    EXPECT_EQ(reply.header("Referrer-Policy"), "same-origin") << path;
    const auto csp = reply.header("Content-Security-Policy");
    EXPECT_NE(csp.find("frame-ancestors 'none'"), std::string::npos) << path;
    EXPECT_NE(csp.find("script-src 'self'"), std::string::npos) << path;
    // Plain HTTP: no HSTS (a browser would ignore it, and it would lie).
    EXPECT_EQ(reply.header("Strict-Transport-Security"), "") << path;
  }
}

// The transport does not depend on the database: SQLite alone.
INSTANTIATE_TEST_SUITE_P(Sqlite, TransportApi, ::testing::Values(Backend::sqlite), backend_name);

}  // namespace
}  // namespace rollcall::http_testing
