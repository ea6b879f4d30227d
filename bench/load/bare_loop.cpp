// The bare GnuTLS PSK baseline shared by gpram-tls-bench and gpram-bench: a blocking GnuTLS
// server thread (plain sockets, no gpram code) serving handshake + 3 request/response exchanges
// + close_notify per connection, driven by a blocking GnuTLS client thread.
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


#include "bare_loop.hpp"

namespace gpram::bench {

const char* kId = "bench-card";
const Bytes kKey = hex("00112233445566778899AABBCCDDEEFF");

std::string g_priority;  // for the bare GnuTLS programs

void emit(const char* name, double value, const char* unit) {
  std::printf("{\"name\":\"%s\",\"value\":%.3f,\"unit\":\"%s\"}\n", name, value, unit);
  std::fflush(stdout);
}

double thread_cpu_us() {
  rusage ru{};
  getrusage(RUSAGE_THREAD, &ru);
  return static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e6 +
         static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec);
}

long rss_kib() {
  std::ifstream f("/proc/self/status");
  std::string line;
  while (std::getline(f, line))
    if (line.rfind("VmRSS:", 0) == 0) return std::strtol(line.c_str() + 6, nullptr, 10);
  return 0;
}

int listen_any(uint16_t& port) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || listen(fd, 1024) != 0) {
    std::perror("bind/listen");
    std::exit(1);
  }
  socklen_t len = sizeof a;
  getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  port = ntohs(a.sin_port);
  return fd;
}

int connect_to(uint16_t port) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(port);
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  if (connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    std::perror("connect");
    std::exit(1);
  }
  return fd;
}

int server_psk(gnutls_session_t, const gnutls_datum_t*, gnutls_datum_t* key) {
  key->data = static_cast<unsigned char*>(gnutls_malloc(kKey.size()));
  std::memcpy(key->data, kKey.data(), kKey.size());
  key->size = static_cast<unsigned>(kKey.size());
  return 0;
}

bool recv_exact(gnutls_session_t s, size_t n) {
  char buf[4096];
  size_t got = 0;
  while (got < n) {
    ssize_t r = gnutls_record_recv(s, buf, sizeof buf);
    if (r <= 0) return false;
    got += static_cast<size_t>(r);
  }
  return true;
}

// One blocking client session: handshake, 3 exchanges, close_notify.
bool client_session(uint16_t port, gnutls_psk_client_credentials_t cred) {
  int fd = connect_to(port);
  gnutls_session_t s;
  gnutls_init(&s, GNUTLS_CLIENT | GNUTLS_NO_TICKETS);
  gnutls_priority_set_direct(s, g_priority.c_str(), nullptr);
  gnutls_credentials_set(s, GNUTLS_CRD_PSK, cred);
  gnutls_transport_set_int(s, fd);
  bool ok = gnutls_handshake(s) == 0;
  std::string req(kRequestSize, 'q');
  for (int i = 0; ok && i < kExchanges; ++i) {
    ok = gnutls_record_send(s, req.data(), req.size()) == static_cast<ssize_t>(req.size()) &&
         recv_exact(s, kResponseSize);
  }
  if (ok) gnutls_bye(s, GNUTLS_SHUT_WR);
  gnutls_deinit(s);
  close(fd);
  return ok;
}

void run_clients(uint16_t port, int sessions) {
  gnutls_psk_client_credentials_t cred;
  gnutls_psk_allocate_client_credentials(&cred);
  const gnutls_datum_t k{const_cast<unsigned char*>(kKey.data()), static_cast<unsigned>(kKey.size())};
  gnutls_psk_set_client_credentials(cred, kId, &k, GNUTLS_PSK_KEY_RAW);
  for (int i = 0; i < sessions; ++i)
    if (!client_session(port, cred)) {
      std::fprintf(stderr, "client session %d failed\n", i);
      std::exit(1);
    }
  gnutls_psk_free_client_credentials(cred);
}

BareResult bench_bare(int sessions) {
  uint16_t port = 0;
  int lfd = listen_any(port);
  std::atomic<double> cpu{0};
  std::thread server([&] {
    gnutls_psk_server_credentials_t cred;
    gnutls_psk_allocate_server_credentials(&cred);
    gnutls_psk_set_server_credentials_function2(cred, server_psk);
    gnutls_priority_t prio;
    gnutls_priority_init(&prio, g_priority.c_str(), nullptr);
    const std::string resp(kResponseSize, 'r');
    const double start = thread_cpu_us();
    for (int i = 0; i < sessions; ++i) {
      int fd = accept4(lfd, nullptr, nullptr, SOCK_CLOEXEC);
      int one = 1;
      setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      gnutls_session_t s;
      gnutls_init(&s, GNUTLS_SERVER | GNUTLS_NO_TICKETS);
      gnutls_priority_set(s, prio);
      gnutls_credentials_set(s, GNUTLS_CRD_PSK, cred);
      gnutls_transport_set_int(s, fd);
      bool ok = gnutls_handshake(s) == 0;
      for (int x = 0; ok && x < kExchanges; ++x)
        ok = recv_exact(s, kRequestSize) &&
             gnutls_record_send(s, resp.data(), resp.size()) == static_cast<ssize_t>(resp.size());
      char b[64];
      if (ok) (void)gnutls_record_recv(s, b, sizeof b);  // the client's close_notify
      gnutls_deinit(s);
      close(fd);
    }
    cpu = thread_cpu_us() - start;
    gnutls_priority_deinit(prio);
    gnutls_psk_free_server_credentials(cred);
  });
  const auto t0 = std::chrono::steady_clock::now();
  run_clients(port, sessions);
  server.join();
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  close(lfd);
  emit("tls_bare_gnutls.server_cpu_per_session", cpu / sessions, "us");
  emit("tls_bare_gnutls.sessions_per_second", sessions / wall, "sessions/s");
  return {cpu / sessions, sessions / wall};
}

}  // namespace gpram::bench
