// tests/store/webhooks_test.cc
//
// Webhook endpoints and the outbox: round trips, subscription filtering,
// claiming due deliveries (leases, no double claim), history, cascade.
#include <set>
#include <thread>

#include "store_fixture.h"

namespace rollcall::store::testing {
namespace {

class WebhooksStoreTest : public StoreTest {
 protected:
  static WebhookEndpoint endpoint(const std::string& url, std::vector<std::string> events) {
    WebhookEndpoint endpoint;
    endpoint.url = url;
    endpoint.secret = "0123456789abcdef-secret";
    endpoint.events = std::move(events);
    endpoint.created_ms = 1000;
    return endpoint;
  }
  std::int64_t add_endpoint(const std::string& url, std::vector<std::string> events) {
    return must(write([&](Tx& tx) { return tx.insert_webhook_endpoint(endpoint(url, events)); }));
  }
  static WebhookDelivery delivery(std::int64_t endpoint, const std::string& id,
                                  std::int64_t due_ms) {
    WebhookDelivery delivery;
    delivery.endpoint = endpoint;
    delivery.event = "record.changed";
    delivery.delivery_id = id;
    delivery.payload_json = R"({"a": 1})";
    delivery.next_attempt_ms = due_ms;
    delivery.created_ms = 500;
    return delivery;
  }
  std::int64_t add_delivery(std::int64_t endpoint, const std::string& id, std::int64_t due_ms) {
    return must(
        write([&](Tx& tx) { return tx.insert_webhook_delivery(delivery(endpoint, id, due_ms)); }));
  }
};
ROLLCALL_ON_BOTH_BACKENDS(WebhooksStoreTest);

TEST_P(WebhooksStoreTest, EndpointRoundTripsAndUpdates) {
  const auto id = add_endpoint("http://127.0.0.1:9/hook", {"record.changed", "session.closed"});
  auto found = must(read([&](Tx& tx) { return tx.find_webhook_endpoint(id); }));
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->url, "http://127.0.0.1:9/hook");
  EXPECT_EQ(found->secret, "0123456789abcdef-secret");
  EXPECT_EQ(found->events, (std::vector<std::string>{"record.changed", "session.closed"}));
  EXPECT_TRUE(found->is_active);
  EXPECT_EQ(found->state, WebhookState::healthy);
  EXPECT_EQ(found->created_ms, 1000);

  found->events = {"session.closed"};
  found->state = WebhookState::failing;
  found->consecutive_failures = 3;
  found->is_active = false;
  must(write([&](Tx& tx) { return tx.update_webhook_endpoint(*found); }));
  auto again = must(read([&](Tx& tx) { return tx.find_webhook_endpoint(id); }));
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(again->events, std::vector<std::string>{"session.closed"});
  EXPECT_EQ(again->state, WebhookState::failing);
  EXPECT_EQ(again->consecutive_failures, 3);
  EXPECT_FALSE(again->is_active);

  WebhookEndpoint missing = *again;
  missing.id = 999'999;
  auto refused = write([&](Tx& tx) { return tx.update_webhook_endpoint(missing); });
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, "not_found");
}

TEST_P(WebhooksStoreTest, EndpointsForAnEventAreTheActiveSubscribers) {
  const auto records = add_endpoint("http://a.example/", {"record.changed"});
  const auto both = add_endpoint("http://b.example/", {"record.changed", "session.closed"});
  const auto inactive = add_endpoint("http://c.example/", {"record.changed"});
  auto off = must(read([&](Tx& tx) { return tx.find_webhook_endpoint(inactive); }));
  off->is_active = false;
  must(write([&](Tx& tx) { return tx.update_webhook_endpoint(*off); }));

  auto ids = [&](const std::string& event) {
    std::vector<std::int64_t> out;
    for (const auto& e : must(read([&](Tx& tx) { return tx.webhook_endpoints_for(event); }))) {
      out.push_back(e.id);
    }
    return out;
  };
  EXPECT_EQ(ids("record.changed"), (std::vector<std::int64_t>{records, both}));
  EXPECT_EQ(ids("session.closed"), std::vector<std::int64_t>{both});
  EXPECT_EQ(ids("ping"), (std::vector<std::int64_t>{records, both}));
  EXPECT_TRUE(ids("other").empty());
}

