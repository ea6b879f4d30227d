// Many virtual cards in one process on one event loop: each runs an admin session against
// gpramd with a bounded concurrency and arrival rate, with faults applied to a fraction of them.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "gpram/card/card.hpp"
#include "gpram/sim/agent_client.hpp"

namespace gpram::sim {

/// `--faults` specification: comma-separated kind:fraction[:arg] (docs/operator-guide.md).
struct FaultSpec {
  double drop = 0;             // cut the connection after the first script ran
  double delay = 0;            // slow answers
  uint32_t delay_ms = 0;
  double sw = 0;               // answer commands with a status word
  uint16_t sw_value = 0x6A84;
  double badmac = 0;           // corrupt a MAC (R-MAC of the card)
  double badpsk = 0;           // present a wrong PSK
};
[[nodiscard]] Result<FaultSpec> parse_faults(std::string_view spec);

struct FleetCard {
  std::string iccid;
  std::string psk_identity;
  Bytes psk;
  std::string agent_id;
};
/// One card per line, the fields of POST /v1/cards (extra fields ignored).
[[nodiscard]] Result<std::vector<FleetCard>> read_cards_jsonl(const std::string& path);

struct FleetOptions {
  net::Endpoint server;
  std::string uri = "/";
  size_t concurrency = 100;
  double rate = 0;  // sessions started per second; 0 = as fast as concurrency allows
  FaultSpec faults;
  uint64_t seed = 1;
  std::vector<net::Endpoint> sources;  // local addresses to spread connections over
  Duration timeout = std::chrono::seconds(30);
};

struct FleetSummary {
  size_t sessions = 0;
  size_t completed = 0;
  std::map<std::string, size_t> failed;  // by reason
  size_t scripts = 0, apdus = 0, resumes = 0;
  double seconds = 0;
  double p50 = 0, p90 = 0, p99 = 0, max = 0;  // session latency, seconds
  [[nodiscard]] nlohmann::json to_json() const;
};

/// Runs one admin session for every card (blocking). `cards_state` (same order) keeps each
/// virtual card across runs; missing entries start as fresh default cards.
[[nodiscard]] Result<FleetSummary> run_fleet(const std::vector<FleetCard>& cards,
                                             std::vector<card::VirtualCard>& cards_state,
                                             const FleetOptions& opts);

}  // namespace gpram::sim
