// HTTP hot path of the admin channel: parse a typical Amendment B card POST (300-byte chunked
// response script) and serialize a 200 with a 2 KB script. Reports allocations per operation
// (global operator new counted in this binary).
#include <benchmark/benchmark.h>

#include <atomic>
#include <cstdlib>
#include <new>
#include <string>

#include "gpram/http/parser.hpp"
#include "gpram/http/serializer.hpp"
#include "gpram/ram/server_session.hpp"

namespace {
std::atomic<uint64_t> g_allocs{0};
}  // namespace

void* operator new(size_t n) {
  g_allocs.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(n ? n : 1)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, size_t) noexcept { std::free(p); }

namespace {

using namespace gpram;

std::string admin_post() {
  std::string body(300, '\x23');
  std::string s =
      "POST /ram?s=Zk3q9WbT&n=17 HTTP/1.1\r\nHost: ota.example.net\r\n"
      "X-Admin-Protocol: globalplatform-remote-admin/1.0\r\n"
      "X-Admin-From: //se-id/eid/89049032000001000000000000000123;//aa-id/aid/A000000559/1010\r\n"
      "X-Admin-Script-Status: ok\r\n"
      "Content-Type: application/vnd.globalplatform.card-content-mgt-response;version=1.0\r\n"
      "Transfer-Encoding: chunked\r\n\r\n12C\r\n";
  return s + body + "\r\n0\r\n\r\n";
}

void BM_ParseAdminPost(benchmark::State& state) {
  const std::string wire = admin_post();
  http::RequestParser p;
  uint64_t allocs = 0;
  for (auto _ : state) {
    const uint64_t before = g_allocs.load(std::memory_order_relaxed);
    auto n = p.feed(as_bytes(wire));
    if (!n || !p.has_message()) state.SkipWithError("parse failed");
    benchmark::DoNotOptimize(p.message().body.data());
    allocs += g_allocs.load(std::memory_order_relaxed) - before;
  }
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(wire.size()));
  state.counters["allocs/op"] =
      benchmark::Counter(static_cast<double>(allocs), benchmark::Counter::kAvgIterations);
}
BENCHMARK(BM_ParseAdminPost);

void BM_Serialize200With2KScript(benchmark::State& state) {
  http::Response r;
  r.headers.add("X-Admin-Protocol", "globalplatform-remote-admin/1.0");
  r.headers.add("Content-Type", "application/vnd.globalplatform.card-content-mgt;version=1.0");
  r.headers.add("X-Admin-Next-URI", "/ram?s=Zk3q9WbT&n=18");
  r.headers.add("X-Admin-Targeted-Application", "//aid/A000000018/0001");
  r.body.assign(2048, 0xAE);
  const http::BodyOptions opts{state.range(0) != 0, 0};
  Bytes out;
  uint64_t allocs = 0;
  for (auto _ : state) {
    const uint64_t before = g_allocs.load(std::memory_order_relaxed);
    out.clear();
    http::serialize(r, out, opts);
    benchmark::DoNotOptimize(out.data());
    allocs += g_allocs.load(std::memory_order_relaxed) - before;
  }
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(out.size()));
  state.counters["allocs/op"] =
      benchmark::Counter(static_cast<double>(allocs), benchmark::Counter::kAvgIterations);
}
BENCHMARK(BM_Serialize200With2KScript)->Arg(0)->Arg(1);

// One admin step on the server: parse the card's POST, ServerSession::on_request (report +
// next 2 KB script from an in-memory JobSource), serialize the 200.
class OneStepSource final : public ram::JobSource {
 public:
  std::optional<ram::ScriptStep> next_step(std::string_view) override {
    return ram::ScriptStep{"job", ++id_, script_, std::nullopt};
  }
  std::optional<ram::StepId> in_flight(std::string_view) const override { return id_; }
  void report(std::string_view, ram::StepId, const ram::ScriptResult&) override {}
  void resumed(std::string_view, ram::StepId, ram::ResumeCase) override {}
  ram::StepId id_ = 0;
  Bytes script_ = Bytes(2048, 0xAE);
};

void BM_ServerStep(benchmark::State& state) {
  ram::ServerOptions opts;
  ram::CardProfile profile;
  OneStepSource jobs;
  const std::string agent =
      "//se-id/eid/89049032000001000000000000000123;//aa-id/aid/A000000559/1010";
  ram::ServerSession s(opts, profile, jobs, {"card", agent}, "Zk3q9WbT", TimePoint{});
  http::Request first;
  first.target = "/ram";
  first.headers.add("X-Admin-Protocol", "globalplatform-remote-admin/1.0");
  first.headers.add("X-Admin-From", agent);
  (void)s.on_request(first, TimePoint{});
  http::RequestParser p;
  Bytes wire, out;
  uint64_t allocs = 0;
  for (auto _ : state) {
    state.PauseTiming();
    std::string post = admin_post();
    const std::string uri = s.next_uri();
    post.replace(post.find("/ram?s=Zk3q9WbT&n=17"), 20, uri);
    wire.assign(post.begin(), post.end());
    state.ResumeTiming();
    const uint64_t before = g_allocs.load(std::memory_order_relaxed);
    auto n = p.feed(wire);
    if (!n || !p.has_message()) state.SkipWithError("parse failed");
    ram::Reply r = s.on_request(p.message(), TimePoint{});
    if (r.response.status != 200) state.SkipWithError("session rejected the POST");
    out.clear();
    http::serialize(r.response, out, s.body_options());
    benchmark::DoNotOptimize(out.data());
    allocs += g_allocs.load(std::memory_order_relaxed) - before;
  }
  state.counters["allocs/op"] =
      benchmark::Counter(static_cast<double>(allocs), benchmark::Counter::kAvgIterations);
}
BENCHMARK(BM_ServerStep);

}  // namespace
