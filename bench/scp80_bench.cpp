// SCP80 command packet encode (server) and open (card), PoR encode/decode, AES-128 and 3DES-2key,
// ciphered + CC, a data size that fills one SMS (137-byte packet limit).
#include <benchmark/benchmark.h>

#include <vector>

#include "gpram/scp/scp80.hpp"

namespace {

using namespace gpram::scp80;

Keyset keys(bool aes) {
  Keyset ks;
  ks.kic = aes ? 0x12 : 0x15;
  ks.kid = aes ? 0x12 : 0x15;
  ks.kic_key = gpram::hex(aes ? "200102030405060708090A0B0C0D0E0F" : "C21DD66ACAC13CB3BC8B331B24AFB57B");
  ks.kid_key = gpram::hex(aes ? "201102030405060708090A0B0C0D0E0F" : "12110C78E678C25408233076AA033615");
  ks.tar = {0xB0, 0x00, 0x10};
  return ks;
}

// 21-byte header + 8-byte CC + data + padding <= 137: 100 bytes of data.
const gpram::Bytes kData(100, 0x5A);
const Spi kSpi = *Spi::decode(0x16, 0x39);  // CC, ciphered, counter higher; PoR CC ciphered

void BM_EncodeCommand(benchmark::State& st) {
  const Keyset ks = keys(st.range(0) != 0);
  uint64_t ctr = 1;
  for (auto _ : st) {
    auto p = encode_command(ks, kSpi, ctr++, kData);
    benchmark::DoNotOptimize(p);
  }
}

void BM_OpenCommand(benchmark::State& st) {
  const Keyset ks = keys(st.range(0) != 0);
  std::vector<gpram::Bytes> pkts;
  for (uint64_t i = 1; i <= 1024; ++i) pkts.push_back(*encode_command(ks, kSpi, i, kData));
  std::vector<CardKeyset> card{{ks, CounterPolicy(0)}};
  size_t i = 0;
  for (auto _ : st) {
    if (i == pkts.size()) {
      i = 0;
      card[0].counter = CounterPolicy(0);
    }
    auto c = open_command(pkts[i++], card);
    if (!c) st.SkipWithError(c.error().message.c_str());
    benchmark::DoNotOptimize(c);
  }
}

void BM_PorRoundTrip(benchmark::State& st) {
  const Keyset ks = keys(st.range(0) != 0);
  const gpram::Bytes resp = gpram::hex("019000");
  for (auto _ : st) {
    auto p = encode_por(ks, kSpi, 7, Status::ok, resp);
    auto d = open_por(*p, ks, kSpi);
    benchmark::DoNotOptimize(d);
  }
}

}  // namespace

BENCHMARK(BM_EncodeCommand)->ArgName("aes")->Arg(1)->Arg(0);
BENCHMARK(BM_OpenCommand)->ArgName("aes")->Arg(1)->Arg(0);
BENCHMARK(BM_PorRoundTrip)->ArgName("aes")->Arg(1)->Arg(0);
