// tests/http/raw_client.h
//
// RawConnection: a TCP connection to a test server that sends bytes as
// they are, for what an HTTP client library will not do: a slow head, a
// chunked body that never ends, a request from another loopback address
// (Linux routes all of 127.0.0.0/8 to this host, so binding the socket to
// 127.0.0.7 before connect() makes the server see that address).
// Thread safety: one connection per thread.
#pragma once

#include <chrono>
#include <string>

namespace rollcall::http_testing {

class RawConnection {
 public:
  // Connects to 127.0.0.1:port from `source_ip` (any when empty);
  // is_connected() says whether it worked.
  explicit RawConnection(int port, const std::string& source_ip = "");
  ~RawConnection();
  RawConnection(const RawConnection&) = delete;
  RawConnection& operator=(const RawConnection&) = delete;

  bool is_connected() const { return fd_ >= 0; }
  // Writes all of `bytes`; false when the peer has closed or reset.
  bool send(const std::string& bytes);
  // Reads until the peer closes, `timeout` passes, or (when
  // `until_head_end`) a blank line ends a reply's head; what was read.
  std::string read(std::chrono::milliseconds timeout, bool until_head_end = false);
  // True iff the peer has closed the connection (waits up to `timeout`).
  bool is_closed_by_peer(std::chrono::milliseconds timeout);
  // The status code of the first reply in `text`, 0 if none.
  static int status_of(const std::string& text);

 private:
  int fd_ = -1;
};

}  // namespace rollcall::http_testing
