// src/app/serve_listen_url.h
//
// The address of this server as seen from the network, for the check-in
// link when public_url is unset and there is no request to learn it from
// (the Telegram bots): the listen address when it is a real one, the
// machine's first non-loopback IPv4 address when it listens on every
// interface, else localhost (with a warning at start).
#pragma once

#include <string>

namespace rollcall::app {

std::string listen_url(const std::string& host, int port, bool tls);

}  // namespace rollcall::app