TEST_P(WebhooksStoreTest, DeliveryIdsAreUnique) {
  const auto hook = add_endpoint("http://a.example/", {"record.changed"});
  add_delivery(hook, "d-1", 0);
  auto again = write([&](Tx& tx) { return tx.insert_webhook_delivery(delivery(hook, "d-1", 0)); });
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, "duplicate");
  EXPECT_EQ(again.error().message, "webhook_outbox.delivery_id");
}

TEST_P(WebhooksStoreTest, ClaimTakesDueRowsOnceUntilTheLeaseEnds) {
  const auto hook = add_endpoint("http://a.example/", {"record.changed"});
  const auto first = add_delivery(hook, "d-1", 100);
  const auto second = add_delivery(hook, "d-2", 200);
  add_delivery(hook, "d-3", 10'000);  // not due yet

  auto claimed = must(write([&](Tx& tx) { return tx.claim_webhook_deliveries(1000, 10, 30'000); }));
  ASSERT_EQ(claimed.size(), 2u);
  EXPECT_EQ(claimed[0].id, first);
  EXPECT_EQ(claimed[1].id, second);
  EXPECT_EQ(claimed[0].next_attempt_ms, 31'000);
  EXPECT_EQ(claimed[0].delivery_id, "d-1");
  EXPECT_EQ(claimed[0].payload_json, R"({"a": 1})");

  // Leased: not claimed again before the lease ends, but d-3 now is.
  auto next = must(write([&](Tx& tx) { return tx.claim_webhook_deliveries(20'000, 10, 30'000); }));
  ASSERT_EQ(next.size(), 1u);
  EXPECT_EQ(next[0].delivery_id, "d-3");

  // The first is delivered; the second's sender "died": claimed again later.
  WebhookDelivery done = claimed[0];
  done.attempts = 1;
  done.state = DeliveryState::delivered;
  done.last_status = 204;
  done.delivered_ms = 1500;
  must(write([&](Tx& tx) { return tx.update_webhook_delivery(done); }));
  auto later = must(write([&](Tx& tx) { return tx.claim_webhook_deliveries(31'000, 10, 30'000); }));
  ASSERT_EQ(later.size(), 1u);
  EXPECT_EQ(later[0].id, second);

  auto found = must(read([&](Tx& tx) { return tx.find_webhook_delivery(first); }));
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->state, DeliveryState::delivered);
  EXPECT_EQ(found->last_status, 204);
  EXPECT_EQ(found->delivered_ms, 1500);
  EXPECT_EQ(found->attempts, 1);
}

TEST_P(WebhooksStoreTest, ConcurrentClaimsNeverShareARow) {
  const auto hook = add_endpoint("http://a.example/", {"record.changed"});
  for (int i = 0; i < 40; ++i) add_delivery(hook, "d-" + std::to_string(i), 0);
  std::mutex mutex;
  std::vector<std::int64_t> all;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int round = 0; round < 10; ++round) {
        auto got = store().write_value<std::vector<WebhookDelivery>>(
            [](Tx& tx) { return tx.claim_webhook_deliveries(1000, 3, 60'000); });
        if (!got.ok()) continue;  // busy: another claim held the lock
        std::lock_guard lock(mutex);
        for (const auto& d : *got) all.push_back(d.id);
      }
    });
  }
  for (auto& thread : threads) thread.join();
  const std::set<std::int64_t> unique(all.begin(), all.end());
  EXPECT_EQ(unique.size(), all.size());
  EXPECT_EQ(all.size(), 40u);
}

TEST_P(WebhooksStoreTest, HistoryIsNewestFirstAndGoesWithTheEndpoint) {
  const auto hook = add_endpoint("http://a.example/", {"record.changed"});
  const auto other = add_endpoint("http://b.example/", {"record.changed"});
  add_delivery(hook, "d-1", 0);
  add_delivery(hook, "d-2", 0);
  add_delivery(other, "d-3", 0);
  auto page = must(read([&](Tx& tx) { return tx.list_webhook_deliveries(hook, ListQuery{}); }));
  EXPECT_EQ(page.total, 2);
  ASSERT_EQ(page.items.size(), 2u);
  EXPECT_EQ(page.items[0].delivery_id, "d-2");
  EXPECT_EQ(page.items[1].delivery_id, "d-1");

  EXPECT_TRUE(must(write([&](Tx& tx) { return tx.delete_webhook_endpoint(hook); })));
  EXPECT_EQ(count_rows("webhook_outbox"), 1);
  EXPECT_FALSE(must(write([&](Tx& tx) { return tx.delete_webhook_endpoint(hook); })));
}

}  // namespace
}  // namespace rollcall::store::testing
