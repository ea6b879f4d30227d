// A per-core event loop over epoll (edge-triggered: every fd is registered once for
// EPOLLIN|EPOLLOUT|EPOLLRDHUP|EPOLLET and read/written until EAGAIN, so no epoll_ctl per send).
// Run one loop per thread; loops share nothing. N loops accept on one port through
// SO_REUSEPORT (LoopGroup). Timers live in a min-heap; time comes from a TimeSource so tests can
// use a ManualTime and drive run_once(0).
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <queue>
#include <thread>
#include <unordered_map>
#include <vector>

#include "gpram/base/clock.hpp"
#include "gpram/net/connection.hpp"

namespace gpram::net {

class TimeSource {
 public:
  virtual ~TimeSource() = default;
  [[nodiscard]] virtual TimePoint now() = 0;
};

class SteadyTime final : public TimeSource {
 public:
  TimePoint now() override { return Clock::now(); }
};

/// Fake time for tests: set()/advance() then loop.run_once(Duration::zero()).
class ManualTime final : public TimeSource {
 public:
  TimePoint now() override { return now_; }
  void advance(Duration d) { now_ += d; }

 private:
  TimePoint now_{std::chrono::hours(1)};
};

using TimerId = uint64_t;
using HandlerFactory = std::function<std::unique_ptr<ConnectionHandler>(Connection&)>;

struct LoopOptions {
  size_t max_connections = 0;          // 0 = unlimited; beyond it accepted sockets are closed
  size_t read_buffer_size = 64 * 1024;  // one buffer per loop, shared by its connections
  std::shared_ptr<TimeSource> time;     // null = SteadyTime
};

struct ListenOptions {
  bool reuse_port = true;
  int backlog = 4096;
};

struct LoopStats {
  uint64_t accepted = 0;
  uint64_t rejected = 0;  // over max_connections, or refused by the factory
  uint64_t timed_out = 0;
};

class EventLoop {
 public:
  [[nodiscard]] static Result<std::unique_ptr<EventLoop>> create(LoopOptions options = {});
  ~EventLoop();
  EventLoop(const EventLoop&) = delete;
  EventLoop& operator=(const EventLoop&) = delete;

  /// Listens on `at` (port 0 = any); returns the bound endpoint. The factory makes the handler
  /// of each accepted connection (null = refuse).
  [[nodiscard]] Result<Endpoint> listen(const Endpoint& at, HandlerFactory factory,
                                        ListenOptions options = {});
  /// Starts a non-blocking connect, optionally from a local address (e.g. 127.0.0.2, port 0;
  /// IP_BIND_ADDRESS_NO_PORT lets many sources share the port space). on_open or on_close
  /// (Errc::connect_failed) follows.
  [[nodiscard]] Result<Connection*> connect(const Endpoint& to,
                                            std::unique_ptr<ConnectionHandler> handler,
                                            const std::optional<Endpoint>& from = std::nullopt);

  TimerId add_timer(Duration after, std::function<void()> callback);
  void cancel_timer(TimerId id);

  /// Runs until stopped (request_stop + drain) and returns.
  void run();
  /// One iteration: waits at most `max_wait` (nullopt = until the next timer or event).
  void run_once(std::optional<Duration> max_wait);
  [[nodiscard]] bool running() const noexcept { return !finished_; }

  /// Async-signal-safe and thread-safe: stop accepting, tell handlers (on_stop), return from
  /// run() when the last connection closes or the drain timeout passes (then abort the rest).
  void request_stop() noexcept;
  void set_drain_timeout(Duration d) noexcept { drain_timeout_ = d; }
  /// Thread-safe: runs `fn` on the loop thread.
  void post(std::function<void()> fn);

  [[nodiscard]] TimePoint now() const noexcept { return now_; }
  [[nodiscard]] size_t connection_count() const noexcept { return connections_.size(); }
  [[nodiscard]] const LoopStats& stats() const noexcept { return stats_; }
  [[nodiscard]] bool stopping() const noexcept { return stopping_; }

 private:
  friend class Connection;
  struct Listener {
    int fd = -1;
    HandlerFactory factory;
  };
  struct TimerEntry {
    TimePoint when;
    uint64_t key;  // user timer id, or kConnFlag | connection id
    bool operator>(const TimerEntry& o) const noexcept { return when > o.when; }
  };
  static constexpr uint64_t kConnFlag = 1ull << 63;

  explicit EventLoop(LoopOptions options);
  void accept_ready(size_t index);
  void conn_event(Connection& c, uint32_t events);
  void read_ready(Connection& c, bool hangup);
  void run_timers();
  void begin_stop();
  void push_timer(TimePoint when, uint64_t key);
  Connection* find(uint64_t id) noexcept;
  void bury(uint64_t id);
  Connection& adopt(int fd, Endpoint peer, bool connecting);

  LoopOptions options_;
  std::shared_ptr<TimeSource> time_;
  int epoll_fd_ = -1;
  int wake_fd_ = -1;
  TimePoint now_{};
  std::vector<Listener> listeners_;
  std::unordered_map<uint64_t, std::unique_ptr<Connection>> connections_;
  std::vector<std::unique_ptr<Connection>> graveyard_;
  std::vector<uint64_t> reread_;  // connections whose read budget ran out (edge-triggered)
  std::priority_queue<TimerEntry, std::vector<TimerEntry>, std::greater<>> timers_;
  std::unordered_map<TimerId, std::function<void()>> timer_callbacks_;
  uint64_t next_timer_id_ = 1;
  uint64_t next_conn_id_ = 1024;  // below: wake fd (0) and listeners (1 + index)
  Bytes read_buf_;
  LoopStats stats_;
  std::atomic<bool> stop_requested_{false};
  bool stopping_ = false;
  bool finished_ = false;
  Duration drain_timeout_ = std::chrono::seconds(10);
  TimePoint drain_deadline_{};
  std::mutex post_mu_;
  std::vector<std::function<void()>> posted_;
};

/// N loops on N threads accepting on the same port (SO_REUSEPORT).
class LoopGroup {
 public:
  [[nodiscard]] static Result<std::unique_ptr<LoopGroup>> create(size_t threads,
                                                                 LoopOptions options = {});
  /// Listens on every loop; the factory is called on the accepting loop's thread.
  [[nodiscard]] Result<Endpoint> listen(const Endpoint& at, HandlerFactory factory);
  void start();
  /// Async-signal-safe.
  void request_stop() noexcept;
  void set_drain_timeout(Duration d) noexcept;
  void join();
  [[nodiscard]] EventLoop& loop(size_t i) { return *loops_[i]; }
  [[nodiscard]] size_t size() const noexcept { return loops_.size(); }
  ~LoopGroup();

 private:
  std::vector<std::unique_ptr<EventLoop>> loops_;
  std::vector<std::thread> threads_;
};

/// Raises the soft RLIMIT_NOFILE to `wanted` (capped at the hard limit; raises the hard limit
/// too when permitted). Returns the new soft limit.
[[nodiscard]] Result<uint64_t> raise_fd_limit(uint64_t wanted);

}  // namespace gpram::net
