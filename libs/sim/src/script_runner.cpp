#include "gpram/sim/script_runner.hpp"

#include "gpram/apdu/script.hpp"

namespace gpram::sim {
namespace {

bool sw_ok(uint16_t sw) {
  const uint8_t sw1 = static_cast<uint8_t>(sw >> 8);
  return sw == 0x9000 || sw1 == 0x61 || ((sw1 == 0x62 || sw1 == 0x63) && sw != 0x62F1);
}

// Bad-format codes of TS 102 226 §5.2.2 (via protocol.md §3): 01 unknown tag, 02 wrong length,
// 03 length not found.
uint8_t bad_format_code(const Error& e) {
  const std::string& m = e.message;
  if (m.find("length") != std::string::npos) return m.find("ends") != std::string::npos ? 0x03 : 0x02;
  return 0x01;
}

}  // namespace

ScriptOutcome run_script(card::VirtualCard& card, ByteView script,
                         const std::optional<Bytes>& target_aid, const RunnerOptions& opts) {
  ScriptOutcome out;
  if (!card.begin_admin_script(target_aid ? ByteView(*target_aid) : ByteView())) {
    out.status = ram::ScriptStatus::unknown_application;  // AmdB §3.4: target not found
    return out;
  }
  struct End {
    card::VirtualCard& c;
    ~End() { c.end_admin_script(); }
  } end{card};
  auto cs = apdu::decode_command_script(script);
  apdu::ResponseScript rs;
  if (!cs) {
    rs.items.push_back({apdu::ResponseItem::Kind::executed_count, Bytes{0x00}});
    rs.items.push_back({apdu::ResponseItem::Kind::bad_format, Bytes{bad_format_code(cs.error())}});
    out.response = apdu::encode_response_script(rs);
    return out;
  }
  std::vector<Bytes> rapdus;
  for (const Bytes& c : cs->capdus()) {
    card::Exchange ex = card.exchange(c);
    rapdus.push_back(ex.response);
    ++out.apdus;
    if (ex.drop) {
      out.cut_connection = true;
      return out;
    }
    const Bytes& r = ex.response;
    const uint16_t sw = r.size() >= 2 ? load_u16(&r[r.size() - 2]) : 0x6F00;
    if (opts.stop_on_error && !sw_ok(sw)) break;
  }
  out.response = apdu::encode_response_script(apdu::response_script(rapdus));
  return out;
}

}  // namespace gpram::sim
