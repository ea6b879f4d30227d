// LoopGroup (N loops, N threads, one port) and RLIMIT_NOFILE.
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

using detail::sys_error;

Result<std::unique_ptr<LoopGroup>> LoopGroup::create(size_t threads, LoopOptions options) {
  auto g = std::unique_ptr<LoopGroup>(new LoopGroup());
  for (size_t i = 0; i < std::max<size_t>(threads, 1); ++i) {
    auto loop = EventLoop::create(options);
    if (!loop) return fail(loop.error());
    g->loops_.push_back(std::move(*loop));
  }
  return g;
}

Result<Endpoint> LoopGroup::listen(const Endpoint& at, HandlerFactory factory) {
  Endpoint bound = at;
  for (auto& loop : loops_) {
    auto r = loop->listen(bound, factory);
    if (!r) return r;
    bound = *r;  // port 0: the first loop picks, the others join it
  }
  return bound;
}

void LoopGroup::start() {
  for (auto& loop : loops_) threads_.emplace_back([l = loop.get()] { l->run(); });
}

void LoopGroup::request_stop() noexcept {
  for (auto& loop : loops_) loop->request_stop();
}

void LoopGroup::set_drain_timeout(Duration d) noexcept {
  for (auto& loop : loops_) loop->set_drain_timeout(d);
}

void LoopGroup::join() {
  for (auto& t : threads_)
    if (t.joinable()) t.join();
  threads_.clear();
}

LoopGroup::~LoopGroup() {
  request_stop();
  join();
}

Result<uint64_t> raise_fd_limit(uint64_t wanted) {
  rlimit rl{};
  if (::getrlimit(RLIMIT_NOFILE, &rl) != 0) return fail(sys_error(Errc::limit, "getrlimit"));
  if (rl.rlim_cur >= wanted) return static_cast<uint64_t>(rl.rlim_cur);
  if (rl.rlim_max < wanted) {
    rlimit want{wanted, wanted};
    if (::setrlimit(RLIMIT_NOFILE, &want) == 0) return wanted;  // privileged
  }
  rl.rlim_cur = std::min<rlim_t>(wanted, rl.rlim_max);
  if (::setrlimit(RLIMIT_NOFILE, &rl) != 0) return fail(sys_error(Errc::limit, "setrlimit"));
  return static_cast<uint64_t>(rl.rlim_cur);
}

}  // namespace gpram::net
