// gpram-bench session: the complete Amendment B admin session against gpramd's server core,
// measured in the same run as the bare GnuTLS baseline, so the ratio holds on a noisy machine.
//
//  1. bare: blocking GnuTLS PSK server + client threads, handshake + 3 exchanges + close
//     (bare_loop.cpp); server CPU per session from getrusage(RUSAGE_THREAD).
//  2. session: gpram::server::Server (1 event loop, SQLite durable store, a campaign of one
//     3-APDU job per card) serving C concurrent virtual cards of libs/sim over loopback PSK-TLS:
//     handshake, first POST -> script, results POST -> 204, close. Server CPU = process CPU minus
//     the client thread's CPU.
//  3. idle: a child process opens N PSK-TLS connections to the same server and keeps them idle;
//     the server process's RSS growth / N.
// Usage: gpram-bench session [--seconds S] [--concurrency C] [--sessions N] [--idle N]
//                            [--suite tls12|tls13]
// Output: one JSON object per line {"name","value","unit","baseline"?,"ratio"?,"target"?}.
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "bare_loop.hpp"
#include "gpram/card/card.hpp"
#include "gpram/net/event_loop.hpp"
#include "gpram/server/server.hpp"
#include "gpram/sim/agent_client.hpp"
#include "gpram/sim/script_runner.hpp"
#include "gpram/store/sqlite_store.hpp"
#include "gpram/tls/config.hpp"
#include "gpram/tls/tls_connection.hpp"

using namespace gpram;
using namespace gpram::bench;

namespace {

double process_cpu_us() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e6 +
         static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec);
}

void emit_full(const std::string& name, double value, const char* unit, double baseline = -1,
               double ratio = -1, double target = -1) {
  std::printf("{\"name\":\"%s\",\"value\":%.3f,\"unit\":\"%s\"", name.c_str(), value, unit);
  if (baseline >= 0) std::printf(",\"baseline\":%.3f", baseline);
  if (ratio >= 0) std::printf(",\"ratio\":%.3f", ratio);
  if (target >= 0) std::printf(",\"target\":%.3f", target);
  std::printf("}\n");
  std::fflush(stdout);
}

class IdleCard final : public tls::TlsConnection {
 public:
  IdleCard(std::unique_ptr<tls::Session> s, int* done) : TlsConnection(std::move(s)), done_(done) {}
  void on_handshake() override { ++*done_; }
  void on_plaintext(ByteView) override {}

 private:
  int* done_;
};

