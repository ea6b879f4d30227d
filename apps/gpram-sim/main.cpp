// gpram-sim: virtual GlobalPlatform cards with their Amendment B admin agent.
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <iterator>
#include <thread>

#include "gpram/card/card.hpp"
#include "gpram/sim/agent_client.hpp"
#include "gpram/sim/fleet.hpp"
#include "gpram/sim/script_runner.hpp"

namespace {

std::atomic<bool> g_stop{false};
extern "C" void on_signal(int) { g_stop = true; }

[[noreturn]] void die(int code, const std::string& msg) {
  std::fprintf(stderr, "error: %s\n", msg.c_str());
  std::exit(code);
}

gpram::Bytes hex_or_die(const std::string& s, const char* what) {
  auto b = gpram::from_hex(s);
  if (!b) die(2, std::string(what) + ": " + b.error().message);
  return *b;
}

gpram::net::Endpoint endpoint_or_die(const std::string& s, const char* what) {
  std::string text = s;
  if (text.rfind("localhost:", 0) == 0) text = "127.0.0.1:" + text.substr(10);
  auto e = gpram::net::Endpoint::parse(text);
  if (!e) die(2, std::string(what) + ": " + e.error().message);
  return *e;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace gpram;
  CLI::App app{"gpram-sim: virtual GlobalPlatform cards with an Amendment B admin agent"};
  app.set_version_flag("--version", std::string("gpram-sim ") + GPRAM_VERSION);
  app.require_subcommand(1);

  // ---- card --------------------------------------------------------------------------------
  auto* card_cmd = app.add_subcommand("card", "one virtual card");
  std::string iccid, psk_identity, psk_hex, server = "127.0.0.1:8443", uri = "/", state_file,
                                            scp = "03", isd_key, faults, vpcd, agent_id;
  unsigned poll = 0;
  bool once = false;
  card_cmd->add_option("--iccid", iccid, "ICCID")->required();
  card_cmd->add_option("--psk-identity", psk_identity, "PSK-TLS identity")->required();
  card_cmd->add_option("--psk", psk_hex, "PSK (hex)")->required();
  card_cmd->add_option("--agent-id", agent_id, "X-Admin-From (default: the ICCID)");
  card_cmd->add_option("--server", server, "gpramd card endpoint HOST:PORT")->capture_default_str();
  card_cmd->add_option("--uri", uri, "first POST URI (parameter 8C)")->capture_default_str();
  card_cmd->add_option("--state", state_file, "state file (registry, keys, counters)");
  card_cmd->add_option("--poll", poll, "run an admin session every SECONDS");
  card_cmd->add_flag("--once", once, "run one admin session now and print its outcome as JSON");
  card_cmd->add_option("--vpcd", vpcd, "plug into pcscd's vpcd reader HOST:PORT");
  card_cmd->add_option("--scp", scp, "02 or 03")->capture_default_str();
  card_cmd->add_option("--isd-key", isd_key, "ISD ENC/MAC/DEK key (hex)");
  card_cmd->add_option("--faults", faults, "kind:fraction[:arg],... (drop, delay, sw, badmac, badpsk)");
  std::vector<std::string> sms_opts;
  sms_opts.reserve(8);  // options bind references into it
  for (const char* o : {"--msisdn", "--smsc", "--scp80-kic", "--scp80-kid", "--scp80-kic-key",
                        "--scp80-kid-key", "--scp80-tar"})
    card_cmd->add_option(o, sms_opts.emplace_back(), "SMS handset attachment (not built in yet)");

  // ---- fleet -------------------------------------------------------------------------------
  auto* fleet_cmd = app.add_subcommand("fleet", "many virtual cards, one admin session each");
  std::string cards_file, fleet_faults, fleet_server = "127.0.0.1:8443", fleet_uri = "/", sources;
  size_t concurrency = 100;
  double rate = 0;
  unsigned timeout_s = 30;
  fleet_cmd->add_option("--cards", cards_file, "cards, one JSON object per line")->required();
  fleet_cmd->add_option("--server", fleet_server, "gpramd card endpoint HOST:PORT")->capture_default_str();
  fleet_cmd->add_option("--uri", fleet_uri, "first POST URI")->capture_default_str();
  fleet_cmd->add_option("--concurrency", concurrency, "sessions at once")->capture_default_str();
  fleet_cmd->add_option("--rate", rate, "sessions started per second (0 = no limit)")->capture_default_str();
  fleet_cmd->add_option("--faults", fleet_faults, "kind:fraction[:arg],...");
  fleet_cmd->add_option("--timeout", timeout_s, "seconds per connection attempt")->capture_default_str();
  fleet_cmd->add_option("--sources", sources, "comma-separated local addresses to connect from");

  auto* smsc_cmd = app.add_subcommand("smsc", "SMSC emulator (not built in yet)");
  smsc_cmd->allow_extras();
  auto* bridge_cmd = app.add_subcommand("bridge", "admin agent for a card in a PC/SC reader (not built in yet)");
  bridge_cmd->allow_extras();

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    die(2, e.what());
  }
  std::signal(SIGPIPE, SIG_IGN);
  std::signal(SIGTERM, on_signal);
  std::signal(SIGINT, on_signal);

