// src/http/server.cc
//
// The transport: Boost.Beast connections on Asio's event loop. Each
// connection reads a request head within header_timeout_s, decides the
// body's limit from the head (Dispatcher::body_limit) and refuses a body
// over it at once (413, from Content-Length) or as soon as the chunks pass
// it; reads the body in pieces, each piece under a stall deadline, the
// whole under body_timeout_s and, after the first header_timeout_s, at
// least min_body_bytes_per_s; then hands the request to a handler thread
// and writes the reply. Streamed replies (Server-Sent Events, downloads)
// run their producer on a thread of their own, which posts each chunk to
// the connection and waits for it to be written.
#include "http/server.h"

#include <spdlog/spdlog.h>
#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <chrono>
#include <cmath>
#include <functional>
#include <future>
#include <limits>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include "base/clock.h"
#include "http/dispatch.h"
#include "http/url.h"

namespace rollcall::http {
namespace {

namespace net = boost::asio;
namespace ssl = boost::asio::ssl;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = boost::asio::ip::tcp;
using Clock = std::chrono::steady_clock;

constexpr int kMaxStreams = 64;  // streamed replies at once, each holding a thread
constexpr auto kStopGrace = std::chrono::seconds(30);
constexpr auto kLingerTime = std::chrono::seconds(2);

// A transport event (a client cut, a cap reached), logged at most once a
// second per kind, with how many were not logged, so a flood of bad
// clients cannot flood the log.
class ThrottledLog {
 public:
  void warn(const std::string& event, nlohmann::json fields) {
    const auto now = Clock::now();
    std::int64_t suppressed = 0;
    {
      std::lock_guard lock(mutex_);
      auto& entry = entries_[event];
      if (now - entry.last < std::chrono::seconds(1)) {
        ++entry.suppressed;
        return;
      }
      entry.last = now;
      suppressed = std::exchange(entry.suppressed, 0);
    }
    fields["event"] = event;
    if (suppressed > 0) fields["not_logged_since"] = suppressed;
    spdlog::warn(fields.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  }

 private:
  struct Entry {
    Clock::time_point last{};
    std::int64_t suppressed = 0;
  };
  std::mutex mutex_;
  std::unordered_map<std::string, Entry> entries_;  // guarded by mutex_
};

// The method, path (percent-decoded), query string and headers of a parsed
// head into `request`. Errors: bad_request (a path that does not decode or
// does not start with '/': an absolute or asterisk form).
template <class Fields>
Result<void> read_head_into(const bhttp::request_header<Fields>& head, Request& request) {
  request.method = std::string(head.method_string());
  const std::string_view target(head.target().data(), head.target().size());
  const auto question = target.find('?');
  auto path = percent_decode(target.substr(0, question), false);
  if (question != std::string_view::npos) {
    request.query_string = std::string(target.substr(question + 1));
  }
  for (const auto& field : head) {
    request.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
  }
  if (!path || path->empty() || path->front() != '/') {
    request.path = "/";
    return make_error("bad_request", "the request's path is not valid");
  }
  request.path = std::move(*path);
  return {};
}

bool is_ip_address(const std::string& text) {
  boost::system::error_code error;
  net::ip::make_address(text, error);
  return !error;
}

}  // namespace

// What every connection shares.
struct Server::Impl {
  // Declared before the event loop: its destructor destroys the handlers
  // still queued on it, and so connections, which use these.
  ServerOptions options;
  Metrics& metrics;
  std::optional<Dispatcher> dispatcher;
  ThrottledLog events;
  std::optional<ssl::context> tls;

  std::atomic<bool> is_stopping{false};
  std::atomic<int> connections{0};
  std::atomic<int> queued{0};
  std::atomic<int> streams{0};
  std::atomic<std::int64_t> buffered_body_bytes{0};
  std::mutex per_ip_mutex;
  std::unordered_map<std::string, int> per_ip;  // guarded by per_ip_mutex; no zero entries

  // What stop() does to each open connection: close it when it waits
  // for a request, end its stream; busy ones close after their reply.
  std::mutex registry_mutex;
  std::unordered_map<void*, std::function<void()>> closers;  // guarded by registry_mutex

  net::io_context io;
  tcp::acceptor acceptor{io};
  std::optional<net::thread_pool> handlers;  // joined before the loop goes

