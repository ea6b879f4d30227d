// libFuzzer harness: the Amendment B HTTP + session core. First byte even: bytes ->
// RequestParser -> ServerSession (InMemoryJobSource with 3 steps, one targeted) -> serialized
// responses that must parse again. Odd: bytes -> ResponseParser -> AgentSession.
#include <cstddef>
#include <cstdint>

#include "gpram/http/parser.hpp"
#include "gpram/http/serializer.hpp"
#include "gpram/ram/agent_session.hpp"
#include "gpram/ram/server_session.hpp"

namespace {

using namespace gpram;

void run_server(ByteView in, uint8_t mode) {
  static const ram::ServerOptions opts;
  const ram::CardProfile& profile = ram::builtin_profiles()[mode % ram::builtin_profiles().size()];
  ram::InMemoryJobSource jobs;
  jobs.add("c", ram::ScriptStep{"j", 1, hex("AE80220580CA0085000000"), std::nullopt});
  jobs.add("c", ram::ScriptStep{"j", 2, hex("AE80220880F28002024F00000000"),
                                hex("A0000000180001")});
  jobs.add("c", ram::ScriptStep{"j", 3, hex("AE80220580CAFF21000000"), std::nullopt});
  TimePoint now{};
  ram::ServerSession s(opts, profile, jobs, {"c", "0123456789"}, "S", now);
  http::RequestParser p;
  Bytes out;
  while (!in.empty() && !s.closed()) {
    auto n = p.feed(in);
    ram::Reply r;
    if (!n) {
      r = s.on_parse_error(n.error(), now);
    } else {
      in = in.subspan(*n);
      if (!p.has_message()) break;
      now += std::chrono::seconds(1);
      r = s.on_request(p.message(), now);
    }
    out.clear();
    http::serialize(r.response, out, s.body_options());
    http::ResponseParser rp;
    auto m = rp.feed(out);
    if (!m || !rp.has_message() || *m != out.size()) __builtin_trap();
    if (r.close || !n) break;
  }
  (void)s.on_timeout(now + std::chrono::hours(1));
}

void run_agent(ByteView in) {
  ram::AgentSession a(ram::AgentOptions{"h", "0123456789", "/ram", {true, 3}, 2});
  if (!a.start()) __builtin_trap();
  http::ResponseParser p;
  while (!in.empty()) {
    auto n = p.feed(in);
    if (!n) {
      if (!a.resume()) return;
      return;
    }
    in = in.subspan(*n);
    if (!p.has_message()) return;
    auto ev = a.on_response(p.message());
    if (!ev) return;
    if (ev->kind == ram::AgentEvent::Kind::done || !ev->report_expected) return;
    auto q = a.script_done(ev->script.size() % 2 ? ram::ScriptStatus::ok
                                                 : ram::ScriptStatus::security_error,
                           ev->script);
    if (!q) __builtin_trap();
    Bytes out;
    http::serialize(*q, out, a.body_options());
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  ByteView in(data + 1, size - 1);
  if (data[0] & 1)
    run_agent(in);
  else
    run_server(in, static_cast<uint8_t>(data[0] >> 1));
  return 0;
}
