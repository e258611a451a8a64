// tests/http/webhook_api_test.cc
//
// Webhooks end to end: endpoints configured through the API, events sent
// by the server's background sender to a REAL local HTTP receiver (a
// cpp-httplib server on a loopback port) that fails the first N requests.
// Checks that every event arrives at least once, signed, with a delivery id
// unique per event and repeated on retries, that history shows attempts,
// that an endpoint is marked failing after the last attempt, and that
// pending deliveries survive a restart of `rollcall serve`.
#include <sodium.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "server_harness.h"

namespace rollcall::http_testing {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

constexpr const char* kSecret = "a-webhook-secret-for-tests";

struct Received {
  std::string event, delivery, timestamp, signature, body;
  int answered = 0;
};

// A real HTTP server on 127.0.0.1 that answers 500 to the first
// `failures` requests (or to every request while `is_failing`), 204 after.
class Receiver {
 public:
  explicit Receiver(int failures) : failures_left_(failures) {
    server_.Post("/hook", [this](const httplib::Request& request, httplib::Response& response) {
      Received got{request.get_header_value("X-Rollcall-Event"),
                   request.get_header_value("X-Rollcall-Delivery"),
                   request.get_header_value("X-Rollcall-Timestamp"),
                   request.get_header_value("X-Rollcall-Signature"), request.body};
      bool fail = is_failing_.load();
      if (!fail && failures_left_.load() > 0) fail = failures_left_.fetch_sub(1) > 0;
      got.answered = fail ? 500 : 204;
      response.status = got.answered;
      if (fail) response.set_content("try again later", "text/plain");
      std::lock_guard lock(mutex_);
      received_.push_back(got);
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
  }
  ~Receiver() {
    server_.stop();
    thread_.join();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/hook"; }
  void set_failing(bool failing) { is_failing_ = failing; }
  std::vector<Received> received() {
    std::lock_guard lock(mutex_);
    return received_;
  }
  // Delivery ids answered with 2xx.
  std::set<std::string> delivered() {
    std::set<std::string> out;
    for (const auto& r : received()) {
      if (r.answered / 100 == 2) out.insert(r.delivery);
    }
    return out;
  }
  // Waits until every id in `ids` was answered with 2xx.
  bool wait_delivered(const std::set<std::string>& ids, std::chrono::seconds timeout = 30s) {
    const auto until = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < until) {
      const auto got = delivered();
      if (std::includes(got.begin(), got.end(), ids.begin(), ids.end())) return true;
      std::this_thread::sleep_for(50ms);
    }
    return false;
  }

 private:
  httplib::Server server_;
  std::atomic<int> failures_left_;
  std::atomic<bool> is_failing_{false};
  std::mutex mutex_;
  std::vector<Received> received_;
  int port_ = 0;
  std::thread thread_;
};

std::string expected_signature(const std::string& secret, const std::string& timestamp,
                               const std::string& body) {
  const std::string text = timestamp + "." + body;
  unsigned char mac[crypto_auth_hmacsha256_BYTES];
  crypto_auth_hmacsha256_state state;
  crypto_auth_hmacsha256_init(&state, reinterpret_cast<const unsigned char*>(secret.data()),
                              secret.size());
  crypto_auth_hmacsha256_update(&state, reinterpret_cast<const unsigned char*>(text.data()),
                                text.size());
  crypto_auth_hmacsha256_final(&state, mac);
  char hex[sizeof mac * 2 + 1];
  sodium_bin2hex(hex, sizeof hex, mac, sizeof mac);
  return std::string("sha256=") + hex;
}

// Every received request is signed with `secret` over its own timestamp
// and body, its headers agree with its body, and its timestamp is recent.
void expect_signed(const std::vector<Received>& received, const std::string& secret) {
  const auto now_s = std::chrono::duration_cast<std::chrono::seconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count();
  for (const auto& r : received) {
    EXPECT_EQ(r.signature, expected_signature(secret, r.timestamp, r.body)) << r.body;
    EXPECT_LE(std::abs(now_s - std::stoll(r.timestamp)), 300);
    const auto body = json::parse(r.body);
    EXPECT_EQ(body.at("event"), r.event);
    EXPECT_EQ(body.at("delivery_id"), r.delivery);
    EXPECT_TRUE(body.contains("data"));
  }
}

const std::vector<std::pair<std::string, std::string>> kFastRetries = {
    {"--webhook-retry-base-ms", "50"}, {"--webhook-max-attempts", "3"}};

class WebhookApi : public ServerTest {
 protected:
  std::vector<std::pair<std::string, std::string>> flags() const override { return kFastRetries; }

  json create(const Api& on, const std::string& token, const json& body) {
    const auto reply = on.post("/api/v1/webhooks", body, token);
    EXPECT_EQ(reply.status, 201) << reply;
    return reply.json();
  }
  std::string ping(const Api& on, const std::string& token, std::int64_t id) {
    const auto reply =
        on.post("/api/v1/webhooks/" + std::to_string(id) + "/test", json::object(), token);
    EXPECT_EQ(reply.status, 202) << reply;
    EXPECT_EQ(reply.json().value("event", ""), "ping");
    EXPECT_EQ(reply.json().value("state", ""), "pending");
    return reply.json().value("delivery_id", "");
  }
  json history(const Api& on, const std::string& token, std::int64_t id) {
    const auto reply = on.get("/api/v1/webhooks/" + std::to_string(id) + "/deliveries", token);
    EXPECT_EQ(reply.status, 200) << reply;
    return reply.json();
  }
};
ROLLCALL_ON_BOTH_BACKENDS(WebhookApi);

TEST_P(WebhookApi, EndpointsAreValidatedAndSecretsNeverShownAgain) {
  const auto& token = admin_token();
  auto bad = [&](const json& body, const std::string& field) {
    const auto reply = api().post("/api/v1/webhooks", body, token);
    EXPECT_EQ(reply.status, 400) << reply;
    EXPECT_EQ(reply.error_field(), field) << reply;
  };
  bad({{"url", "ftp://lms.example/hook"}}, "url");
  bad({{"url", "http:///nohost"}}, "url");
  bad({{"url", "https://lms.example/hook"}, {"secret", "short"}}, "secret");
  bad({{"url", "https://lms.example/hook"}, {"events", {"record.deleted"}}}, "events");
  bad({{"url", "https://lms.example/hook"}, {"events", json::array()}}, "events");
  bad({{"url", "https://lms.example/hook"}, {"events", "record.changed"}}, "events");
  EXPECT_EQ(api().post("/api/v1/webhooks", json{{"secret", kSecret}}, token).status, 400);

  const auto generated = create(api(), token, {{"url", "https://lms.example/hook"}});
  ASSERT_TRUE(generated.contains("generated_secret"));
  EXPECT_GE(generated.at("generated_secret").get<std::string>().size(), 32u);
  EXPECT_EQ(generated.at("events"), json({"record.changed", "session.closed"}));
  EXPECT_EQ(generated.at("state"), "healthy");
  EXPECT_FALSE(generated.contains("secret"));
  const auto id = generated.at("id").get<std::int64_t>();
  const std::string path = "/api/v1/webhooks/" + std::to_string(id);

  const auto given = create(
      api(), token,
      {{"url", "http://127.0.0.1:1/hook"}, {"secret", kSecret}, {"events", {"session.closed"}}});
  EXPECT_FALSE(given.contains("generated_secret"));

  const auto one = api().get(path, token);
  ASSERT_EQ(one.status, 200) << one;
  EXPECT_FALSE(one.json().contains("secret"));
  EXPECT_EQ(one.body.find(generated.at("generated_secret").get<std::string>()), std::string::npos);
  const auto list = api().get("/api/v1/webhooks", token);
  ASSERT_EQ(list.status, 200) << list;
  EXPECT_EQ(list.body.find(kSecret), std::string::npos);
  EXPECT_GE(list.json().at("total").get<int>(), 2);

  const auto changed = api().patch(
      path, {{"events", {"record.changed"}}, {"is_active", false}, {"url", "http://lms.example/"}},
      token);
  ASSERT_EQ(changed.status, 200) << changed;
  EXPECT_EQ(changed.json().at("events"), json({"record.changed"}));
  EXPECT_EQ(changed.json().at("is_active"), false);
  EXPECT_EQ(changed.json().at("url"), "http://lms.example/");
  EXPECT_EQ(api().patch(path, {{"secret", "short"}}, token).status, 400);
  EXPECT_EQ(api().patch(path, {{"colour", "red"}}, token).status, 400);

  EXPECT_EQ(api().del(path, token).status, 204);
  EXPECT_EQ(api().get(path, token).error_code(), "webhook_not_found");
  EXPECT_EQ(api().get(path + "/deliveries", token).status, 404);
  EXPECT_EQ(api().post(path + "/test", json::object(), token).status, 404);
}

TEST_P(WebhookApi, EveryEventArrivesSignedOnceDeliveredWithItsIdRepeatedOnRetries) {
  const auto& token = admin_token();
  Receiver receiver(2);  // the first two requests fail
  const auto hook = create(api(), token, {{"url", receiver.url()}, {"secret", kSecret}});
  const auto id = hook.at("id").get<std::int64_t>();
  std::set<std::string> sent;
  for (int i = 0; i < 4; ++i) sent.insert(ping(api(), token, id));
  ASSERT_EQ(sent.size(), 4u) << "delivery ids must be unique per event";
  ASSERT_TRUE(receiver.wait_delivered(sent)) << server().log();

  const auto received = receiver.received();
  expect_signed(received, kSecret);
  std::map<std::string, int> requests;
  for (const auto& r : received) {
    EXPECT_EQ(r.event, "ping");
    EXPECT_TRUE(sent.contains(r.delivery)) << r.delivery;
    ++requests[r.delivery];
  }
  int retried = 0;
  for (const auto& [delivery, count] : requests) retried += count - 1;
  EXPECT_EQ(retried, 2) << "the two failed requests were retried with the same delivery id";

  // History: every delivery delivered; attempts add up to the requests.
  // The receiver answers before the sender records the answer: wait for it.
  auto page = history(api(), token, id);
  const auto all_delivered = [](const nlohmann::json& p) {
    return std::all_of(p.at("items").begin(), p.at("items").end(),
                       [](const nlohmann::json& d) { return d.at("state") == "delivered"; });
  };
  for (int i = 0; i < 100 && !all_delivered(page); ++i) {
    std::this_thread::sleep_for(100ms);
    page = history(api(), token, id);
  }
  ASSERT_EQ(page.at("total"), 4);
  int attempts = 0;
  for (const auto& d : page.at("items")) {
    EXPECT_EQ(d.at("state"), "delivered") << d;
    EXPECT_EQ(d.at("last_status"), 204) << d;
    EXPECT_EQ(d.at("last_error"), "") << d;
    EXPECT_FALSE(d.at("delivered_at").is_null());
    EXPECT_EQ(d.at("attempts").get<int>(), requests[d.at("delivery_id")]) << d;
    EXPECT_EQ(d.at("payload").at("delivery_id"), d.at("delivery_id"));
    attempts += d.at("attempts").get<int>();
  }
  EXPECT_EQ(attempts, static_cast<int>(received.size()));
  EXPECT_EQ(api().get("/api/v1/webhooks/" + std::to_string(id), token).json().at("state"),
            "healthy");
}

TEST_P(WebhookApi, AFailingEndpointIsMarkedFailingThenHealthyAgain) {
  const auto& token = admin_token();
  Receiver receiver(0);
  receiver.set_failing(true);
  const auto hook = create(api(), token, {{"url", receiver.url()}, {"secret", kSecret}});
  const auto id = hook.at("id").get<std::int64_t>();
  const std::string path = "/api/v1/webhooks/" + std::to_string(id);
  const auto first = ping(api(), token, id);

  // Three attempts (the suite's max), then failed and the endpoint failing.
  json delivery;
  for (int i = 0; i < 300; ++i) {
    delivery = history(api(), token, id).at("items").at(0);
    if (delivery.at("state") == "failed") break;
    std::this_thread::sleep_for(50ms);
  }
  EXPECT_EQ(delivery.at("state"), "failed") << delivery;
  EXPECT_EQ(delivery.at("attempts"), 3);
  EXPECT_EQ(delivery.at("last_status"), 500);
  EXPECT_NE(delivery.at("last_error").get<std::string>().find("HTTP 500"), std::string::npos);
  const auto failing = api().get(path, token).json();
  EXPECT_EQ(failing.at("state"), "failing");
  EXPECT_EQ(failing.at("consecutive_failures"), 3);
  std::this_thread::sleep_for(300ms);
  EXPECT_EQ(receiver.received().size(), 3u) << "a failed delivery is not retried again";

  receiver.set_failing(false);
  const auto second = ping(api(), token, id);
  ASSERT_TRUE(receiver.wait_delivered({second})) << server().log();
  for (int i = 0; i < 100 && api().get(path, token).json().at("state") != "healthy"; ++i) {
    std::this_thread::sleep_for(50ms);
  }
  const auto healthy = api().get(path, token).json();
  EXPECT_EQ(healthy.at("state"), "healthy");
  EXPECT_EQ(healthy.at("consecutive_failures"), 0);
  EXPECT_FALSE(receiver.delivered().contains(first));
}

TEST_P(WebhookApi, PendingDeliveriesArriveAfterARestart) {
  // Its own server: stopped and started again on the same database.
  ServerProcess::Options options{GetParam(), kFastRetries};
  options.flags.emplace_back("--webhook-max-attempts", "100");
  std::string error;
  auto first = ServerProcess::start(options, error);
  ASSERT_TRUE(first) << error;
  const std::string token = first->api().login("admin", kAdminPassword);

  Receiver receiver(0);
  receiver.set_failing(true);
  const auto hook = create(first->api(), token, {{"url", receiver.url()}, {"secret", kSecret}});
  const auto id = hook.at("id").get<std::int64_t>();
  std::set<std::string> sent;
  for (int i = 0; i < 3; ++i) sent.insert(ping(first->api(), token, id));
  // Wait until every one was tried (and failed) at least once.
  for (int i = 0; i < 200; ++i) {
    std::set<std::string> tried;
    for (const auto& r : receiver.received()) tried.insert(r.delivery);
    if (tried == sent) break;
    std::this_thread::sleep_for(50ms);
  }
  EXPECT_EQ(first->stop(), 0) << first->log();
  EXPECT_TRUE(receiver.delivered().empty());

  receiver.set_failing(false);
  auto second = ServerProcess::restart(std::move(first), options, error);
  ASSERT_TRUE(second) << error;
  ASSERT_TRUE(receiver.wait_delivered(sent)) << second->log();
  expect_signed(receiver.received(), kSecret);
  const std::string again = second->api().login("admin", kAdminPassword);
  const auto page = history(second->api(), again, id);
  ASSERT_EQ(page.at("total"), 3);
  for (const auto& d : page.at("items")) {
    EXPECT_EQ(d.at("state"), "delivered") << d;
    EXPECT_GE(d.at("attempts").get<int>(), 2) << d;
  }
  EXPECT_EQ(second->stop(), 0) << second->log();
}

}  // namespace
}  // namespace rollcall::http_testing

namespace rollcall::http_testing {
namespace {

TEST_P(WebhookApi, AttendanceChangesAndAClosedSessionReachTheLms) {
  const auto& token = admin_token();
  Receiver receiver(1);  // the first request fails: the events still arrive
  create(api(), token,
         {{"url", receiver.url()},
          {"secret", kSecret},
          {"events", {"record.changed", "session.closed"}}});
  const auto group = create_class();
  const auto subject = create_subject();
  const auto teacher = create_teacher();
  const auto student = create_student(group.at("id"));
  // A session's teacher teaches its class (teacher_not_of_class otherwise).
  ASSERT_EQ(api()
                .post("/api/v1/assignments",
                      {{"teacher_id", teacher.at("teacher").at("id")},
                       {"class_id", group.at("id")},
                       {"subject_id", subject.at("id")}},
                      token)
                .status,
            201);
  const auto made = api().post("/api/v1/sessions",
                               {{"class_id", group.at("id")},
                                {"subject_id", subject.at("id")},
                                {"teacher_id", teacher.at("teacher").at("id")},
                                {"starts_at", "2026-11-25T09:30:00Z"},
                                {"ends_at", "2026-11-25T10:30:00Z"},
                                {"method", "manual"}},
                               token);
  ASSERT_EQ(made.status, 201) << made;
  const auto session =
      "/api/v1/sessions/" + std::to_string(made.json().at("id").get<std::int64_t>());
  const auto marked = api().send(
      "PUT", session + "/attendance/" + std::to_string(student.at("id").get<std::int64_t>()),
      R"({"status": "late"})", "application/json", token);
  ASSERT_EQ(marked.status / 100, 2) << marked;
  const auto locked = api().patch(session, {{"is_locked", true}}, token);
  ASSERT_EQ(locked.status, 200) << locked;

  // Both events, each delivered once (after the first failed try).
  const auto until = std::chrono::steady_clock::now() + 30s;
  std::map<std::string, json> delivered;
  while (delivered.size() < 2 && std::chrono::steady_clock::now() < until) {
    for (const auto& r : receiver.received()) {
      if (r.answered / 100 == 2) delivered[r.event] = json::parse(r.body).at("data");
    }
    std::this_thread::sleep_for(50ms);
  }
  ASSERT_EQ(delivered.size(), 2u) << server().log();
  expect_signed(receiver.received(), kSecret);
  const auto& record = delivered.at("record.changed");
  EXPECT_EQ(record.at("student_id"), student.at("id"));
  EXPECT_EQ(record.at("roll_number"), student.at("roll_number"));
  EXPECT_EQ(record.at("status"), "late");
  EXPECT_TRUE(record.at("previous_status").is_null());
  EXPECT_EQ(record.at("decided_by"), "manual");
  const auto& closed = delivered.at("session.closed");
  EXPECT_EQ(closed.at("class_id"), group.at("id"));
  EXPECT_EQ(closed.at("counts").at("late"), 1);
  EXPECT_EQ(closed.at("counts").at("present"), 0);
}

}  // namespace
}  // namespace rollcall::http_testing