  Impl(ServerOptions o, Metrics& m) : options(std::move(o)), metrics(m) {}

  bool is_trusted_proxy(const std::string& ip) const {
    return std::find(options.trusted_proxies.begin(), options.trusted_proxies.end(), ip) !=
           options.trusted_proxies.end();
  }
  // Admits a new connection from `ip`; false (and nothing counted) when a
  // cap is reached.
  bool admit(const std::string& ip, std::string& refusal) {
    if (connections.fetch_add(1) >= options.max_connections) {
      --connections;
      refusal = "the server has " + std::to_string(options.max_connections) +
                " connections open (max_connections)";
      return false;
    }
    if (is_trusted_proxy(ip)) return true;
    std::lock_guard lock(per_ip_mutex);
    int& count = per_ip[ip];
    if (count >= options.max_connections_per_ip) {
      if (count == 0) per_ip.erase(ip);
      --connections;
      refusal = "this address has " + std::to_string(options.max_connections_per_ip) +
                " connections open (max_connections_per_ip)";
      return false;
    }
    ++count;
    return true;
  }
  void release(const std::string& ip) {
    --connections;
    if (is_trusted_proxy(ip)) return;
    std::lock_guard lock(per_ip_mutex);
    const auto it = per_ip.find(ip);
    if (it != per_ip.end() && --it->second <= 0) per_ip.erase(it);
  }
  // The client of a request: the peer, or, from a trusted proxy, the
  // nearest address in X-Forwarded-For that is not a trusted proxy.
  std::string client_ip(const std::string& peer, const std::string& forwarded_for) const {
    if (!is_trusted_proxy(peer) || forwarded_for.empty()) return peer;
    std::string_view rest = forwarded_for;
    while (!rest.empty()) {
      const auto comma = rest.rfind(',');
      std::string hop(rest.substr(comma == std::string_view::npos ? 0 : comma + 1));
      rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(0, comma);
      hop.erase(0, hop.find_first_not_of(" \t"));
      hop.erase(hop.find_last_not_of(" \t") + 1);
      if (!is_ip_address(hop)) return peer;
      if (!is_trusted_proxy(hop)) return hop;
    }
    return peer;
  }

  void accept();
  // Requests in flight finish; a client that never reads its reply does
  // not hold the stop past `deadline`. The loop then runs out of work.
  void drain(Clock::time_point deadline) {
    if (connections == 0) return;
    if (Clock::now() >= deadline) return io.stop();
    auto timer = std::make_shared<net::steady_timer>(io, std::chrono::milliseconds(50));
    timer->async_wait([this, timer, deadline](beast::error_code) { drain(deadline); });
  }
  template <class Stream>
  void start_connection(Stream stream, std::string peer_ip);
};

namespace {

// One connection, over a plain TCP stream or TLS.
template <class Stream>
class Connection : public std::enable_shared_from_this<Connection<Stream>> {
 public:
  Connection(Server::Impl& server, Stream stream, std::string peer_ip)
      : server_(server),
        stream_(std::move(stream)),
        body_timer_(stream_.get_executor()),
        peer_ip_(std::move(peer_ip)) {}

  ~Connection() {
    release_body_budget();
    server_.release(peer_ip_);
    std::lock_guard lock(server_.registry_mutex);
    server_.closers.erase(this);
  }

  void start() {
    {
      std::lock_guard lock(server_.registry_mutex);
      std::weak_ptr<Connection> weak = this->shared_from_this();
      server_.closers[this] = [weak] {
        if (auto self = weak.lock()) {
          self->is_stream_open_ = false;
          net::post(self->stream_.get_executor(), [self] { self->close_if_idle(); });
        }
      };
    }
    if constexpr (kIsTls) {
      lowest().expires_after(std::chrono::seconds(server_.options.header_timeout_s));
      stream_.async_handshake(ssl::stream_base::server,
                              [self = this->shared_from_this()](beast::error_code error) {
                                if (error) return self->close();
                                self->read_head();
                              });
    } else {
      read_head();
    }
  }

 private:
  static constexpr bool kIsTls = !std::is_same_v<Stream, beast::tcp_stream>;

