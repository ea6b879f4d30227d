// gpram-tls-bench: the PSK-TLS baselines the complete-session benchmark compares against.
//  1. bare_gnutls: a blocking GnuTLS PSK server thread (plain sockets, no gpram code) serving
//     handshake + 3 request/response exchanges + close_notify per connection, driven by a
//     blocking GnuTLS client thread; server CPU per session from getrusage(RUSAGE_THREAD).
//  2. gpram_engine: the same exchange served by tls::TlsConnection over net::EventLoop.
//  3. idle RSS: a child process opens N TLS connections to a gpram server in this process and
//     keeps them idle; the server's RSS growth / N is the memory per idle connection.
// Usage: gpram-tls-bench [--sessions N] [--idle N] [--suite tls12|tls13]
// Output: JSON lines {"name": ..., "value": ..., "unit": ...}.
#include <arpa/inet.h>
#include <gnutls/gnutls.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <thread>

#include "gpram/net/event_loop.hpp"
#include "gpram/tls/tls_connection.hpp"
#include "bare_loop.hpp"

using namespace gpram;
using namespace gpram::bench;

namespace {

// gpram's engine: answers each kRequestSize request with kResponseSize bytes.
class BenchServerConn final : public tls::TlsConnection {
 public:
  BenchServerConn(std::unique_ptr<tls::Session> s, std::atomic<int>* handshakes)
      : TlsConnection(std::move(s), std::chrono::seconds(30)), handshakes_(handshakes) {}
  void on_handshake() override {
    if (handshakes_ != nullptr) ++*handshakes_;
    if (connection() != nullptr) connection()->shrink();
  }
  void on_plaintext(ByteView data) override {
    pending_ += data.size();
    while (pending_ >= kRequestSize) {
      pending_ -= kRequestSize;
      static const std::string resp(kResponseSize, 'r');
      send(as_bytes(resp));
    }
  }

 private:
  std::atomic<int>* handshakes_;
  size_t pending_ = 0;
};

std::shared_ptr<const tls::Config> server_config(const tls::Options& o) {
  auto res = std::make_shared<tls::MemoryPskResolver>();
  res->add(kId, kKey);
  auto c = tls::Config::server(o, res);
  if (!c) {
    std::fprintf(stderr, "%s\n", c.error().message.c_str());
    std::exit(1);
  }
  return *c;
}

void bench_engine(int sessions, const tls::Options& o) {
  auto cfg = server_config(o);
  auto loop = std::move(*net::EventLoop::create());
  auto bound = loop->listen(*net::Endpoint::parse("127.0.0.1:0"),
                            [cfg](net::Connection&) -> std::unique_ptr<net::ConnectionHandler> {
                              return std::make_unique<BenchServerConn>(
                                  std::move(*tls::Session::create(cfg)), nullptr);
                            });
  const uint16_t port = bound->port();
  std::atomic<double> cpu{0};
  std::thread server([&] {
    const double start = thread_cpu_us();
    loop->run();
    cpu = thread_cpu_us() - start;
  });
  const auto t0 = std::chrono::steady_clock::now();
  run_clients(port, sessions);
  loop->set_drain_timeout(std::chrono::seconds(2));
  loop->request_stop();
  server.join();
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  emit("tls_gpram_engine.server_cpu_per_session", cpu / sessions, "us");
  emit("tls_gpram_engine.sessions_per_second", sessions / wall, "sessions/s");
}

// Client side of the idle test (child process): N handshakes on one loop, then idle.
class IdleClient final : public tls::TlsConnection {
 public:
  IdleClient(std::unique_ptr<tls::Session> s, std::atomic<int>* done)
      : TlsConnection(std::move(s)), done_(done) {}
  void on_handshake() override { ++*done_; }
  void on_plaintext(ByteView) override {}

 private:
  std::atomic<int>* done_;
};

void bench_idle(int n, const tls::Options& o) {
  if (auto lim = net::raise_fd_limit(static_cast<uint64_t>(n) * 2 + 64); !lim || *lim < static_cast<uint64_t>(n) + 64) {
    std::fprintf(stderr, "fd limit too low for %d idle connections\n", n);
    return;
  }
  auto cfg = server_config(o);
  auto loop = std::move(*net::EventLoop::create());
  std::atomic<int> handshakes{0};
  auto bound = loop->listen(*net::Endpoint::parse("127.0.0.1:0"),
                            [cfg, &handshakes](net::Connection&) -> std::unique_ptr<net::ConnectionHandler> {
                              return std::make_unique<BenchServerConn>(
                                  std::move(*tls::Session::create(cfg)), &handshakes);
                            });
  // Warm up allocator and GnuTLS with a few sessions before the baseline.
  for (int i = 0; i < 50; ++i) loop->run_once(std::chrono::milliseconds(0));
  const long before = rss_kib();
  const pid_t child = fork();
  if (child == 0) {
    auto ccfg = tls::Config::client(o);  // fleet style: one config, a PSK per session
    auto cloop = std::move(*net::EventLoop::create());
    std::atomic<int> done{0};
    for (int i = 0; i < n; ++i) {
      // Spread over 127.0.0.x sources so a big N does not exhaust one source's ports.
      auto from = net::Endpoint::parse("127.0.0." + std::to_string(2 + i % 200) + ":0");
      (void)cloop->connect(*bound, std::make_unique<IdleClient>(std::move(*tls::Session::create(*ccfg, kId, kKey)), &done), *from);
      if (i % 64 == 63) cloop->run_once(std::chrono::milliseconds(0));
    }
    for (int i = 0; i < 600000; ++i) cloop->run_once(std::chrono::milliseconds(100));
    _exit(0);
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  while (handshakes < n && std::chrono::steady_clock::now() < deadline)
    loop->run_once(std::chrono::milliseconds(50));
  for (int i = 0; i < 20; ++i) loop->run_once(std::chrono::milliseconds(10));
  const long after = rss_kib();
  kill(child, SIGKILL);
  waitpid(child, nullptr, 0);
  if (handshakes < n) std::fprintf(stderr, "only %d of %d idle handshakes completed\n", handshakes.load(), n);
  emit("tls_gpram_idle.connections", handshakes.load(), "connections");
  emit("tls_gpram_idle.rss_per_connection", handshakes > 0 ? static_cast<double>(after - before) / handshakes : 0.0, "KiB");
}

}  // namespace

int main(int argc, char** argv) {
  int sessions = 2000, idle = 2000;
  std::string suite = "tls12";
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string a = argv[i];
    if (a == "--sessions") sessions = std::atoi(argv[i + 1]);
    else if (a == "--idle") idle = std::atoi(argv[i + 1]);
    else if (a == "--suite") suite = argv[i + 1];
    else {
      std::fprintf(stderr, "usage: gpram-tls-bench [--sessions N] [--idle N] [--suite tls12|tls13]\n");
      return 2;
    }
  }
  tls::Options o;
  if (suite == "tls13") {
    o.suites = {tls::Suite::tls13};
  } else {
    o.suites = {tls::Suite::psk_aes128_cbc_sha256};
  }
  // The bare programs use the very same priority string as the engine.
  g_priority = *tls::priority_string(o);
  std::signal(SIGPIPE, SIG_IGN);
  if (sessions > 0) {
    bench_bare(sessions);
    bench_engine(sessions, o);
  }
  if (idle > 0) bench_idle(idle, o);
  return 0;
}
