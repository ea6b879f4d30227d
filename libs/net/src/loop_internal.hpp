// Helpers shared by the event loop's sources.
#pragma once

#include <fmt/format.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>

#include "gpram/net/errors.hpp"

namespace gpram::net::detail {

inline constexpr uint32_t kConnEvents = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
inline constexpr int kReadBudget = 8;  // full reads per event before yielding to other connections

inline Error sys_error(Errc code, std::string_view what) {
  return Error{make_error_code(code), fmt::format("net: {}: {}", what, std::strerror(errno))};
}

inline void set_nodelay(int fd) {
  int one = 1;
  (void)::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

}  // namespace gpram::net::detail