  beast::tcp_stream& lowest() { return beast::get_lowest_layer(stream_); }
  const ServerOptions& options() const { return server_.options; }
  const Dispatcher& dispatcher() const { return *server_.dispatcher; }

  void read_head() {
    if (server_.is_stopping) return close();
    request_ = Request{};
    parser_.emplace();
    parser_->header_limit(static_cast<std::uint32_t>(options().max_header_bytes));
    // Beast checks a Content-Length against its body limit (1 MB by
    // default) while it reads the head; the route's limit is set after.
    // (Not boost::none: Beast 1.74 compares `length > none`, always true.)
    parser_->body_limit(std::numeric_limits<std::uint64_t>::max());
    is_idle_ = true;
    lowest().expires_after(std::chrono::seconds(options().header_timeout_s));
    bhttp::async_read_header(
        stream_, buffer_, *parser_,
        [self = this->shared_from_this()](beast::error_code error, std::size_t) {
          self->is_idle_ = false;
          self->on_head(error);
        });
  }

  void close_if_idle() {
    if (is_idle_ && (!parser_ || !parser_->got_some())) close();
  }

  void on_head(beast::error_code error) {
    if (error) {
      const bool got_some = parser_->got_some() || buffer_.size() > 0;
      if (error == beast::error::timeout) {
        if (got_some) {
          server_.events.warn("http_header_timeout",
                              {{"ip", peer_ip_}, {"timeout_s", options().header_timeout_s}});
        }
        return close();
      }
      if (error == bhttp::error::header_limit) {
        return refuse(make_error("headers_too_large",
                                 "the request's headers are larger than " +
                                     std::to_string(options().max_header_bytes) + " bytes"),
                      431);
      }
      if (!got_some || error == bhttp::error::end_of_stream || error == net::error::eof ||
          error == net::error::connection_reset || error == net::error::operation_aborted) {
        return close();
      }
      server_.events.warn("http_bad_request", {{"ip", peer_ip_}, {"why", error.message()}});
      return refuse(make_error("bad_request", "the request is not valid HTTP"), 400);
    }
    auto& head = parser_->get();
    const auto parsed = read_head_into(head, request_);
    request_.secure = kIsTls;
    request_.remote_ip = server_.client_ip(peer_ip_, request_.header("X-Forwarded-For"));
    if (!parsed) return refuse(parsed.error(), 400);
    is_keep_alive_ = head.keep_alive();

    body_limit_ = dispatcher().body_limit(request_);
    if (const auto length = parser_->content_length(); length && *length > body_limit_) {
      return refuse(too_large(), 413);
    }
    parser_->body_limit(body_limit_);
    if (parser_->is_done()) return dispatch();
    body_started_ = Clock::now();
    if (beast::iequals(head[bhttp::field::expect], "100-continue")) {
      // The client waits for this before it sends the body (curl does for
      // large uploads): it is sent only for a body within the limit.
      auto cont = std::make_shared<bhttp::response<bhttp::empty_body>>(bhttp::status::continue_,
                                                                       head.version());
      lowest().expires_after(std::chrono::seconds(options().write_timeout_s));
      bhttp::async_write(stream_, *cont,
                         [self = this->shared_from_this(), cont](beast::error_code e, std::size_t) {
                           if (e) return self->close();
                           self->read_body();
                         });
      return;
    }
    read_body();
  }

  Error too_large() const {
    return make_error("body_too_large", "the request body is larger than " +
                                            std::to_string(body_limit_) +
                                            " bytes, the most this request may send");
  }

  // The body's deadlines run on a timer of their own, not the stream's
  // expiry, which would close the socket: a client cut for a stall or a
  // slow upload is told why (408).
  void read_body() {
    const auto now = Clock::now();
    const auto deadline = body_started_ + std::chrono::seconds(options().body_timeout_s);
    // A stall is cut like a slow head; the whole body has its own deadline.
    const auto stall = now + std::chrono::seconds(options().header_timeout_s);
    lowest().expires_never();
    body_timer_.expires_at(std::min(stall, deadline));
    body_timer_.async_wait([self = this->shared_from_this()](beast::error_code error) {
      if (error) return;  // the read finished first
      self->is_body_timed_out_ = true;
      beast::error_code ignored;
      self->lowest().socket().cancel(ignored);
    });
    bhttp::async_read_some(stream_, buffer_, *parser_,
                           [self = this->shared_from_this()](beast::error_code error, std::size_t) {
                             self->body_timer_.cancel();
                             self->on_body(error);
                           });
  }

