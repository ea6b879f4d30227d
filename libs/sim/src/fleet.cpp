#include "gpram/sim/fleet.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <fstream>

#include "gpram/sim/script_runner.hpp"
#include "gpram/tls/config.hpp"

namespace gpram::sim {
namespace {

enum class Errc { bad_spec = 1 };
const char* msg(int) { return "gpram-sim: invalid input"; }

}  // namespace
}  // namespace gpram::sim

template <>
struct std::is_error_code_enum<gpram::sim::Errc> : std::true_type {};

namespace gpram::sim {
namespace {

std::error_code make_error_code(Errc e) noexcept {
  static const SimpleCategory category("gpram.sim", msg);
  return {static_cast<int>(e), category};
}

Result<double> fraction(std::string_view s, std::string_view item) {
  double v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size() || v < 0 || v > 1)
    return fail(Errc::bad_spec, fmt::format("--faults: \"{}\": fraction must be 0..1", item));
  return v;
}

}  // namespace

Result<FaultSpec> parse_faults(std::string_view spec) {
  FaultSpec f;
  size_t i = 0;
  while (i < spec.size()) {
    size_t j = spec.find(',', i);
    if (j == std::string_view::npos) j = spec.size();
    std::string_view item = spec.substr(i, j - i);
    i = j + 1;
    if (item.empty()) continue;
    std::vector<std::string_view> parts;
    size_t a = 0;
    while (a <= item.size()) {
      size_t b = item.find(':', a);
      if (b == std::string_view::npos) b = item.size();
      parts.push_back(item.substr(a, b - a));
      a = b + 1;
    }
    const std::string_view kind = parts[0];
    double frac = 1.0;
    if (parts.size() >= 2) {
      auto fr = fraction(parts[1], item);
      if (!fr) return fail(fr.error());
      frac = *fr;
    }
    if (kind == "drop") f.drop = frac;
    else if (kind == "badmac") f.badmac = frac;
    else if (kind == "badpsk") f.badpsk = frac;
    else if (kind == "delay") {
      f.delay = frac;
      if (parts.size() < 3) return fail(Errc::bad_spec, fmt::format("--faults: \"{}\": delay needs :MS", item));
      unsigned ms = 0;
      auto [p, ec] = std::from_chars(parts[2].data(), parts[2].data() + parts[2].size(), ms);
      if (ec != std::errc() || p != parts[2].data() + parts[2].size())
        return fail(Errc::bad_spec, fmt::format("--faults: \"{}\": MS must be an integer", item));
      f.delay_ms = ms;
    } else if (kind == "sw") {
      f.sw = frac;
      if (parts.size() < 3 || parts[2].size() != 4)
        return fail(Errc::bad_spec, fmt::format("--faults: \"{}\": sw needs :XXXX (4 hex digits)", item));
      auto b = from_hex(parts[2]);
      if (!b) return fail(Errc::bad_spec, fmt::format("--faults: \"{}\": {}", item, b.error().message));
      f.sw_value = load_u16(b->data());
    } else {
      return fail(Errc::bad_spec, fmt::format("--faults: unknown kind \"{}\" (drop, delay, sw, badmac, badpsk)", kind));
    }
  }
  return f;
}

Result<std::vector<FleetCard>> read_cards_jsonl(const std::string& path) {
  std::ifstream in(path);
  if (!in) return fail(Errc::bad_spec, fmt::format("cannot read {}", path));
  std::vector<FleetCard> out;
  std::string line;
  size_t n = 0;
  while (std::getline(in, line)) {
    ++n;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    nlohmann::json j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_discarded() || !j.is_object())
      return fail(Errc::bad_spec, fmt::format("{}:{}: not a JSON object", path, n));
    FleetCard c;
    c.iccid = j.value("iccid", "");
    c.psk_identity = j.value("psk_identity", "");
    auto psk = from_hex(j.value("psk", ""));
    if (c.iccid.empty() || c.psk_identity.empty() || !psk || psk->empty())
      return fail(Errc::bad_spec, fmt::format("{}:{}: needs iccid, psk_identity and psk (hex)", path, n));
    c.psk = *psk;
    c.agent_id = j.value("agent_id", c.iccid);
    out.push_back(std::move(c));
  }
  return out;
}

