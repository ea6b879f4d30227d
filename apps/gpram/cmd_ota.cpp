// gpram ota encode|decode: ETSI TS 102 225 / 3GPP TS 31.115 secured packets (SCP80) offline.
// JSON shapes and conventions: docs/protocols/scp80.md.
#include <fmt/format.h>

#include <iostream>
#include <string>

#include "cli.hpp"
#include "gpram/scp/scp80.hpp"
#include "gpram/scp/sms.hpp"

namespace gpram::cli {
namespace {

using nlohmann::json;
namespace s80 = gpram::scp80;

const char* const kKnownKeys[] = {"spi", "kic", "kid", "tar", "counter", "kic_key", "kid_key",
                                  "data", "packet", "response", "sms_ref"};

void check_keys(const json& in) {
  if (!in.is_object()) throw UsageError("input must be a JSON object");
  for (const auto& [k, v] : in.items()) {
    bool known = false;
    for (const char* n : kKnownKeys) known = known || k == n;
    if (!known) throw UsageError(fmt::format("unknown field \"{}\"", k));
  }
}

Bytes sized(const json& in, const char* key, size_t n) {
  Bytes b = hex_field(in, key);
  if (b.size() != n)
    throw UsageError(fmt::format("field \"{}\" must be {} byte(s), got {}", key, n, b.size()));
  return b;
}

s80::Keyset keyset_of(const json& in) {
  s80::Keyset ks;
  ks.kic = sized(in, "kic", 1)[0];
  ks.kid = sized(in, "kid", 1)[0];
  ks.kic_key = opt_hex_field(in, "kic_key").value_or(Bytes{});
  ks.kid_key = opt_hex_field(in, "kid_key").value_or(Bytes{});
  if (in.contains("tar")) {
    Bytes t = sized(in, "tar", 3);
    ks.tar = {t[0], t[1], t[2]};
  }
  return ks;
}

s80::Spi spi_of(const json& in) {
  Bytes b = sized(in, "spi", 2);
  auto spi = s80::Spi::decode(b[0], b[1]);
  if (!spi) throw UsageError(spi.error().message);
  return *spi;
}

uint64_t counter_of(const json& in) {
  auto c = opt_hex_field(in, "counter");
  if (!c) return 0;
  if (c->size() != 5) throw UsageError(fmt::format("field \"counter\" must be 5 bytes, got {}", c->size()));
  uint64_t v = 0;
  for (uint8_t b : *c) v = (v << 8) | b;
  return v;
}

// true/false when an RC/CC was checked, null when the SPI asks for none.
json checksum_json(bool valid, bool present) { return present ? json(valid) : json(nullptr); }

void run_encode() {
  const json in = read_stdin_json();
  check_keys(in);
  const s80::Keyset ks = keyset_of(in);
  if (!in.contains("tar")) throw UsageError("missing field \"tar\"");
  const s80::Spi spi = spi_of(in);
  const Bytes data = opt_hex_field(in, "data").value_or(Bytes{});
  auto pkt = s80::encode_command(ks, spi, counter_of(in), data);
  if (!pkt) throw UsageError(pkt.error().message);
  uint8_t ref = 0;
  if (in.contains("sms_ref")) {
    if (!in["sms_ref"].is_number_unsigned() || in["sms_ref"].get<unsigned>() > 255)
      throw UsageError("field \"sms_ref\" must be a number 0..255");
    ref = static_cast<uint8_t>(in["sms_ref"].get<unsigned>());
  }
  json out = {{"packet", to_hex(*pkt)}};
  auto sms = s80::segment_command(*pkt, ref);
  if (sms) {
    json parts = json::array();
    for (const auto& p : *sms) parts.push_back(to_hex(p));
    out["sms_user_data"] = parts;
  }
  print_json(out);
}

void run_decode() {
  const json in = read_stdin_json();
  check_keys(in);
  const s80::Keyset ks = keyset_of(in);
  const s80::Spi spi = spi_of(in);
  Bytes pkt = hex_field(in, "packet");
  const bool response = in.contains("response") && in["response"].is_boolean() && in["response"].get<bool>();
  if (in.contains("response") && !in["response"].is_boolean())
    throw UsageError("field \"response\" must be true or false");
  json out;
  bool valid = true;
  if (response) {
    auto por = s80::decode_por(pkt, ks, spi);
    if (!por) throw UsageError(por.error().message);
    const bool has_cks = spi.por_integrity != s80::Integrity::none || !por->secured;
    valid = !has_cks || por->checksum_valid;
    out = {{"kind", "response"},
           {"rpl", fmt::format("{:04X}", por->rpl)},
           {"rhl", fmt::format("{:02X}", por->rhl)},
           {"tar", to_hex(por->tar)},
           {"counter", s80::counter_hex(por->counter)},
           {"pcntr", por->pcntr},
           {"status", fmt::format("{:02X}", por->status)},
           {"secured", por->secured},
           {"checksum", to_hex(por->checksum)},
           {"cc_valid", checksum_json(por->checksum_valid, has_cks)},
           {"data", to_hex(por->data)}};
    if (has_cks && !por->checksum_valid && por->secured)
      out["expected_checksum"] = to_hex(por->expected_checksum);
  } else {
    if (pkt.size() >= 3 && pkt[0] == 0x02 && pkt[1] == 0x70 && pkt[2] == 0x00)
      pkt.erase(pkt.begin(), pkt.begin() + 3);  // SMS user data with the CPI header
    auto cmd = s80::decode_command(pkt, ks);
    if (!cmd) throw UsageError(cmd.error().message);
    const auto& h = cmd->header;
    const bool has_cks = h.spi.integrity != s80::Integrity::none;
    valid = cmd->checksum_valid;
    out = {{"kind", "command"},
           {"cpl", fmt::format("{:04X}", h.cpl)},
           {"chl", fmt::format("{:02X}", h.chl)},
           {"spi", fmt::format("{:02X}{:02X}", h.spi.spi1(), h.spi.spi2())},
           {"kic", fmt::format("{:02X}", h.kic)},
           {"kid", fmt::format("{:02X}", h.kid)},
           {"tar", to_hex(h.tar)},
           {"counter", s80::counter_hex(cmd->counter)},
           {"pcntr", cmd->pcntr},
           {"checksum", to_hex(cmd->checksum)},
           {"cc_valid", checksum_json(cmd->checksum_valid, has_cks)},
           {"data", to_hex(cmd->data)}};
    if (!valid) out["expected_checksum"] = to_hex(cmd->expected_checksum);
  }
  print_json(out);
  if (!valid)
    throw OperationFailed(response ? "SCP80: PoR RC/CC check failed" : "SCP80: RC/CC check failed");
}

}  // namespace

void register_ota(CLI::App& app) {
  auto* ota = app.add_subcommand("ota", "SCP80 (ETSI TS 102 225) secured packets, offline");
  ota->require_subcommand(1);
  auto* enc = ota->add_subcommand(
      "encode",
      "build a command packet from JSON on stdin "
      "{spi,kic,kid,tar,counter,kic_key,kid_key,data[,sms_ref]}; prints {packet,sms_user_data}");
  enc->callback(run_encode);
  auto* dec = ota->add_subcommand(
      "decode",
      "decipher and check a command packet, or a PoR with \"response\":true (JSON on stdin with "
      "the same key fields and \"packet\"); exit 1 if the RC/CC is wrong");
  dec->callback(run_decode);
}

}  // namespace gpram::cli
