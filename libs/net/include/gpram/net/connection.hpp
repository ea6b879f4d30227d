// One TCP connection owned by an EventLoop: bytes in (ConnectionHandler::on_data) and bytes out
// (send(), with an output queue flushed when the socket is writable). Protocol-agnostic.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>

#include "gpram/base/bytes.hpp"
#include "gpram/base/clock.hpp"
#include "gpram/net/endpoint.hpp"
#include "gpram/net/errors.hpp"

namespace gpram::net {

class Connection;
class EventLoop;

/// Callbacks of one connection, all on the loop's thread. The handler lives as long as the
/// connection; after on_close() both are destroyed (at the end of the loop iteration).
class ConnectionHandler {
 public:
  virtual ~ConnectionHandler() = default;
  /// Accepted, or (client) the non-blocking connect completed.
  virtual void on_open(Connection& /*c*/) {}
  /// Bytes received (a view into the loop's shared read buffer: copy what you keep).
  virtual void on_data(Connection& c, ByteView data) = 0;
  /// The output queue has been written out completely (after send() had to queue).
  virtual void on_drained(Connection& /*c*/) {}
  /// The idle timeout or the deadline passed. Default: close with Errc::timed_out.
  virtual void on_timeout(Connection& c);
  /// The loop began a graceful stop: finish the current exchange and close().
  virtual void on_stop(Connection& /*c*/) {}
  /// Last call. `reason` is null for an orderly close (ours, or the peer's EOF).
  virtual void on_close(Connection& /*c*/, const Error* /*reason*/) {}
};

class Connection {
 public:
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  ~Connection();

  [[nodiscard]] uint64_t id() const noexcept { return id_; }
  [[nodiscard]] const Endpoint& peer() const noexcept { return peer_; }
  [[nodiscard]] Endpoint local() const;
  [[nodiscard]] EventLoop& loop() noexcept { return loop_; }
  [[nodiscard]] ConnectionHandler& handler() noexcept { return *handler_; }
  [[nodiscard]] bool is_open() const noexcept { return state_ == State::open; }
  [[nodiscard]] size_t queued_output() const noexcept { return out_.size() - out_pos_; }

  /// Writes now if possible, queues the rest. Ignored once closing.
  void send(ByteView data);
  /// Orderly close: stops reading, flushes the queue, then closes the socket.
  void close();
  /// Closes now, dropping queued output; `reason` goes to on_close.
  void abort(std::optional<Error> reason = std::nullopt);

  /// Idle timeout (zero = none), restarted by every received byte.
  void set_idle_timeout(Duration d);
  /// Absolute deadline (handshake or whole session); nullopt clears it.
  void set_deadline(std::optional<TimePoint> when);
  /// Frees the output queue's allocation when it is empty (call when going idle).
  void shrink() noexcept;

 private:
  friend class EventLoop;
  enum class State : uint8_t { connecting, open, closing, dead };
  Connection(EventLoop& loop, uint64_t id, int fd, Endpoint peer, State state);
  void arm_timer();
  [[nodiscard]] TimePoint due() const noexcept;
  void flush();
  void finish(std::optional<Error> reason);

  EventLoop& loop_;
  uint64_t id_;
  int fd_;
  State state_;
  bool read_eof_ = false;
  Endpoint peer_;
  std::unique_ptr<ConnectionHandler> handler_;
  Bytes out_;
  size_t out_pos_ = 0;
  Duration idle_{};
  TimePoint last_activity_{};
  TimePoint deadline_ = TimePoint::max();
  TimePoint timer_when_ = TimePoint::max();  // the heap entry currently armed
};

}  // namespace gpram::net
