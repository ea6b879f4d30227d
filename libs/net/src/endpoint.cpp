// Numeric endpoints and the net error category.
#include "gpram/net/endpoint.hpp"

#include <arpa/inet.h>
#include <fmt/format.h>

#include <charconv>
#include <cstring>

#include "gpram/net/errors.hpp"

namespace gpram::net {
namespace {

const char* net_message(int ev) {
  switch (static_cast<Errc>(ev)) {
    case Errc::bad_address: return "net: bad address";
    case Errc::socket_failed: return "net: socket setup failed";
    case Errc::bind_failed: return "net: bind failed";
    case Errc::listen_failed: return "net: listen failed";
    case Errc::connect_failed: return "net: connect failed";
    case Errc::io_failed: return "net: I/O error";
    case Errc::timed_out: return "net: timed out";
    case Errc::shutdown: return "net: shut down";
    case Errc::limit: return "net: resource limit";
  }
  return "net: unknown error";
}

}  // namespace

const std::error_category& error_category() noexcept {
  static const SimpleCategory category("gpram.net", net_message);
  return category;
}

Endpoint::Endpoint() noexcept {
  std::memset(&addr_, 0, sizeof addr_);
  addr_.v4.sin_family = AF_INET;
}

Result<Endpoint> Endpoint::parse(std::string_view text) {
  const size_t colon = text.rfind(':');
  if (colon == std::string_view::npos || colon + 1 == text.size())
    return fail(Errc::bad_address,
                fmt::format("net: '{}' is not HOST:PORT (e.g. 127.0.0.1:8443)", text));
  std::string_view host = text.substr(0, colon);
  std::string_view port_text = text.substr(colon + 1);
  unsigned port = 0;
  auto [p, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (ec != std::errc() || p != port_text.data() + port_text.size() || port > 65535)
    return fail(Errc::bad_address, fmt::format("net: bad port '{}' in '{}'", port_text, text));
  Endpoint e;
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    std::string h(host.substr(1, host.size() - 2));
    std::memset(&e.addr_, 0, sizeof e.addr_);
    e.addr_.v6.sin6_family = AF_INET6;
    e.addr_.v6.sin6_port = htons(static_cast<uint16_t>(port));
    if (inet_pton(AF_INET6, h.c_str(), &e.addr_.v6.sin6_addr) != 1)
      return fail(Errc::bad_address, fmt::format("net: bad IPv6 address '{}' in '{}'", h, text));
    return e;
  }
  std::string h(host);
  if (h == "localhost") h = "127.0.0.1";
  e.addr_.v4.sin_family = AF_INET;
  e.addr_.v4.sin_port = htons(static_cast<uint16_t>(port));
  if (inet_pton(AF_INET, h.c_str(), &e.addr_.v4.sin_addr) != 1)
    return fail(Errc::bad_address,
                fmt::format("net: bad IPv4 address '{}' in '{}' (numeric only; IPv6 as [::1])",
                            h, text));
  return e;
}

Endpoint Endpoint::from_sockaddr(const sockaddr* sa, socklen_t len) noexcept {
  Endpoint e;
  if (sa->sa_family == AF_INET6 && len >= static_cast<socklen_t>(sizeof(sockaddr_in6)))
    std::memcpy(&e.addr_.v6, sa, sizeof(sockaddr_in6));
  else if (sa->sa_family == AF_INET && len >= static_cast<socklen_t>(sizeof(sockaddr_in)))
    std::memcpy(&e.addr_.v4, sa, sizeof(sockaddr_in));
  return e;
}

uint16_t Endpoint::port() const noexcept {
  return ntohs(family() == AF_INET6 ? addr_.v6.sin6_port : addr_.v4.sin_port);
}

Endpoint Endpoint::with_port(uint16_t port) const noexcept {
  Endpoint e = *this;
  if (family() == AF_INET6) e.addr_.v6.sin6_port = htons(port);
  else e.addr_.v4.sin_port = htons(port);
  return e;
}

socklen_t Endpoint::sockaddr_len() const noexcept {
  return family() == AF_INET6 ? sizeof(sockaddr_in6) : sizeof(sockaddr_in);
}

std::string Endpoint::to_string() const {
  char buf[INET6_ADDRSTRLEN] = {};
  if (family() == AF_INET6) {
    inet_ntop(AF_INET6, &addr_.v6.sin6_addr, buf, sizeof buf);
    return fmt::format("[{}]:{}", buf, port());
  }
  inet_ntop(AF_INET, &addr_.v4.sin_addr, buf, sizeof buf);
  return fmt::format("{}:{}", buf, port());
}

}  // namespace gpram::net
