// A numeric IPv4/IPv6 socket address ("127.0.0.1:8443", "[::1]:8443"); no name resolution.
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "gpram/base/error.hpp"

namespace gpram::net {

class Endpoint {
 public:
  Endpoint() noexcept;
  /// "A.B.C.D:PORT" or "[IPV6]:PORT"; PORT 0 asks the kernel for a free one when listening.
  [[nodiscard]] static Result<Endpoint> parse(std::string_view text);
  [[nodiscard]] static Endpoint from_sockaddr(const sockaddr* sa, socklen_t len) noexcept;

  [[nodiscard]] uint16_t port() const noexcept;
  [[nodiscard]] Endpoint with_port(uint16_t port) const noexcept;
  [[nodiscard]] int family() const noexcept { return addr_.sa.sa_family; }
  [[nodiscard]] const sockaddr* sockaddr_ptr() const noexcept { return &addr_.sa; }
  [[nodiscard]] socklen_t sockaddr_len() const noexcept;
  [[nodiscard]] std::string to_string() const;

 private:
  union {
    sockaddr sa;
    sockaddr_in v4;
    sockaddr_in6 v6;
  } addr_;
};

}  // namespace gpram::net
