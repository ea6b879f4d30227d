// Shared pieces of the loopback load programs (bench/load): the bare GnuTLS baseline and helpers.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "gpram/base/bytes.hpp"

namespace gpram::bench {

extern const char* kId;
extern const Bytes kKey;
constexpr size_t kRequestSize = 260;   // a small Amendment B POST with one R-APDU
constexpr size_t kResponseSize = 420;  // a 200 response carrying a few C-APDUs
constexpr int kExchanges = 3;
extern std::string g_priority;  // GnuTLS priority string of the bare programs

struct BareResult {
  double server_cpu_us_per_session = 0;
  double sessions_per_second = 0;
};

void emit(const char* name, double value, const char* unit);
double thread_cpu_us();
long rss_kib();
int listen_any(uint16_t& port);
int connect_to(uint16_t port);
/// Blocking GnuTLS clients: `sessions` sessions to 127.0.0.1:port, one after the other.
void run_clients(uint16_t port, int sessions);
/// Runs `sessions` bare sessions; prints and returns the figures.
BareResult bench_bare(int sessions);

}  // namespace gpram::bench
