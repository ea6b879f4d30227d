// epoll event loop, edge-triggered (see event_loop.hpp), with listeners, client connects,
// a timer heap, graceful stop through an eventfd (async-signal-safe), and LoopGroup.
#include "gpram/net/event_loop.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "loop_internal.hpp"

namespace gpram::net {

using detail::kConnEvents;
using detail::kReadBudget;
using detail::set_nodelay;
using detail::sys_error;

EventLoop::EventLoop(LoopOptions options) : options_(std::move(options)) {
  time_ = options_.time ? options_.time : std::make_shared<SteadyTime>();
  now_ = time_->now();
  read_buf_.resize(std::max<size_t>(options_.read_buffer_size, 4096));
}

Result<std::unique_ptr<EventLoop>> EventLoop::create(LoopOptions options) {
  std::unique_ptr<EventLoop> loop(new EventLoop(std::move(options)));
  loop->epoll_fd_ = ::epoll_create1(EPOLL_CLOEXEC);
  if (loop->epoll_fd_ < 0) return fail(sys_error(Errc::socket_failed, "epoll_create1"));
  loop->wake_fd_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (loop->wake_fd_ < 0) return fail(sys_error(Errc::socket_failed, "eventfd"));
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.u64 = 0;
  if (::epoll_ctl(loop->epoll_fd_, EPOLL_CTL_ADD, loop->wake_fd_, &ev) != 0)
    return fail(sys_error(Errc::socket_failed, "epoll_ctl(eventfd)"));
  return loop;
}

EventLoop::~EventLoop() {
  for (auto& [id, c] : connections_) {
    if (c->fd_ >= 0) {
      ::close(c->fd_);
      c->fd_ = -1;
    }
  }
  connections_.clear();
  graveyard_.clear();
  for (auto& l : listeners_)
    if (l.fd >= 0) ::close(l.fd);
  if (wake_fd_ >= 0) ::close(wake_fd_);
  if (epoll_fd_ >= 0) ::close(epoll_fd_);
}

Connection* EventLoop::find(uint64_t id) noexcept {
  auto it = connections_.find(id);
  return it == connections_.end() ? nullptr : it->second.get();
}

void EventLoop::bury(uint64_t id) {
  auto it = connections_.find(id);
  if (it == connections_.end()) return;
  graveyard_.push_back(std::move(it->second));
  connections_.erase(it);
}

void EventLoop::read_ready(Connection& c, bool hangup) {
  for (int i = 0; i < kReadBudget; ++i) {
    if (c.state_ != Connection::State::open) return;
    const ssize_t n = ::read(c.fd_, read_buf_.data(), read_buf_.size());
    if (n > 0) {
      c.last_activity_ = now_;
      c.handler_->on_data(c, ByteView(read_buf_.data(), static_cast<size_t>(n)));
      // A short read drained the socket (edge-triggered); with a hang-up pending, read on to
      // see the EOF, which will not raise another edge.
      if (static_cast<size_t>(n) < read_buf_.size() && !hangup) return;
      continue;
    }
    if (n == 0) {  // peer EOF: flush what we owe, then close
      c.read_eof_ = true;
      c.close();
      return;
    }
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) return;
    c.abort(sys_error(Errc::io_failed, fmt::format("read from {}", c.peer_.to_string())));
    return;
  }
  reread_.push_back(c.id());
}

void EventLoop::conn_event(Connection& c, uint32_t events) {
  if (c.state_ == Connection::State::connecting) {
    if ((events & (EPOLLOUT | EPOLLERR | EPOLLHUP)) == 0) return;
    int err = 0;
    socklen_t len = sizeof err;
    ::getsockopt(c.fd_, SOL_SOCKET, SO_ERROR, &err, &len);
    if (err != 0) {
      c.abort(Error{make_error_code(Errc::connect_failed),
                    fmt::format("net: connect to {} failed: {}", c.peer_.to_string(),
                                std::strerror(err))});
      return;
    }
    c.state_ = Connection::State::open;
    c.last_activity_ = now_;
    c.handler_->on_open(c);
    if (c.state_ == Connection::State::open && c.queued_output() > 0) c.flush();
  }
  if ((events & EPOLLERR) != 0 && (events & EPOLLIN) == 0) {
    int err = 0;
    socklen_t len = sizeof err;
    ::getsockopt(c.fd_, SOL_SOCKET, SO_ERROR, &err, &len);
    c.abort(Error{make_error_code(Errc::io_failed),
                  fmt::format("net: connection to {} failed: {}", c.peer_.to_string(),
                              std::strerror(err))});
    return;
  }
  if ((events & EPOLLOUT) != 0 && c.queued_output() > 0 &&
      (c.state_ == Connection::State::open || c.state_ == Connection::State::closing))
    c.flush();
  if ((events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP)) != 0)
    read_ready(c, (events & (EPOLLRDHUP | EPOLLHUP)) != 0);
  if (c.state_ == Connection::State::closing && (events & EPOLLHUP) != 0) c.abort();
}