std::string card_id(int i) { return "bench-" + std::to_string(i); }
std::string iccid(int i) {
  char b[32];
  std::snprintf(b, sizeof b, "8988211%012d", i);
  return b;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || std::string(argv[1]) != "session") {
    std::fprintf(stderr, "usage: gpram-bench session [--seconds S] [--concurrency C] [--sessions N] "
                         "[--idle N] [--suite tls12|tls13]\n");
    return 2;
  }
  double seconds = 20;
  int concurrency = 16, sessions = 3000, idle = 5000;
  std::string suite = "tls12";
  for (int i = 2; i + 1 < argc; i += 2) {
    const std::string a = argv[i];
    if (a == "--seconds") seconds = std::atof(argv[i + 1]);
    else if (a == "--concurrency") concurrency = std::atoi(argv[i + 1]);
    else if (a == "--sessions") sessions = std::atoi(argv[i + 1]);
    else if (a == "--idle") idle = std::atoi(argv[i + 1]);
    else if (a == "--suite") suite = argv[i + 1];
    else {
      std::fprintf(stderr, "error: unknown option %s\n", a.c_str());
      return 2;
    }
  }
  std::signal(SIGPIPE, SIG_IGN);
  tls::Options topts;
  topts.suites = {suite == "tls13" ? tls::Suite::tls13 : tls::Suite::psk_aes128_cbc_sha256};
  g_priority = *tls::priority_string(topts);

  // ---- 1. bare GnuTLS baseline ------------------------------------------------------------
  const BareResult bare = bench_bare(std::min(sessions, 2000));

  // ---- 2. complete sessions against the server core ------------------------------------------
  const auto dir = std::filesystem::temp_directory_path() / ("gpram-bench-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  auto db = store::SqliteStore::open((dir / "bench.db").string(), Bytes(32, 0x5A));
  if (!db) {
    std::fprintf(stderr, "error: %s\n", db.error().message.c_str());
    return 1;
  }
  std::vector<store::Job> jobs;
  for (int i = 0; i < sessions; ++i) {
    store::Card c;
    c.iccid = iccid(i);
    c.psk_identity = card_id(i);
    c.psk = kKey;
    c.agent_id = c.iccid;
    (void)(*db)->add_card(c);
    store::Job j;
    j.iccid = c.iccid;
    j.operations = nlohmann::json::array({{{"apdus", {"80CA006600", "80CA00E000", "80F24002024F0000"}}}});
    j.steps.push_back({{hex("80CA006600"), hex("80CA00E000"), hex("80F24002024F0000")}, {}});
    jobs.push_back(std::move(j));
  }
  (void)(*db)->add_campaign(store::Campaign{}, std::move(jobs));
  server::Config cfg;
  cfg.card_listen = {"127.0.0.1", 0};
  cfg.api_listen = {"127.0.0.1", 0};
  cfg.threads = 1;
  cfg.tls_suites = {suite == "tls13" ? "tls13" : "psk-aes128-cbc-sha256"};
  auto srv = server::Server::create(cfg, **db, "bench-token-0123456789");
  if (!srv) {
    std::fprintf(stderr, "error: %s\n", srv.error().message.c_str());
    return 1;
  }
  (*srv)->start();
  auto loop = std::move(*net::EventLoop::create());
  auto ccfg = *tls::Config::client(topts);
  card::VirtualCard vcard(card::CardConfig{}, 7);
  int started = 0, finished = 0, completed = 0;
  const auto t0 = std::chrono::steady_clock::now();
  const auto stop_at = t0 + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                std::chrono::duration<double>(seconds));
  const double cpu0 = process_cpu_us(), client0 = thread_cpu_us();
  std::function<void()> pump = [&] {
    while (started - finished < concurrency && started < sessions &&
           std::chrono::steady_clock::now() < stop_at) {
      const int i = started++;
      sim::AgentParams p;
      p.server = (*srv)->card_endpoint();
      p.psk_identity = card_id(i);
      p.psk = kKey;
      p.agent_id = iccid(i);
      p.tls = ccfg;
      auto r = sim::start_admin_session(
          *loop, p,
          [&](ByteView script, const std::optional<Bytes>& t) { return sim::run_script(vcard, script, t); },
          [&](const sim::SessionOutcome& o) {
            ++finished;
            if (o.completed && o.scripts == 1) ++completed;
            loop->post(pump);
          });
      (void)r;
    }
  };
  pump();
  while (finished < started || (started < sessions && std::chrono::steady_clock::now() < stop_at))
    loop->run_once(std::chrono::milliseconds(20));
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const double client_cpu = thread_cpu_us() - client0;
  const double server_cpu = process_cpu_us() - cpu0 - client_cpu;
  const double per = finished > 0 ? server_cpu / finished : 0;
  emit_full("session.completed", completed, "sessions");
  emit_full("session.server_cpu_per_session", per, "us", bare.server_cpu_us_per_session,
            bare.server_cpu_us_per_session > 0 ? per / bare.server_cpu_us_per_session : 0, 2.0);
  emit_full("session.sessions_per_second", finished / wall, "sessions/s");

  // ---- 3. idle connections ----------------------------------------------------------------
  if (idle > 0) {
    if (auto lim = net::raise_fd_limit(static_cast<uint64_t>(idle) + 256); !lim || *lim < static_cast<uint64_t>(idle) + 128) {
      std::fprintf(stderr, "fd limit too low for %d idle connections\n", idle);
    } else {
      int fds[2];
      if (pipe(fds) != 0) return 1;
      const long before = rss_kib();
      const pid_t child = fork();
      if (child == 0) {
        close(fds[0]);
        auto cl = std::move(*net::EventLoop::create());
        int done = 0;
        for (int i = 0; i < idle; ++i) {
          auto from = net::Endpoint::parse("127.0.0." + std::to_string(2 + i % 200) + ":0");
          auto s = tls::Session::create(ccfg, card_id(i % sessions), kKey);
          (void)cl->connect((*srv)->card_endpoint(), std::make_unique<IdleCard>(std::move(*s), &done), *from);
          if (i % 64 == 63) cl->run_once(std::chrono::milliseconds(0));
        }
        const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(120);
        while (done < idle && std::chrono::steady_clock::now() < until) cl->run_once(std::chrono::milliseconds(50));
        const int n = done;
        (void)!write(fds[1], &n, sizeof n);
        for (int i = 0; i < 6000; ++i) cl->run_once(std::chrono::milliseconds(100));
        _exit(0);
      }
      close(fds[1]);
      int n = 0;
      (void)!read(fds[0], &n, sizeof n);
      std::this_thread::sleep_for(std::chrono::milliseconds(500));
      const long after = rss_kib();
      kill(child, SIGKILL);
      waitpid(child, nullptr, 0);
      emit_full("idle.connections", n, "connections");
      emit_full("idle.rss_per_connection", n > 0 ? static_cast<double>(after - before) / n : 0, "KiB", -1, -1, 20);
    }
  }
  (*srv)->request_stop();
  (*srv)->wait();
  std::filesystem::remove_all(dir);
  return 0;
}
