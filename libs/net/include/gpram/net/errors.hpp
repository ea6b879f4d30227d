// Error codes of the socket layer (gpram::net).
#pragma once

#include "gpram/base/error.hpp"

namespace gpram::net {

enum class Errc {
  bad_address = 1,  // "HOST:PORT" not parseable as a numeric IPv4/IPv6 endpoint
  socket_failed,    // socket(), setsockopt(), epoll or eventfd failed
  bind_failed,
  listen_failed,
  connect_failed,   // non-blocking connect reported an error (SO_ERROR)
  io_failed,        // read/write error on an established connection (ECONNRESET...)
  timed_out,        // a connection's idle timeout or deadline passed
  shutdown,         // the loop stopped and its drain deadline passed
  limit,            // RLIMIT_NOFILE could not be raised as asked
};

}  // namespace gpram::net

GPRAM_DECLARE_ERRC(gpram::net);
