// Event loop tests on 127.0.0.1, port 0; every loop is bounded.
#include <gtest/gtest.h>

#include <csignal>
#include <functional>

#include "gpram/net/event_loop.hpp"

using namespace gpram;
using namespace gpram::net;
using namespace std::chrono_literals;

namespace {

Endpoint any_port() { return *Endpoint::parse("127.0.0.1:0"); }

// Runs the loop until `done` or ~5 s of iterations.
bool run_until(EventLoop& loop, const std::function<bool()>& done, int max_iter = 500) {
  for (int i = 0; i < max_iter && !done(); ++i) loop.run_once(10ms);
  return done();
}

class Echo : public ConnectionHandler {
 public:
  void on_data(Connection& c, ByteView d) override { c.send(d); }
};

struct ClientLog {
  std::string received;
  bool opened = false, closed = false;
  std::optional<Error> reason;
};

class Client : public ConnectionHandler {
 public:
  Client(ClientLog& log, std::string hello) : log_(log), hello_(std::move(hello)) {}
  void on_open(Connection& c) override {
    log_.opened = true;
    if (!hello_.empty()) c.send(as_bytes(hello_));
  }
  void on_data(Connection&, ByteView d) override { log_.received += as_chars(d); }
  void on_close(Connection&, const Error* r) override {
    log_.closed = true;
    if (r != nullptr) log_.reason = *r;
  }

 private:
  ClientLog& log_;
  std::string hello_;
};

}  // namespace

TEST(NetEndpoint, Parses) {
  auto e = Endpoint::parse("127.0.0.1:8443");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->port(), 8443);
  EXPECT_EQ(e->to_string(), "127.0.0.1:8443");
  auto v6 = Endpoint::parse("[::1]:80");
  ASSERT_TRUE(v6);
  EXPECT_EQ(v6->to_string(), "[::1]:80");
  EXPECT_EQ(Endpoint::parse("localhost:1")->to_string(), "127.0.0.1:1");
}

TEST(NetEndpoint, RejectsMalformed) {
  for (const char* bad : {"127.0.0.1", "127.0.0.1:", "127.0.0.1:70000", "1.2.3:80", "[zz]:1",
                          "host.example:80"}) {
    auto e = Endpoint::parse(bad);
    ASSERT_FALSE(e) << bad;
    EXPECT_EQ(e.error().code, make_error_code(Errc::bad_address));
    EXPECT_NE(e.error().message.find(bad), std::string::npos) << e.error().message;
  }
}

TEST(NetLoop, EchoOverLoopback) {
  auto loop = EventLoop::create();
  ASSERT_TRUE(loop);
  auto bound = (*loop)->listen(any_port(), [](Connection&) { return std::make_unique<Echo>(); });
  ASSERT_TRUE(bound) << bound.error().message;
  EXPECT_NE(bound->port(), 0);
  ClientLog log;
  std::string big(300 * 1024, 'x');  // larger than socket buffers: exercises the output queue
  auto c = (*loop)->connect(*bound, std::make_unique<Client>(log, "hello" + big));
  ASSERT_TRUE(c);
  ASSERT_TRUE(run_until(**loop, [&] { return log.received.size() == 5 + big.size(); }));
  EXPECT_EQ(log.received.substr(0, 5), "hello");
  (*c)->close();
  ASSERT_TRUE(run_until(**loop, [&] { return (*loop)->connection_count() == 0; }));
  EXPECT_TRUE(log.closed);
  EXPECT_FALSE(log.reason);
  EXPECT_EQ((*loop)->stats().accepted, 1u);
}

