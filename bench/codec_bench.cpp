// Codec micro-benchmarks: BER-TLV decode of a GET STATUS-like response, TS 102 226 command
// script encode / decode (20 LOAD commands of 240 data bytes, as pySim splits load files) and
// response script decode. Reported as time per operation (ns/op) plus bytes/s.
#include <benchmark/benchmark.h>

#include <vector>

#include "gpram/apdu/script.hpp"
#include "gpram/tlv/tlv.hpp"

namespace {

namespace ap = gpram::apdu;
using gpram::Bytes;

// GET STATUS (P1=40, P2=02) reply of 8 applications: E3 {4F AID, 9F70 LCS, C5 privileges,
// C4 ELF AID, 84 module AID} per entry (GP Card Spec v2.3 table 11-36).
Bytes get_status_response() {
  Bytes out;
  for (int i = 0; i < 8; ++i) {
    gpram::tlv::append_constructed(out, 0xE3, [&](Bytes& o) {
      Bytes aid = gpram::hex("A0000000871002FF49FF0589");
      aid.back() = static_cast<uint8_t>(i);
      gpram::tlv::append(o, 0x4F, aid);
      gpram::tlv::append(o, 0x9F70, {0x07});
      gpram::tlv::append(o, 0xC5, {0x00, 0x00, 0x00});
      gpram::tlv::append(o, 0xC4, gpram::hex("A0000000871002"));
      gpram::tlv::append(o, 0x84, aid);
    });
  }
  return out;
}

std::vector<Bytes> load_commands() {
  std::vector<Bytes> cmds;
  for (int i = 0; i < 20; ++i) {
    Bytes c = {0x80, 0xE8, static_cast<uint8_t>(i == 19 ? 0x80 : 0x00), static_cast<uint8_t>(i),
               240};
    for (int k = 0; k < 240; ++k) c.push_back(static_cast<uint8_t>(k * 7 + i));
    cmds.push_back(std::move(c));
  }
  return cmds;
}

void BM_TlvDecodeGetStatus(benchmark::State& state) {
  const Bytes in = get_status_response();
  for (auto _ : state) {
    size_t n = 0;
    gpram::tlv::Reader r(in);
    while (!r.done()) {
      auto e = r.next();
      if (!e) state.SkipWithError(e.error().message.c_str());
      gpram::tlv::Reader inner(e->value);
      while (!inner.done()) {
        auto t = inner.next();
        benchmark::DoNotOptimize(t);
        ++n;
      }
    }
    benchmark::DoNotOptimize(n);
  }
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(in.size()));
}
BENCHMARK(BM_TlvDecodeGetStatus);

void BM_CommandScriptEncode20Loads(benchmark::State& state) {
  const auto cmds = load_commands();
  const auto script = ap::command_script(cmds);
  size_t size = 0;
  for (auto _ : state) {
    Bytes out = ap::encode_command_script(script);
    size = out.size();
    benchmark::DoNotOptimize(out.data());
  }
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(size));
}
BENCHMARK(BM_CommandScriptEncode20Loads);

void BM_CommandScriptDecode20Loads(benchmark::State& state) {
  const auto cmds = load_commands();
  const Bytes in = ap::encode_command_script(ap::command_script(cmds));
  for (auto _ : state) {
    auto s = ap::decode_command_script(in);
    if (!s) state.SkipWithError(s.error().message.c_str());
    benchmark::DoNotOptimize(s);
  }
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(in.size()));
}
BENCHMARK(BM_CommandScriptDecode20Loads);

void BM_ResponseScriptDecode20(benchmark::State& state) {
  std::vector<Bytes> rapdus(20, gpram::hex("9000"));
  rapdus[0] = get_status_response();
  rapdus[0].push_back(0x90);
  rapdus[0].push_back(0x00);
  const Bytes in = ap::encode_response_script(ap::response_script(rapdus));
  for (auto _ : state) {
    auto s = ap::decode_response_script(in);
    if (!s) state.SkipWithError(s.error().message.c_str());
    benchmark::DoNotOptimize(s);
  }
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(in.size()));
}
BENCHMARK(BM_ResponseScriptDecode20);

}  // namespace