  void on_body(beast::error_code error) {
    if (error == bhttp::error::body_limit) return refuse(too_large(), 413);
    const auto received = parser_->get().body().size();
    const double seconds = std::chrono::duration<double>(Clock::now() - body_started_).count();
    if (is_body_timed_out_) {
      server_.events.warn("http_body_timeout", {{"ip", peer_ip_},
                                                {"path", request_.path.substr(0, 200)},
                                                {"bytes", received},
                                                {"seconds", std::round(seconds)}});
      return refuse(
          make_error("request_timeout", "the upload stopped or took too long; send it again"), 408);
    }
    if (error) return close();
    if (!reserve_body_budget(received)) {
      server_.events.warn(
          "http_body_budget",
          {{"ip", peer_ip_}, {"max_buffered_body_bytes", options().max_buffered_body_bytes}});
      return refuse(busy(), 503);
    }
    if (parser_->is_done()) return dispatch();
    if (seconds > options().header_timeout_s &&
        static_cast<double>(received) / seconds < options().min_body_bytes_per_s) {
      server_.events.warn("http_body_too_slow", {{"ip", peer_ip_},
                                                 {"path", request_.path.substr(0, 200)},
                                                 {"bytes", received},
                                                 {"seconds", std::round(seconds)}});
      return refuse(
          make_error("request_timeout", "the upload is too slow; try again on a better connection"),
          408);
    }
    read_body();
  }

  // Counts the body's bytes against the budget for all bodies being read.
  bool reserve_body_budget(std::size_t bytes) {
    if (bytes <= reserved_) return true;
    const auto more = static_cast<std::int64_t>(bytes - reserved_);
    const auto total = server_.buffered_body_bytes.fetch_add(more) + more;
    reserved_ = bytes;
    return total <= static_cast<std::int64_t>(options().max_buffered_body_bytes);
  }
  void release_body_budget() {
    server_.buffered_body_bytes.fetch_sub(static_cast<std::int64_t>(reserved_));
    reserved_ = 0;
  }

  static Error busy() {
    return make_error("server_busy", "the server is busy; try again in a few seconds");
  }

  void dispatch() {
    request_.body = std::move(parser_->get().body());
    if (server_.queued.fetch_add(1) >= options().max_queued_requests) {
      --server_.queued;
      server_.events.warn("http_queue_full",
                          {{"max_queued_requests", options().max_queued_requests}});
      auto reply = dispatcher().refuse(request_, busy(), 503);
      reply.headers.emplace_back("Retry-After", "2");
      return write(std::move(reply));
    }
    net::post(*server_.handlers, [self = this->shared_from_this()] {
      Reply reply = self->dispatcher().dispatch(self->request_);
      --self->server_.queued;
      net::post(self->stream_.get_executor(),
                [self, reply = std::move(reply)]() mutable { self->write(std::move(reply)); });
    });
  }

  // A refusal before the request was whole: the body was not read, so
  // the connection closes after the reply.
  void refuse(const Error& error, int status) {
    is_keep_alive_ = false;
    auto reply = dispatcher().refuse(request_, error, status);
    if (status == 503) reply.headers.emplace_back("Retry-After", "2");
    write(std::move(reply));
  }

  template <class Body>
  void fill(bhttp::response<Body>& res, const Reply& reply) {
    res.result(static_cast<unsigned>(reply.status));
    for (const auto& [name, value] : reply.headers) res.insert(name, value);
    if (reply.status != 204 && reply.status != 304) {
      res.set(bhttp::field::content_type, reply.content_type);
    }
    res.keep_alive(is_keep_alive_ && !server_.is_stopping);
  }

  void write(Reply reply) {
    release_body_budget();
    request_.body.clear();
    request_.body.shrink_to_fit();
    if (reply.stream) return start_stream(std::move(reply));
    const bool is_head = request_.method == "HEAD";
    const bool has_body = reply.status != 204 && reply.status != 304;
    auto res = std::make_shared<bhttp::response<bhttp::string_body>>();
    fill(*res, reply);
    if (has_body && !is_head) res->body() = std::move(reply.body);
    if (has_body) res->content_length(is_head ? reply.body.size() : res->body().size());
    lowest().expires_after(std::chrono::seconds(options().write_timeout_s));
    bhttp::async_write(
        stream_, *res,
        [self = this->shared_from_this(), res](beast::error_code error, std::size_t) {
          if (error) return self->close();
          if (!res->keep_alive()) return self->linger_close();
          self->read_head();
        });
  }