TEST(NetLoop, ConnectFromChosenSource) {
  auto loop = EventLoop::create();
  ASSERT_TRUE(loop);
  std::string seen_peer;
  auto bound = (*loop)->listen(any_port(), [&](Connection& c) {
    seen_peer = c.peer().to_string();
    return std::make_unique<Echo>();
  });
  ASSERT_TRUE(bound);
  ClientLog log;
  auto c = (*loop)->connect(*bound, std::make_unique<Client>(log, "x"), *Endpoint::parse("127.0.0.2:0"));
  ASSERT_TRUE(c) << c.error().message;
  ASSERT_TRUE(run_until(**loop, [&] { return log.received == "x"; }));
  EXPECT_EQ(seen_peer.rfind("127.0.0.2:", 0), 0u) << seen_peer;
}

TEST(NetLoop, ConnectFailureReported) {
  auto loop = EventLoop::create();
  ASSERT_TRUE(loop);
  // A port that was just free: bind, read the port, close.
  uint16_t port = 0;
  {
    auto l2 = EventLoop::create();
    port = (*(*l2)->listen(any_port(), [](Connection&) { return std::make_unique<Echo>(); })).port();
  }
  ClientLog log;
  auto c = (*loop)->connect(any_port().with_port(port), std::make_unique<Client>(log, ""));
  ASSERT_TRUE(c);
  ASSERT_TRUE(run_until(**loop, [&] { return log.closed; }));
  EXPECT_FALSE(log.opened);
  ASSERT_TRUE(log.reason);
  EXPECT_EQ(log.reason->code, make_error_code(Errc::connect_failed));
  EXPECT_NE(log.reason->message.find("refused"), std::string::npos) << log.reason->message;
}

TEST(NetLoop, FakeTimers) {
  auto time = std::make_shared<ManualTime>();
  auto loop = EventLoop::create(LoopOptions{0, 65536, time});
  ASSERT_TRUE(loop);
  int fired = 0;
  (*loop)->add_timer(5s, [&] { ++fired; });
  auto cancelled = (*loop)->add_timer(3s, [&] { fired += 100; });
  (*loop)->cancel_timer(cancelled);
  (*loop)->run_once(0ms);
  EXPECT_EQ(fired, 0);
  time->advance(4s);
  (*loop)->run_once(0ms);
  EXPECT_EQ(fired, 0);
  time->advance(1s);
  (*loop)->run_once(0ms);
  EXPECT_EQ(fired, 1);
}

TEST(NetLoop, IdleTimeoutWithFakeTime) {
  auto time = std::make_shared<ManualTime>();
  auto loop = EventLoop::create(LoopOptions{0, 65536, time});
  ASSERT_TRUE(loop);
  Connection* server_side = nullptr;
  std::optional<Error> server_reason;
  class Idle : public Echo {
   public:
    explicit Idle(std::optional<Error>& r) : r_(r) {}
    void on_open(Connection& c) override { c.set_idle_timeout(30s); }
    void on_close(Connection&, const Error* e) override {
      if (e != nullptr) r_ = *e;
    }
    std::optional<Error>& r_;
  };
  auto bound = (*loop)->listen(any_port(), [&](Connection& c) {
    server_side = &c;
    return std::make_unique<Idle>(server_reason);
  });
  ClientLog log;
  ASSERT_TRUE((*loop)->connect(*bound, std::make_unique<Client>(log, "ping")));
  ASSERT_TRUE(run_until(**loop, [&] { return log.received == "ping"; }));
  time->advance(20s);
  (*loop)->run_once(0ms);
  EXPECT_EQ((*loop)->connection_count(), 2u);  // activity 20 s ago < 30 s
  time->advance(11s);
  (*loop)->run_once(0ms);
  ASSERT_TRUE(server_reason);
  EXPECT_EQ(server_reason->code, make_error_code(Errc::timed_out));
  EXPECT_EQ((*loop)->stats().timed_out, 1u);
  ASSERT_TRUE(run_until(**loop, [&] { return log.closed; }));
}