TimerId EventLoop::add_timer(Duration after, std::function<void()> callback) {
  const TimerId id = next_timer_id_++;
  timer_callbacks_.emplace(id, std::move(callback));
  push_timer(now_ + after, id);
  return id;
}

void EventLoop::cancel_timer(TimerId id) { timer_callbacks_.erase(id); }

void EventLoop::push_timer(TimePoint when, uint64_t key) { timers_.push(TimerEntry{when, key}); }

void EventLoop::run_timers() {
  while (!timers_.empty() && timers_.top().when <= now_) {
    const TimerEntry e = timers_.top();
    timers_.pop();
    if ((e.key & kConnFlag) != 0) {
      Connection* c = find(e.key & ~kConnFlag);
      if (c == nullptr || c->timer_when_ != e.when) continue;  // stale entry
      c->timer_when_ = TimePoint::max();
      if (c->due() <= now_) {
        ++stats_.timed_out;
        c->handler_->on_timeout(*c);
      } else {
        c->arm_timer();
      }
      continue;
    }
    auto it = timer_callbacks_.find(e.key);
    if (it == timer_callbacks_.end()) continue;
    auto cb = std::move(it->second);
    timer_callbacks_.erase(it);
    cb();
  }
}

void EventLoop::request_stop() noexcept {
  stop_requested_.store(true, std::memory_order_relaxed);
  const uint64_t one = 1;
  ssize_t r = ::write(wake_fd_, &one, sizeof one);
  (void)r;
}

void EventLoop::post(std::function<void()> fn) {
  {
    std::lock_guard lock(post_mu_);
    posted_.push_back(std::move(fn));
  }
  const uint64_t one = 1;
  ssize_t r = ::write(wake_fd_, &one, sizeof one);
  (void)r;
}

void EventLoop::begin_stop() {
  stopping_ = true;
  drain_deadline_ = now_ + drain_timeout_;
  for (auto& l : listeners_) {
    if (l.fd >= 0) ::close(l.fd);
    l.fd = -1;
  }
  std::vector<uint64_t> ids;
  ids.reserve(connections_.size());
  for (auto& [id, c] : connections_) ids.push_back(id);
  for (uint64_t id : ids)
    if (Connection* c = find(id)) c->handler_->on_stop(*c);
}

void EventLoop::run_once(std::optional<Duration> max_wait) {
  if (finished_) return;
  now_ = time_->now();
  int timeout_ms = -1;
  std::optional<TimePoint> next;
  if (!timers_.empty()) next = timers_.top().when;
  if (stopping_ && (!next || drain_deadline_ < *next)) next = drain_deadline_;
  if (!reread_.empty()) next = now_;
  if (max_wait) next = next ? std::min(*next, now_ + *max_wait) : now_ + *max_wait;
  if (next) {
    const auto ms = std::chrono::ceil<std::chrono::milliseconds>(*next - now_).count();
    timeout_ms = static_cast<int>(std::clamp<int64_t>(ms, 0, 60'000));
  }
  epoll_event events[256];
  const int n = ::epoll_wait(epoll_fd_, events, 256, timeout_ms);
  now_ = time_->now();
  for (int i = 0; i < n; ++i) {
    const uint64_t key = events[i].data.u64;
    if (key == 0) {
      uint64_t v = 0;
      ssize_t r = ::read(wake_fd_, &v, sizeof v);
      (void)r;
      continue;
    }
    if (key < 1024) {
      accept_ready(static_cast<size_t>(key - 1));
      continue;
    }
    if (Connection* c = find(key)) conn_event(*c, events[i].events);
  }
  if (!reread_.empty()) {
    std::vector<uint64_t> again;
    again.swap(reread_);
    for (uint64_t id : again)
      if (Connection* c = find(id)) read_ready(*c, false);
  }
  std::vector<std::function<void()>> posted;
  {
    std::lock_guard lock(post_mu_);
    posted.swap(posted_);
  }
  for (auto& fn : posted) fn();
  if (stop_requested_.load(std::memory_order_relaxed) && !stopping_) begin_stop();
  run_timers();
  if (stopping_) {
    if (connections_.empty()) {
      finished_ = true;
    } else if (now_ >= drain_deadline_) {
      std::vector<uint64_t> ids;
      for (auto& [id, c] : connections_) ids.push_back(id);
      for (uint64_t id : ids)
        if (Connection* c = find(id))
          c->abort(Error{make_error_code(Errc::shutdown),
                         fmt::format("net: connection {} aborted: shutdown drain deadline passed",
                                     id)});
      finished_ = true;
    }
  }
  graveyard_.clear();
}

void EventLoop::run() {
  while (!finished_) run_once(std::nullopt);
}

}  // namespace gpram::net
