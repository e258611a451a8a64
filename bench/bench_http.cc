// bench/bench_http.cc
#include "bench_http.h"

#include <algorithm>
#include <cmath>

#include "server_child.h"

namespace rollcall::bench {

using nlohmann::json;

std::unique_ptr<httplib::Client> client_of(int port, const std::string& token, bool keep_alive) {
  auto client = std::make_unique<httplib::Client>("127.0.0.1", port);
  client->set_keep_alive(keep_alive);
  client->set_tcp_nodelay(true);  // as browsers and curl do
  client->set_connection_timeout(5);
  client->set_read_timeout(120);  // an upload waits for the engine behind the others
  client->set_write_timeout(60);
  if (!token.empty()) client->set_bearer_token_auth(token);
  return client;
}

Reply reply_of(const httplib::Result& result) {
  if (!result) return {0, "transport error: " + httplib::to_string(result.error()), {}};
  return {result->status, result->body, result->headers};
}

json expect_json(const Reply& reply, const std::string& what) {
  if (!is_success(reply.status)) {
    fail(what + " answered " + std::to_string(reply.status) + ": " + reply.body.substr(0, 500));
  }
  return json::parse(reply.body);
}

Reply post_json(httplib::Client& client, const std::string& path, const json& body) {
  return reply_of(client.Post(path.c_str(), body.dump(), "application/json"));
}

double percentile(const std::vector<double>& sorted, double q) {
  if (sorted.empty()) return 0;
  const auto rank = static_cast<std::size_t>(std::ceil(q * static_cast<double>(sorted.size())));
  return sorted[std::min(sorted.size() - 1, rank == 0 ? 0 : rank - 1)];
}

}  // namespace rollcall::bench