  // The reply's headers, then its chunks as the producer makes them, on
  // a thread of the producer's own; the connection closes after.
  void start_stream(Reply reply) {
    if (server_.streams.fetch_add(1) >= kMaxStreams) {
      --server_.streams;
      is_keep_alive_ = false;
      auto busy_reply = dispatcher().refuse(request_, busy(), 503);
      busy_reply.headers.emplace_back("Retry-After", "2");
      return write(std::move(busy_reply));
    }
    is_keep_alive_ = false;
    stream_response_.emplace();
    fill(*stream_response_, reply);
    stream_response_->chunked(true);
    stream_serializer_.emplace(*stream_response_);
    lowest().expires_after(std::chrono::seconds(options().write_timeout_s));
    bhttp::async_write_header(stream_, *stream_serializer_,
                              [self = this->shared_from_this(), producer = std::move(reply.stream)](
                                  beast::error_code error, std::size_t) mutable {
                                if (error) {
                                  --self->server_.streams;
                                  return self->close();
                                }
                                std::thread([self, producer = std::move(producer)] {
                                  self->run_stream(producer);
                                  --self->server_.streams;
                                }).detach();
                              });
  }

  void run_stream(const std::function<bool(std::string&, const std::function<bool()>&)>& producer) {
    const std::function<bool()> is_open = [this] { return is_stream_open_.load(); };
    for (;;) {
      std::string chunk;
      const bool more = producer(chunk, is_open);
      if (!is_stream_open_) break;  // the client left, or the server stops
      if (!chunk.empty() && !write_chunk(std::move(chunk), false)) break;
      if (!more) {
        write_chunk("", true);
        break;
      }
    }
    net::post(stream_.get_executor(), [self = this->shared_from_this()] { self->close(); });
  }

  // Posts one chunk (or the last, empty one) to the connection and waits
  // until it is written; false when the client has gone.
  bool write_chunk(std::string chunk, bool is_last) {
    auto done = std::make_shared<std::promise<bool>>();
    auto written = done->get_future();
    net::post(stream_.get_executor(),
              [self = this->shared_from_this(),
               text = std::make_shared<std::string>(std::move(chunk)), is_last, done] {
                auto finish = [self, text, done](beast::error_code error, std::size_t) {
                  if (error) self->is_stream_open_ = false;
                  done->set_value(!error);
                };
                self->lowest().expires_after(std::chrono::seconds(self->options().write_timeout_s));
                if (is_last) {
                  net::async_write(self->stream_, bhttp::make_chunk_last(), finish);
                } else {
                  net::async_write(self->stream_, bhttp::make_chunk(net::buffer(*text)), finish);
                }
              });
    // A loop that has stopped never runs the write: give up then.
    if (written.wait_for(std::chrono::seconds(options().write_timeout_s + 5)) !=
        std::future_status::ready) {
      is_stream_open_ = false;
      return false;
    }
    return written.get();
  }

  // Closing with a body still arriving (a refused upload) would make the
  // kernel reset the connection, and the client could lose the reply it
  // has not read yet: stop sending, read and drop what comes for up to
  // kLingerTime, then close (what nginx calls a lingering close).
  void linger_close() {
    if (is_closed_) return;
    beast::error_code ignored;
    lowest().socket().shutdown(tcp::socket::shutdown_send, ignored);
    lowest().expires_after(kLingerTime);
    drain();
  }
  void drain() {
    lowest().async_read_some(net::buffer(drain_buffer_), [self = this->shared_from_this()](
                                                             beast::error_code error, std::size_t) {
      if (error) return self->close();
      self->drain();
    });
  }

  void close() {
    is_stream_open_ = false;
    if (is_closed_) return;
    is_closed_ = true;
    beast::error_code ignored;
    lowest().socket().shutdown(tcp::socket::shutdown_both, ignored);
    lowest().close();
  }

