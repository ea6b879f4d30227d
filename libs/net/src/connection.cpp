// Connection: output queue, orderly close, per-connection timeouts (one lazily re-armed heap
// entry per connection: restarting the idle timer costs no heap operation).
#include "gpram/net/connection.hpp"

#include <fmt/format.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "gpram/net/event_loop.hpp"

namespace gpram::net {

void ConnectionHandler::on_timeout(Connection& c) {
  c.abort(Error{make_error_code(Errc::timed_out),
                fmt::format("net: connection {} with {} timed out", c.id(), c.peer().to_string())});
}

Connection::Connection(EventLoop& loop, uint64_t id, int fd, Endpoint peer, State state)
    : loop_(loop), id_(id), fd_(fd), state_(state), peer_(peer), last_activity_(loop.now()) {}

Connection::~Connection() {
  if (fd_ >= 0) ::close(fd_);
}

Endpoint Connection::local() const {
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  if (::getsockname(fd_, reinterpret_cast<sockaddr*>(&ss), &len) != 0) return {};
  return Endpoint::from_sockaddr(reinterpret_cast<sockaddr*>(&ss), len);
}

void Connection::send(ByteView data) {
  if (state_ != State::open && state_ != State::connecting) return;
  if (data.empty()) return;
  if (state_ == State::open && queued_output() == 0) {
    const ssize_t n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
    if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
      abort(Error{make_error_code(Errc::io_failed),
                  fmt::format("net: write to {} failed: {}", peer_.to_string(),
                              std::strerror(errno))});
      return;
    }
    const size_t written = n > 0 ? static_cast<size_t>(n) : 0;
    if (written == data.size()) return;
    data = data.subspan(written);
  }
  out_.insert(out_.end(), data.begin(), data.end());
}

void Connection::flush() {
  while (queued_output() > 0) {
    const ssize_t n = ::send(fd_, out_.data() + out_pos_, queued_output(), MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) return;
      abort(Error{make_error_code(Errc::io_failed),
                  fmt::format("net: write to {} failed: {}", peer_.to_string(),
                              std::strerror(errno))});
      return;
    }
    out_pos_ += static_cast<size_t>(n);
  }
  out_.clear();
  out_pos_ = 0;
  if (out_.capacity() > 64 * 1024) out_.shrink_to_fit();
  if (state_ == State::closing) {
    finish(std::nullopt);
  } else if (state_ == State::open) {
    handler_->on_drained(*this);
  }
}

void Connection::shrink() noexcept {
  if (queued_output() == 0) {
    out_.clear();
    out_.shrink_to_fit();
    out_pos_ = 0;
  }
}

void Connection::close() {
  if (state_ == State::dead || state_ == State::closing) return;
  if (state_ == State::connecting || queued_output() == 0) {
    finish(std::nullopt);
    return;
  }
  state_ = State::closing;
  ::shutdown(fd_, SHUT_RD);
}

void Connection::abort(std::optional<Error> reason) {
  if (state_ == State::dead) return;
  out_.clear();
  out_pos_ = 0;
  finish(std::move(reason));
}

void Connection::finish(std::optional<Error> reason) {
  if (state_ == State::dead) return;
  state_ = State::dead;
  if (fd_ >= 0) {
    ::close(fd_);
    fd_ = -1;
  }
  handler_->on_close(*this, reason ? &*reason : nullptr);
  loop_.bury(id_);
}

TimePoint Connection::due() const noexcept {
  TimePoint d = deadline_;
  if (idle_ != Duration::zero() && last_activity_ + idle_ < d) d = last_activity_ + idle_;
  return d;
}

void Connection::arm_timer() {
  const TimePoint d = due();
  if (d < timer_when_) {
    timer_when_ = d;
    loop_.push_timer(d, EventLoop::kConnFlag | id_);
  }
}

void Connection::set_idle_timeout(Duration d) {
  idle_ = d;
  last_activity_ = loop_.now();
  arm_timer();
}

void Connection::set_deadline(std::optional<TimePoint> when) {
  deadline_ = when.value_or(TimePoint::max());
  arm_timer();
}

}  // namespace gpram::net