nlohmann::json FleetSummary::to_json() const {
  return {{"sessions", sessions},   {"completed", completed}, {"failed", failed},
          {"scripts", scripts},     {"apdus", apdus},         {"resumes", resumes},
          {"seconds", seconds},     {"latency_s", {{"p50", p50}, {"p90", p90}, {"p99", p99}, {"max", max}}}};
}

Result<FleetSummary> run_fleet(const std::vector<FleetCard>& cards,
                               std::vector<card::VirtualCard>& state, const FleetOptions& opts) {
  auto loop_r = net::EventLoop::create();
  if (!loop_r) return fail(loop_r.error());
  net::EventLoop& loop = **loop_r;
  while (state.size() < cards.size()) state.emplace_back(card::CardConfig{}, opts.seed + state.size());
  SeededRandom rng(opts.seed);
  auto chance = [&](double p) {
    if (p <= 0) return false;
    if (p >= 1) return true;
    uint8_t b[4];
    rng.fill(b);
    return static_cast<double>(load_u32(b)) / 4294967296.0 < p;
  };
  FleetSummary sum;
  std::vector<double> latencies;
  size_t next = 0, running = 0, done = 0;
  const TimePoint t0 = Clock::now();
  std::string start_error;

  std::function<void()> pump = [&] {
    while (running < opts.concurrency && next < cards.size()) {
      if (opts.rate > 0) {
        const auto due = t0 + std::chrono::duration_cast<Duration>(
                                  std::chrono::duration<double>(static_cast<double>(next) / opts.rate));
        if (Clock::now() < due) {
          loop.add_timer(due - Clock::now(), pump);
          return;
        }
      }
      const size_t i = next++;
      const FleetCard& fc = cards[i];
      AgentParams p;
      p.server = opts.server;
      if (!opts.sources.empty()) p.source = opts.sources[i % opts.sources.size()];
      p.psk_identity = fc.psk_identity;
      p.psk = fc.psk;
      if (chance(opts.faults.badpsk)) p.psk[0] ^= 0xFF;
      p.agent_id = fc.agent_id;
      p.uri = opts.uri;
      p.timeout = opts.timeout;
      const bool drop = chance(opts.faults.drop);
      card::FaultPlan plan;
      if (chance(opts.faults.sw)) {
        plan.sw_on_command = 1;
        plan.sw = opts.faults.sw_value;
      }
      if (chance(opts.faults.delay)) plan.delay_ms = opts.faults.delay_ms;
      if (chance(opts.faults.badmac)) plan.corrupt_next_rmac = true;
      state[i].set_faults(plan);
      ++running;
      auto first = std::make_shared<bool>(drop);
      auto r = start_admin_session(
          loop, std::move(p),
          [&, i, first](ByteView script, const std::optional<Bytes>& target) {
            auto so = run_script(state[i], script, target);
            if (*first) {
              *first = false;
              so.cut_connection = true;
            }
            return so;
          },
          [&](const SessionOutcome& o) {
            --running;
            ++done;
            ++sum.sessions;
            sum.scripts += o.scripts;
            sum.apdus += o.apdus;
            sum.resumes += o.resumes;
            latencies.push_back(o.seconds);
            if (o.completed) ++sum.completed;
            else {
              std::string reason = o.error.substr(0, o.error.find(':'));
              ++sum.failed[reason.empty() ? "unknown" : reason];
            }
            loop.post(pump);
          });
      if (!r) {
        start_error = r.error().message;
        --running;
        ++done;
      }
    }
  };
  pump();
  while (done < cards.size()) loop.run_once(std::chrono::milliseconds(50));
  for (int i = 0; i < 5 && loop.connection_count() > 0; ++i) loop.run_once(std::chrono::milliseconds(10));
  if (!start_error.empty() && sum.sessions == 0) return fail(Errc::bad_spec, start_error);
  sum.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  std::sort(latencies.begin(), latencies.end());
  auto pct = [&](double q) {
    if (latencies.empty()) return 0.0;
    return latencies[std::min(latencies.size() - 1, static_cast<size_t>(q * static_cast<double>(latencies.size())))];
  };
  sum.p50 = pct(0.5);
  sum.p90 = pct(0.9);
  sum.p99 = pct(0.99);
  sum.max = latencies.empty() ? 0 : latencies.back();
  return sum;
}

}  // namespace gpram::sim