  Server::Impl& server_;
  Stream stream_;
  net::steady_timer body_timer_;
  bool is_body_timed_out_ = false;
  const std::string peer_ip_;
  beast::flat_buffer buffer_;
  char drain_buffer_[16 * 1024];
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  Request request_;
  std::size_t body_limit_ = 0;
  Clock::time_point body_started_;
  std::size_t reserved_ = 0;  // of server_.buffered_body_bytes
  bool is_keep_alive_ = true;
  bool is_idle_ = false;  // waiting for a request head
  bool is_closed_ = false;
  std::atomic<bool> is_stream_open_{true};
  std::optional<bhttp::response<bhttp::empty_body>> stream_response_;
  std::optional<bhttp::response_serializer<bhttp::empty_body>> stream_serializer_;
};

// The reply to a connection over a cap, written without reading anything.
void refuse_connection(std::shared_ptr<beast::tcp_stream> stream, const std::string& why) {
  auto res =
      std::make_shared<bhttp::response<bhttp::string_body>>(bhttp::status::service_unavailable, 11);
  res->set(bhttp::field::content_type, "application/json");
  res->set(bhttp::field::retry_after, "5");
  res->body() =
      nlohmann::json{{"error", {{"code", "too_many_connections"}, {"message", why}}}}.dump();
  res->keep_alive(false);
  res->prepare_payload();
  beast::get_lowest_layer(*stream).expires_after(std::chrono::seconds(5));
  bhttp::async_write(*stream, *res, [stream, res](beast::error_code, std::size_t) {
    beast::error_code ignored;
    beast::get_lowest_layer(*stream).socket().shutdown(tcp::socket::shutdown_both, ignored);
  });
}

}  // namespace

void Server::Impl::accept() {
  acceptor.async_accept(net::make_strand(io), [this](beast::error_code error, tcp::socket socket) {
    if (error) {
      if (error == net::error::operation_aborted || !acceptor.is_open()) return;
      // Out of descriptors: wait a moment rather than spin.
      events.warn("http_accept_failed", {{"error", error.message()}});
      auto timer = std::make_shared<net::steady_timer>(io, std::chrono::milliseconds(100));
      timer->async_wait([this, timer](beast::error_code) { accept(); });
      return;
    }
    beast::error_code ignored;
    const auto endpoint = socket.remote_endpoint(ignored);
    std::string peer = endpoint.address().to_string();
    if (endpoint.address().is_v6() && endpoint.address().to_v6().is_v4_mapped()) {
      peer = endpoint.address().to_v6().to_v4().to_string();
    }
    socket.set_option(tcp::no_delay(true), ignored);
    std::string refusal;
    if (!admit(peer, refusal)) {
      events.warn("http_connection_limit", {{"ip", peer}, {"why", refusal}});
      refuse_connection(std::make_shared<beast::tcp_stream>(std::move(socket)), refusal);
    } else if (tls) {
      start_connection(beast::ssl_stream<beast::tcp_stream>(std::move(socket), *tls),
                       std::move(peer));
    } else {
      start_connection(beast::tcp_stream(std::move(socket)), std::move(peer));
    }
    accept();
  });
}

template <class Stream>
void Server::Impl::start_connection(Stream stream, std::string peer_ip) {
  std::make_shared<Connection<Stream>>(*this, std::move(stream), std::move(peer_ip))->start();
}

Result<Request> parse_request_head(std::string_view bytes, std::size_t max_header_bytes) {
  bhttp::request_parser<bhttp::empty_body> parser;
  parser.header_limit(static_cast<std::uint32_t>(max_header_bytes));
  parser.body_limit(std::numeric_limits<std::uint64_t>::max());  // see read_head()
  parser.eager(false);
  beast::error_code error;
  parser.put(net::buffer(bytes.data(), bytes.size()), error);
  if (error == bhttp::error::header_limit) {
    return make_error("headers_too_large", "the request's headers are too large");
  }
  if (error && error != bhttp::error::need_more) {
    return make_error("bad_request", "the request is not valid HTTP");
  }
  if (!parser.is_header_done()) {
    return make_error("bad_request", "the request's head does not end");
  }
  Request request;
  ROLLCALL_TRY(read_head_into(parser.get(), request));
  return request;
}

Server::Server(ServerOptions options, Router router, Metrics& metrics, Authenticate authenticate)
    : impl_(std::make_unique<Impl>(std::move(options), metrics)), router_(std::move(router)) {
  impl_->dispatcher.emplace(impl_->options, router_, metrics, std::move(authenticate));
}

Server::~Server() {
  if (impl_->handlers) impl_->handlers->join();
}

Result<int> Server::bind() {
  auto& o = impl_->options;
  if (!o.tls_cert_file.empty() || !o.tls_key_file.empty()) {
    if (o.tls_cert_file.empty() || o.tls_key_file.empty()) {
      return make_error("tls_invalid", "set both tls_cert_file and tls_key_file, or neither");
    }
    auto& tls = impl_->tls.emplace(ssl::context::tls_server);
    tls.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                    ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 |
                    ssl::context::single_dh_use);
    boost::system::error_code error;
    tls.use_certificate_chain_file(o.tls_cert_file, error);
    if (!error) tls.use_private_key_file(o.tls_key_file, ssl::context::pem, error);
    if (error) {
      impl_->tls.reset();
      return make_error("tls_invalid", "cannot load the TLS certificate " + o.tls_cert_file +
                                           " or key " + o.tls_key_file + ": " + error.message());
    }
  }
  // Every connection is a descriptor: lift the soft limit to the hard one.
  rlimit files{};
  if (getrlimit(RLIMIT_NOFILE, &files) == 0 && files.rlim_cur < files.rlim_max) {
    files.rlim_cur = files.rlim_max;
    setrlimit(RLIMIT_NOFILE, &files);
  }
  if (getrlimit(RLIMIT_NOFILE, &files) == 0 &&
      files.rlim_cur < static_cast<rlim_t>(o.max_connections) + 256) {
    spdlog::warn(nlohmann::json{{"event", "open_files_limit_low"},
                                {"limit", files.rlim_cur},
                                {"max_connections", o.max_connections},
                                {"why", "raise LimitNOFILE (systemd) or ulimit -n"}}
                     .dump());
  }
  boost::system::error_code error;
  const auto address = net::ip::make_address(o.host == "localhost" ? "127.0.0.1" : o.host, error);
  auto failed = [&] {
    return make_error("listen_failed", "cannot listen on " + o.host + ":" + std::to_string(o.port) +
                                           " (in use, or not allowed)");
  };
  if (error) return failed();
  const tcp::endpoint endpoint(address, static_cast<unsigned short>(o.port));
  auto& acceptor = impl_->acceptor;
  acceptor.open(endpoint.protocol(), error);
  if (!error) acceptor.set_option(net::socket_base::reuse_address(true), error);
  if (!error) acceptor.bind(endpoint, error);
  if (!error) acceptor.listen(net::socket_base::max_listen_connections, error);
  if (error) return failed();
  return static_cast<int>(acceptor.local_endpoint().port());
}

void Server::run() {
  auto& impl = *impl_;
  impl.handlers.emplace(static_cast<std::size_t>(std::max(1, impl.options.threads)));
  impl.accept();
  const int io_threads =
      impl.options.io_threads > 0
          ? impl.options.io_threads
          : std::clamp(static_cast<int>(std::thread::hardware_concurrency()), 1, 2);
  std::vector<std::thread> extra;
  for (int i = 1; i < io_threads; ++i) extra.emplace_back([&impl] { impl.io.run(); });
  impl.io.run();
  for (auto& thread : extra) thread.join();
  // A stream's thread holds its connection, and so the loop's objects;
  // told to stop, it ends within one pass of its producer.
  for (const auto until = Clock::now() + kStopGrace; impl.streams > 0 && Clock::now() < until;) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  impl.handlers->join();
}

void Server::stop() {
  auto& impl = *impl_;
  impl.is_stopping = true;
  net::post(impl.io, [&impl] {
    beast::error_code ignored;
    impl.acceptor.close(ignored);
    std::vector<std::function<void()>> closers;
    {
      std::lock_guard lock(impl.registry_mutex);
      for (const auto& [key, closer] : impl.closers) closers.push_back(closer);
    }
    for (const auto& closer : closers) closer();
    impl.drain(Clock::now() + kStopGrace);
  });
}

}  // namespace rollcall::http
