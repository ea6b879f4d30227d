// Benchmarks: CAP parsing and compile_install (INSTALL [for load] + LOADs + INSTALL) of the
// largest test CAP (AlgTest_v1.8.2_jc305.cap, 131 KB archive, ~31 KB of components) at
// 240-byte LOAD blocks.
#include <fstream>
#include <iterator>

#include <benchmark/benchmark.h>

#include "gpram/gp/cap.hpp"
#include "gpram/gp/install.hpp"

namespace {

gpram::Bytes largest_cap() {
  std::ifstream in(std::string(GPRAM_TESTDATA_DIR) + "/cap/AlgTest_v1.8.2_jc305.cap",
                   std::ios::binary);
  return gpram::Bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

void BM_CapParse(benchmark::State& state) {
  const gpram::Bytes zip = largest_cap();
  for (auto _ : state) {
    auto cap = gpram::gp::CapFile::parse(zip);
    if (!cap) state.SkipWithError(cap.error().message.c_str());
    benchmark::DoNotOptimize(cap);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) *
                          static_cast<int64_t>(zip.size()));
}
BENCHMARK(BM_CapParse);

void BM_CompileInstall240(benchmark::State& state) {
  auto cap = gpram::gp::CapFile::parse(largest_cap());
  if (!cap) {
    state.SkipWithError(cap.error().message.c_str());
    return;
  }
  gpram::gp::InstallOptions o;
  o.block_size = 240;
  o.hash = gpram::gp::HashAlg::none;
  size_t n = 0;
  for (auto _ : state) {
    auto cmds = gpram::gp::compile_install(*cap, o);
    if (!cmds) state.SkipWithError(cmds.error().message.c_str());
    n = cmds->size();
    benchmark::DoNotOptimize(cmds);
  }
  state.counters["commands"] = static_cast<double>(n);
}
BENCHMARK(BM_CompileInstall240);

void BM_CompileInstall240Sha256(benchmark::State& state) {
  auto cap = gpram::gp::CapFile::parse(largest_cap());
  if (!cap) {
    state.SkipWithError(cap.error().message.c_str());
    return;
  }
  gpram::gp::InstallOptions o;
  o.block_size = 240;
  o.hash = gpram::gp::HashAlg::sha256;
  for (auto _ : state) {
    auto cmds = gpram::gp::compile_install(*cap, o);
    benchmark::DoNotOptimize(cmds);
  }
}
BENCHMARK(BM_CompileInstall240Sha256);

}  // namespace