  if (*smsc_cmd) die(2, "gpram-sim smsc is not built in yet");
  if (*bridge_cmd) die(2, "gpram-sim bridge is not built in yet");

  if (*fleet_cmd) {
    auto cards = sim::read_cards_jsonl(cards_file);
    if (!cards) die(2, cards.error().message);
    sim::FleetOptions fo;
    fo.server = endpoint_or_die(fleet_server, "--server");
    fo.uri = fleet_uri;
    fo.concurrency = std::max<size_t>(1, concurrency);
    fo.rate = rate;
    fo.timeout = std::chrono::seconds(timeout_s);
    if (!fleet_faults.empty()) {
      auto f = sim::parse_faults(fleet_faults);
      if (!f) die(2, f.error().message);
      fo.faults = *f;
    }
    size_t i = 0;
    while (i < sources.size()) {
      size_t j = sources.find(',', i);
      if (j == std::string::npos) j = sources.size();
      fo.sources.push_back(endpoint_or_die(sources.substr(i, j - i) + ":0", "--sources"));
      i = j + 1;
    }
    std::vector<card::VirtualCard> state;
    auto sum = sim::run_fleet(*cards, state, fo);
    if (!sum) die(1, sum.error().message);
    std::cout << sum->to_json().dump(2) << "\n";
    return sum->completed == sum->sessions ? 0 : 1;
  }

  // card
  for (const auto& o : sms_opts)
    if (!o.empty()) die(2, "SMS handset options (--msisdn, --smsc, --scp80-*) are not built in yet");
  if (!vpcd.empty()) die(2, "--vpcd is not built in yet");
  if (scp != "02" && scp != "03") die(2, "--scp must be 02 or 03");
  card::CardConfig cc = scp == "02" ? card::CardConfig::scp02() : card::CardConfig{};
  if (!isd_key.empty()) cc.key_enc = cc.key_mac = cc.key_dek = hex_or_die(isd_key, "--isd-key");
  std::optional<card::VirtualCard> vc;
  if (!state_file.empty()) {
    std::ifstream in(state_file);
    if (in) {
      nlohmann::json j = nlohmann::json::parse(in, nullptr, false);
      if (j.is_discarded()) die(2, "--state: " + state_file + " is not JSON");
      auto c = card::VirtualCard::from_json(j);
      if (!c) die(2, "--state: " + c.error().message);
      vc.emplace(std::move(*c));
    }
  }
  if (!vc) vc.emplace(cc);
  auto save = [&] {
    if (state_file.empty()) return;
    std::ofstream out(state_file + ".tmp");
    out << vc->to_json().dump(1) << "\n";
    out.close();
    std::rename((state_file + ".tmp").c_str(), state_file.c_str());
  };
  sim::FaultSpec fs;
  if (!faults.empty()) {
    auto f = sim::parse_faults(faults);
    if (!f) die(2, f.error().message);
    fs = *f;
  }
  sim::AgentParams p;
  p.server = endpoint_or_die(server, "--server");
  p.psk_identity = psk_identity;
  p.psk = hex_or_die(psk_hex, "--psk");
  if (fs.badpsk >= 1.0) p.psk[0] ^= 0xFF;
  p.agent_id = agent_id.empty() ? iccid : agent_id;
  p.uri = uri;
  card::FaultPlan plan;
  if (fs.sw >= 1.0) {
    plan.sw_on_command = 1;
    plan.sw = fs.sw_value;
  }
  if (fs.delay >= 1.0) plan.delay_ms = fs.delay_ms;
  if (fs.badmac >= 1.0) plan.corrupt_next_rmac = true;
  vc->set_faults(plan);

  auto run_once = [&]() -> int {
    bool drop = fs.drop >= 1.0;
    auto out = sim::run_admin_session(p, [&](ByteView script, const std::optional<Bytes>& target) {
      auto so = sim::run_script(*vc, script, target);
      if (drop) {
        drop = false;
        so.cut_connection = true;
      }
      return so;
    });
    save();
    if (!out) die(1, out.error().message);
    nlohmann::json j{{"iccid", iccid},           {"completed", out->completed},
                     {"scripts", out->scripts},  {"apdus", out->apdus},
                     {"resumes", out->resumes},  {"connections", out->connections},
                     {"seconds", out->seconds}};
    if (!out->error.empty()) j["error"] = out->error;
    std::cout << j.dump() << std::endl;
    return out->completed ? 0 : 1;
  };
  if (once || poll == 0) return run_once();
  int rc = 0;
  while (!g_stop) {
    rc = run_once();
    for (unsigned s = 0; s < poll * 10 && !g_stop; ++s) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return rc;
}
