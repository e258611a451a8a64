// src/app/serve_listen_url.cc
#include "app/serve_listen_url.h"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <netinet/in.h>

#include <memory>

#include "domain/public_url.h"

namespace rollcall::app {
namespace {

// The first up, non-loopback IPv4 address of this machine; "" when none.
std::string first_lan_address() {
  ifaddrs* list = nullptr;
  if (getifaddrs(&list) != 0) return "";
  std::unique_ptr<ifaddrs, void (*)(ifaddrs*)> owned(list, freeifaddrs);
  for (const ifaddrs* it = list; it != nullptr; it = it->ifa_next) {
    if (it->ifa_addr == nullptr || it->ifa_addr->sa_family != AF_INET) continue;
    char text[INET_ADDRSTRLEN] = {};
    const auto* address = reinterpret_cast<const sockaddr_in*>(it->ifa_addr);
    if (inet_ntop(AF_INET, &address->sin_addr, text, sizeof text) == nullptr) continue;
    if (!domain::is_loopback_host(text)) return text;
  }
  return "";
}

}  // namespace

std::string listen_url(const std::string& host, int port, bool tls) {
  std::string name = host;
  if (host == "0.0.0.0" || host == "::" || host.empty()) name = first_lan_address();
  if (name.empty() || domain::is_loopback_host(name)) name = "localhost";
  if (name.find(':') != std::string::npos) name = "[" + name + "]";
  const std::string scheme = tls ? "https" : "http";
  const bool default_port = (tls && port == 443) || (!tls && port == 80);
  return scheme + "://" + name + (default_port ? "" : ":" + std::to_string(port));
}

}  // namespace rollcall::app