TEST(NetLoop, ConnectionLimit) {
  auto server = EventLoop::create(LoopOptions{1, 65536, nullptr});
  auto client = EventLoop::create();
  ASSERT_TRUE(server && client);
  auto bound = (*server)->listen(any_port(), [](Connection&) { return std::make_unique<Echo>(); });
  ClientLog a, b;
  auto both = [&](const std::function<bool()>& done) {
    for (int i = 0; i < 500 && !done(); ++i) {
      (*server)->run_once(5ms);
      (*client)->run_once(5ms);
    }
    return done();
  };
  ASSERT_TRUE((*client)->connect(*bound, std::make_unique<Client>(a, "a")));
  ASSERT_TRUE(both([&] { return a.received == "a"; }));
  ASSERT_TRUE((*client)->connect(*bound, std::make_unique<Client>(b, "b")));
  ASSERT_TRUE(both([&] { return b.closed; }));
  EXPECT_EQ(b.received, "");
  EXPECT_EQ((*server)->stats().rejected, 1u);
  EXPECT_EQ(a.received, "a");
  EXPECT_FALSE(a.closed);
}

TEST(NetLoop, GracefulStopLetsSessionsFinish) {
  auto loop = EventLoop::create();
  ASSERT_TRUE(loop);
  class Polite : public Echo {
   public:
    void on_stop(Connection& c) override {
      c.send(as_bytes("bye"));
      c.close();
    }
  };
  auto bound = (*loop)->listen(any_port(), [](Connection&) { return std::make_unique<Polite>(); });
  ClientLog log;
  ASSERT_TRUE((*loop)->connect(*bound, std::make_unique<Client>(log, "hi")));
  ASSERT_TRUE(run_until(**loop, [&] { return log.received == "hi"; }));
  (*loop)->request_stop();
  ASSERT_TRUE(run_until(**loop, [&] { return !(*loop)->running(); }));
  EXPECT_EQ(log.received, "hibye");
  EXPECT_TRUE(log.closed);
}

TEST(NetLoop, DrainDeadlineAbortsStragglers) {
  auto loop = EventLoop::create();
  ASSERT_TRUE(loop);
  (*loop)->set_drain_timeout(100ms);
  auto bound = (*loop)->listen(any_port(), [](Connection&) { return std::make_unique<Echo>(); });
  ClientLog log;
  ASSERT_TRUE((*loop)->connect(*bound, std::make_unique<Client>(log, "hi")));
  ASSERT_TRUE(run_until(**loop, [&] { return log.received == "hi"; }));
  (*loop)->request_stop();
  ASSERT_TRUE(run_until(**loop, [&] { return !(*loop)->running(); }));
  ASSERT_TRUE(log.reason);
  EXPECT_EQ(log.reason->code, make_error_code(Errc::shutdown));
}

namespace {
EventLoop* g_loop = nullptr;
void on_signal(int) { g_loop->request_stop(); }
}  // namespace

TEST(NetLoop, StopFromSignalHandlerAndOtherThread) {
  auto group = LoopGroup::create(2);
  ASSERT_TRUE(group);
  auto bound = (*group)->listen(any_port(), [](Connection&) { return std::make_unique<Echo>(); });
  ASSERT_TRUE(bound) << bound.error().message;
  (*group)->start();
  // A client loop in this thread talks to whichever server loop the kernel picks.
  auto client = EventLoop::create();
  ClientLog log;
  ASSERT_TRUE((*client)->connect(*bound, std::make_unique<Client>(log, "ping")));
  ASSERT_TRUE(run_until(**client, [&] { return log.received == "ping"; }));
  g_loop = client->get();
  (*client)->set_drain_timeout(50ms);  // its connection ignores on_stop
  auto old = std::signal(SIGUSR1, on_signal);
  std::raise(SIGUSR1);
  std::signal(SIGUSR1, old);
  ASSERT_TRUE(run_until(**client, [&] { return !(*client)->running(); }));
  (*group)->request_stop();
  (*group)->join();
}

TEST(NetLimits, RaiseFdLimit) {
  auto r = raise_fd_limit(1024);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_GE(*r, 1024u);
}
