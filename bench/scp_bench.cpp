// SCP03 (level 33) and SCP02 (levels 01/03) per-command cost for a 240-byte LOAD block:
// host wrap, card unwrap_command, and the SCP03 response path (card wrap_response + host unwrap).
#include <benchmark/benchmark.h>

#include <vector>

#include "gpram/scp/scp02.hpp"
#include "gpram/scp/scp03.hpp"

using namespace gpram;
using namespace gpram::scp;

namespace {

const apdu::Capdu kLoad{0x80, 0xE8, 0x00, 0x01, Bytes(240, 0xC4), std::nullopt};

struct Scp03Pair {
  SeededRandom rnd{1};
  std::optional<Scp03Host> host;
  std::optional<Scp03Card> card;
  explicit Scp03Pair(uint8_t level) {
    const Bytes k(16, 0x40);
    Scp03CardConfig cfg;
    cfg.keys = StaticKeys{0x30, k, k, k};
    card.emplace(std::move(*Scp03Card::create(cfg, rnd)));
    host.emplace(std::move(*Scp03Host::create(cfg.keys)));
    auto iu = host->initialize_update(Bytes(8, 1));
    auto ea = host->external_authenticate(*card->process_initialize_update(*iu), level);
    (void)card->process_external_authenticate(*ea);
  }
};

struct Scp02Pair {
  SeededRandom rnd{2};
  std::optional<Scp02Host> host;
  std::optional<Scp02Card> card;
  explicit Scp02Pair(uint8_t level) {
    const Bytes k(16, 0x40);
    Scp02CardConfig cfg;
    cfg.keys = StaticKeys{0x20, k, k, k};
    card.emplace(std::move(*Scp02Card::create(cfg, rnd)));
    host.emplace(std::move(*Scp02Host::create(cfg.keys)));
    auto iu = host->initialize_update(Bytes(8, 1));
    auto ea = host->external_authenticate(*card->process_initialize_update(*iu), level);
    (void)card->process_external_authenticate(*ea);
  }
};

void BM_Scp03WrapLoad240Level33(benchmark::State& state) {
  Scp03Pair p(0x33);
  for (auto _ : state) benchmark::DoNotOptimize(p.host->wrap(kLoad));
  state.SetLabel("ns per 240-byte LOAD, host wrap");
}
BENCHMARK(BM_Scp03WrapLoad240Level33);

void BM_Scp03UnwrapLoad240Level33(benchmark::State& state) {
  std::optional<Scp03Pair> p;
  std::vector<apdu::Capdu> batch;
  size_t next = 0;
  for (auto _ : state) {
    if (next == batch.size()) {
      state.PauseTiming();
      p.emplace(0x33);
      batch.clear();
      for (int i = 0; i < 4096; ++i) batch.push_back(*p->host->wrap(kLoad));
      next = 0;
      state.ResumeTiming();
    }
    benchmark::DoNotOptimize(p->card->unwrap_command(batch[next++]));
  }
  state.SetLabel("ns per 240-byte LOAD, card unwrap_command");
}
BENCHMARK(BM_Scp03UnwrapLoad240Level33);

void BM_Scp03ResponseLevel33(benchmark::State& state) {
  Scp03Pair p(0x33);
  const apdu::Rapdu r{Bytes(32, 0x00), 0x9000};
  auto first = p.host->wrap(apdu::Capdu{0x80, 0xCA, 0x00, 0x66, {}, 256u});
  if (!first || !p.card->unwrap_command(*first)) {
    state.SkipWithError("handshake failed");
    return;
  }
  for (auto _ : state) {
    auto w = p.card->wrap_response(r);
    benchmark::DoNotOptimize(p.host->unwrap(*w));
  }
  state.SetLabel("ns per 32-byte response, card R-ENC/R-MAC + host unwrap");
}
BENCHMARK(BM_Scp03ResponseLevel33);

void BM_Scp02WrapLoad230Level03(benchmark::State& state) {
  Scp02Pair p(0x03);
  const apdu::Capdu load{0x80, 0xE8, 0x00, 0x01, Bytes(230, 0xC4), std::nullopt};  // + pad + MAC <= 255
  for (auto _ : state) benchmark::DoNotOptimize(p.host->wrap(load));
  state.SetLabel("ns per 230-byte LOAD (short APDU limit), host wrap");
}
BENCHMARK(BM_Scp02WrapLoad230Level03);

void BM_Scp02WrapLoad240Level01(benchmark::State& state) {
  Scp02Pair p(0x01);
  for (auto _ : state) benchmark::DoNotOptimize(p.host->wrap(kLoad));
  state.SetLabel("ns per 240-byte LOAD, host wrap (C-MAC only)");
}
BENCHMARK(BM_Scp02WrapLoad240Level01);

}  // namespace
