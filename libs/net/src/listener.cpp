// Listening sockets (SO_REUSEPORT), accepting, and non-blocking client connects.
#include "gpram/net/event_loop.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "loop_internal.hpp"

namespace gpram::net {

using detail::kConnEvents;
using detail::set_nodelay;
using detail::sys_error;

Result<Endpoint> EventLoop::listen(const Endpoint& at, HandlerFactory factory,
                                   ListenOptions options) {
  const int fd = ::socket(at.family(), SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return fail(sys_error(Errc::socket_failed, "socket"));
  int one = 1;
  (void)::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (options.reuse_port && ::setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) != 0) {
    auto e = sys_error(Errc::socket_failed, "SO_REUSEPORT");
    ::close(fd);
    return fail(std::move(e));
  }
  if (::bind(fd, at.sockaddr_ptr(), at.sockaddr_len()) != 0) {
    auto e = sys_error(Errc::bind_failed, fmt::format("bind {}", at.to_string()));
    ::close(fd);
    return fail(std::move(e));
  }
  if (::listen(fd, options.backlog) != 0) {
    auto e = sys_error(Errc::listen_failed, fmt::format("listen {}", at.to_string()));
    ::close(fd);
    return fail(std::move(e));
  }
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len);
  epoll_event ev{};
  ev.events = EPOLLIN | EPOLLET;
  ev.data.u64 = 1 + listeners_.size();
  if (::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &ev) != 0) {
    auto e = sys_error(Errc::socket_failed, "epoll_ctl(listener)");
    ::close(fd);
    return fail(std::move(e));
  }
  listeners_.push_back(Listener{fd, std::move(factory)});
  return Endpoint::from_sockaddr(reinterpret_cast<sockaddr*>(&ss), len);
}

Connection& EventLoop::adopt(int fd, Endpoint peer, bool connecting) {
  const uint64_t id = next_conn_id_++;
  auto c = std::unique_ptr<Connection>(new Connection(
      *this, id, fd, peer, connecting ? Connection::State::connecting : Connection::State::open));
  Connection& ref = *c;
  connections_.emplace(id, std::move(c));
  return ref;
}

void EventLoop::accept_ready(size_t index) {
  for (;;) {
    if (index >= listeners_.size() || listeners_[index].fd < 0) return;
    sockaddr_storage ss{};
    socklen_t len = sizeof ss;
    const int fd = ::accept4(listeners_[index].fd, reinterpret_cast<sockaddr*>(&ss), &len,
                             SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EINTR || errno == ECONNABORTED) continue;
      if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
        // Edge-triggered: no new edge for the queued connections, so retry shortly.
        add_timer(std::chrono::milliseconds(20), [this, index] { accept_ready(index); });
      }
      return;
    }
    if (options_.max_connections != 0 && connections_.size() >= options_.max_connections) {
      ::close(fd);
      ++stats_.rejected;
      continue;
    }
    set_nodelay(fd);
    Connection& c = adopt(fd, Endpoint::from_sockaddr(reinterpret_cast<sockaddr*>(&ss), len), false);
    c.handler_ = listeners_[index].factory(c);
    if (!c.handler_) {
      ++stats_.rejected;
      connections_.erase(c.id());
      continue;
    }
    epoll_event ev{};
    ev.events = kConnEvents;
    ev.data.u64 = c.id();
    if (::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &ev) != 0) {
      c.abort(sys_error(Errc::socket_failed, "epoll_ctl(connection)"));
      continue;
    }
    ++stats_.accepted;
    c.handler_->on_open(c);
    if (stopping_ && c.state_ != Connection::State::dead) c.handler_->on_stop(c);
  }
}

Result<Connection*> EventLoop::connect(const Endpoint& to,
                                       std::unique_ptr<ConnectionHandler> handler,
                                       const std::optional<Endpoint>& from) {
  const int fd = ::socket(to.family(), SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return fail(sys_error(Errc::socket_failed, "socket"));
  if (from) {
    int one = 1;
    (void)::setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
    if (::bind(fd, from->sockaddr_ptr(), from->sockaddr_len()) != 0) {
      auto e = sys_error(Errc::bind_failed, fmt::format("bind {}", from->to_string()));
      ::close(fd);
      return fail(std::move(e));
    }
  }
  set_nodelay(fd);
  if (::connect(fd, to.sockaddr_ptr(), to.sockaddr_len()) != 0 && errno != EINPROGRESS) {
    auto e = sys_error(Errc::connect_failed, fmt::format("connect {}", to.to_string()));
    ::close(fd);
    return fail(std::move(e));
  }
  Connection& c = adopt(fd, to, true);
  c.handler_ = std::move(handler);
  epoll_event ev{};
  ev.events = kConnEvents;
  ev.data.u64 = c.id();
  if (::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &ev) != 0) {
    auto e = sys_error(Errc::socket_failed, "epoll_ctl(connection)");
    c.handler_.reset();
    connections_.erase(c.id());
    return fail(std::move(e));
  }
  return &c;
}

}  // namespace gpram::net
