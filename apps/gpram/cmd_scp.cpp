// `gpram scp03 session` / `gpram scp02 session`: replays a host-side secure-channel session
// offline (docs/interfaces.md). Input JSON on stdin:
//   {"keys":{"enc","mac","dek","kvn"?},"host_challenge","init_update_response" (SW optional),
//    "security_level","steps":[{"wrap":"C-APDU"} | {"unwrap":"data+SW"}...],
//    scp03 only: "s_mode"? (8|16), "i"? (hex) overrides; scp02 only: "i"? (hex, default 55),
//    "diversification"? ("none"|"emv"|"visa2")}
// Output: init_update_command, card_challenge, card_cryptogram_valid, host_cryptogram,
// ext_auth_command, session_keys{s_enc,s_mac,s_rmac[,s_dek]}, steps[{wrapped}|{plain}].
// Exit 1 when the card cryptogram (or a step's R-MAC) is wrong, 2 on bad input.
// The replay accepts a card answering another KVN than requested (pySim's SCP02 trace does).
#include <string>

#include "cli.hpp"
#include "gpram/scp/scp02.hpp"
#include "gpram/scp/scp03.hpp"

namespace gpram::cli {
namespace {

using nlohmann::json;

uint8_t hex_byte_field(const json& j, const char* key, std::optional<uint8_t> dflt = std::nullopt) {
  if (j.contains(key) && j[key].is_number_unsigned()) {
    const auto v = j[key].get<uint64_t>();
    if (v > 0xFF) throw UsageError(std::string("field \"") + key + "\" must be one byte");
    return static_cast<uint8_t>(v);
  }
  auto b = opt_hex_field(j, key);
  if (!b) {
    if (dflt) return *dflt;
    throw UsageError(std::string("missing field \"") + key + "\"");
  }
  if (b->size() != 1) throw UsageError(std::string("field \"") + key + "\" must be one byte of hex");
  return (*b)[0];
}

struct Input {
  scp::StaticKeys keys;
  Bytes host_challenge;
  Bytes init_update_response;
  uint8_t level = 0;
  json steps = json::array();
};

Input read_input(const json& in, std::initializer_list<size_t> response_sizes) {
  if (!in.is_object()) throw UsageError("stdin must be a JSON object");
  if (!in.contains("keys") || !in["keys"].is_object()) throw UsageError("missing object \"keys\"");
  Input r;
  const json& k = in["keys"];
  r.keys.enc = hex_field(k, "enc");
  r.keys.mac = hex_field(k, "mac");
  r.keys.dek = opt_hex_field(k, "dek").value_or(Bytes{});
  r.keys.kvn = hex_byte_field(k, "kvn", uint8_t{0});
  r.host_challenge = hex_field(in, "host_challenge");
  r.init_update_response = hex_field(in, "init_update_response");
  // Strip a trailing 9000 when the length says it is there.
  const size_t n = r.init_update_response.size();
  for (size_t s : response_sizes) {
    if (n == s + 2 && r.init_update_response[n - 2] == 0x90 && r.init_update_response[n - 1] == 0x00) {
      r.init_update_response.resize(s);
      break;
    }
  }
  r.level = hex_byte_field(in, "security_level");
  if (in.contains("steps")) {
    if (!in["steps"].is_array()) throw UsageError("\"steps\" must be an array");
    r.steps = in["steps"];
  }
  return r;
}

// Runs the steps on an authenticated channel; returns false after a failing step.
bool run_steps(scp::SecureChannel& channel, const json& steps, json& out, std::string& failure) {
  json arr = json::array();
  bool ok = true;
  size_t index = 0;
  for (const auto& step : steps) {
    if (!step.is_object()) throw UsageError("step " + std::to_string(index) + " must be an object");
    if (step.contains("wrap")) {
      auto c = scp::parse_capdu(hex_field(step, "wrap"));
      if (!c) throw UsageError("step " + std::to_string(index) + ": " + c.error().message);
      auto w = channel.wrap(*c);
      if (!w) {
        arr.push_back({{"error", w.error().message}});
        failure = "step " + std::to_string(index) + ": " + w.error().message;
        ok = false;
        break;
      }
      arr.push_back({{"wrapped", to_hex(scp::encode_capdu(*w))}});
    } else if (step.contains("unwrap")) {
      auto r = scp::parse_rapdu(hex_field(step, "unwrap"));
      if (!r) throw UsageError("step " + std::to_string(index) + ": " + r.error().message);
      auto u = channel.unwrap(*r);
      if (!u) {
        arr.push_back({{"error", u.error().message}});
        failure = "step " + std::to_string(index) + ": " + u.error().message;
        ok = false;
        break;
      }
      arr.push_back({{"plain", to_hex(scp::encode_rapdu(*u))}});
    } else {
      throw UsageError("step " + std::to_string(index) + " needs \"wrap\" or \"unwrap\"");
    }
    ++index;
  }
  out["steps"] = arr;
  return ok;
}

[[noreturn]] void finish_failed(const json& out, const std::string& why) {
  print_json(out);
  throw OperationFailed(why);
}

bool is_input_error(const Error& e) {
  using scp::Errc;
  return e == Errc::bad_key || e == Errc::bad_init_update_response ||
         e == Errc::unsupported_level || e == Errc::unsupported_option;
}

void scp03_session() {
  const json in = read_stdin_json();
  Input input = read_input(in, {29, 32, 45, 48});
  scp::Scp03HostOptions opt;
  opt.check_kvn = false;
  if (in.contains("i")) opt.i_override = hex_byte_field(in, "i");
  if (in.contains("s_mode")) {
    if (!in["s_mode"].is_number_unsigned()) throw UsageError("\"s_mode\" must be 8 or 16");
    opt.s_mode_override = in["s_mode"].get<size_t>();
  }
  auto host = scp::Scp03Host::create(input.keys, opt);
  if (!host) throw UsageError(host.error().message);
  auto iu = host->initialize_update(input.host_challenge);
  if (!iu) throw UsageError(iu.error().message);
  json out;
  out["init_update_command"] = to_hex(scp::encode_capdu(*iu));
  auto parsed = scp::parse_scp03_init_update_response(input.init_update_response);
  if (!parsed) throw UsageError(parsed.error().message);
  out["card_challenge"] = to_hex(parsed->card_challenge);
  auto ea = host->external_authenticate(apdu::Rapdu{input.init_update_response, 0x9000}, input.level);
  if (!ea) {
    if (ea.error() != scp::Errc::card_cryptogram_mismatch) {
      if (is_input_error(ea.error())) throw UsageError(ea.error().message);
      throw OperationFailed(ea.error().message);
    }
    out["card_cryptogram_valid"] = false;
    Bytes ctx = input.host_challenge;
    append(ctx, parsed->card_challenge);
    if (auto sk = scp::scp03_session_keys(input.keys, ctx)) {
      out["session_keys"] = {{"s_enc", to_hex(sk->s_enc)},
                             {"s_mac", to_hex(sk->s_mac)},
                             {"s_rmac", to_hex(sk->s_rmac)}};
    }
    finish_failed(out, ea.error().message);
  }
  out["card_cryptogram_valid"] = true;
  out["host_cryptogram"] = to_hex(host->host_cryptogram());
  out["ext_auth_command"] = to_hex(scp::encode_capdu(*ea));
  const auto& sk = host->session_keys();
  out["session_keys"] = {
      {"s_enc", to_hex(sk.s_enc)}, {"s_mac", to_hex(sk.s_mac)}, {"s_rmac", to_hex(sk.s_rmac)}};
  out["i"] = to_hex(Bytes{host->i()});
  out["s_mode"] = host->s_mode();
  if (host->init_response().sequence_counter)
    out["sequence_counter"] = *host->init_response().sequence_counter;
  std::string failure;
  if (!run_steps(*host, input.steps, out, failure)) finish_failed(out, failure);
  print_json(out);
}

void scp02_session() {
  const json in = read_stdin_json();
  Input input = read_input(in, {28});
  scp::Scp02HostOptions opt;
  opt.check_kvn = false;
  opt.i = hex_byte_field(in, "i", uint8_t{0x55});
  if (in.contains("diversification")) {
    const std::string d = in["diversification"].is_string() ? in["diversification"].get<std::string>() : "";
    if (d == "none") opt.diversification = scp::Diversification::none;
    else if (d == "emv") opt.diversification = scp::Diversification::emv;
    else if (d == "visa2") opt.diversification = scp::Diversification::visa2;
    else throw UsageError("\"diversification\" must be \"none\", \"emv\" or \"visa2\"");
  }
  auto host = scp::Scp02Host::create(input.keys, opt);
  if (!host) throw UsageError(host.error().message);
  auto iu = host->initialize_update(input.host_challenge);
  if (!iu) throw UsageError(iu.error().message);
  json out;
  out["init_update_command"] = to_hex(scp::encode_capdu(*iu));
  auto parsed = scp::parse_scp02_init_update_response(input.init_update_response);
  if (!parsed) throw UsageError(parsed.error().message);
  out["card_challenge"] = to_hex(parsed->card_challenge);
  auto ea = host->external_authenticate(apdu::Rapdu{input.init_update_response, 0x9000}, input.level);
  if (!ea) {
    if (ea.error() != scp::Errc::card_cryptogram_mismatch) {
      if (is_input_error(ea.error())) throw UsageError(ea.error().message);
      throw OperationFailed(ea.error().message);
    }
    out["card_cryptogram_valid"] = false;
    finish_failed(out, ea.error().message);
  }
  out["card_cryptogram_valid"] = true;
  out["host_cryptogram"] = to_hex(host->host_cryptogram());
  out["ext_auth_command"] = to_hex(scp::encode_capdu(*ea));
  const auto& sk = host->session_keys();
  out["session_keys"] = {{"s_enc", to_hex(sk.s_enc)},
                         {"s_mac", to_hex(sk.s_mac)},
                         {"s_rmac", to_hex(sk.s_rmac)},
                         {"s_dek", to_hex(sk.s_dek)}};
  out["sequence_counter"] = host->init_response().sequence_counter;
  std::string failure;
  if (!run_steps(*host, input.steps, out, failure)) finish_failed(out, failure);
  print_json(out);
}

}  // namespace

void register_scp(CLI::App& app) {
  auto* scp03 = app.add_subcommand("scp03", "SCP03 (GP Amendment D) offline tools");
  scp03->require_subcommand(1);
  scp03->add_subcommand("session",
                        "replay a host-side SCP03 session: JSON on stdin (keys, host_challenge, "
                        "init_update_response, security_level, steps)")
      ->callback(scp03_session);
  auto* scp02 = app.add_subcommand("scp02", "SCP02 (GP Card Spec v2.2 Appendix E) offline tools");
  scp02->require_subcommand(1);
  scp02->add_subcommand("session",
                        "replay a host-side SCP02 session: JSON on stdin (keys, host_challenge, "
                        "init_update_response, security_level, steps)")
      ->callback(scp02_session);
}

}  // namespace gpram::cli
