// Shared pieces of the SCP02/SCP03 channels: error category, security-level checks, the APDU
// wire format (ISO/IEC 7816-4 §5.1: cases 1-4, short and extended length fields).
#include <fmt/format.h>

#include "gpram/scp/scp.hpp"

namespace gpram::scp {
namespace {

const char* scp_message(int ev) {
  switch (static_cast<Errc>(ev)) {
    case Errc::bad_key: return "SCP: key of a wrong length";
    case Errc::bad_init_update_response: return "SCP: malformed INITIALIZE UPDATE response";
    case Errc::wrong_kvn: return "SCP: wrong key version number";
    case Errc::unsupported_level: return "SCP: unsupported security level";
    case Errc::unsupported_option: return "SCP: unsupported option";
    case Errc::card_cryptogram_mismatch: return "SCP: card cryptogram mismatch";
    case Errc::host_cryptogram_mismatch: return "SCP: host cryptogram mismatch";
    case Errc::bad_cmac: return "SCP: C-MAC verification failed";
    case Errc::bad_rmac: return "SCP: R-MAC verification failed";
    case Errc::bad_padding: return "SCP: bad padding after decryption";
    case Errc::bad_command: return "SCP: malformed command";
    case Errc::bad_response: return "SCP: malformed response";
    case Errc::not_authenticated: return "SCP: secure channel not open";
    case Errc::bad_state: return "SCP: command out of sequence";
    case Errc::data_too_long: return "SCP: data too long";
    case Errc::crypto_failure: return "SCP: crypto failure";
  }
  return "SCP: unknown error";
}

}  // namespace

const std::error_category& error_category() noexcept {
  static const SimpleCategory category("gpram.scp", scp_message);
  return category;
}

Result<uint8_t> check_security_level(uint8_t level, bool allow_renc) {
  switch (level) {
    case 0x00:
    case 0x01:
    case 0x03:
    case 0x11:
    case 0x13:
      return level;
    case 0x33:
      if (allow_renc) return level;
      return fail(Errc::unsupported_level,
                  "SCP: security level 33 (R-ENCRYPTION) exists only in SCP03");
    default:
      return fail(Errc::unsupported_level,
                  fmt::format("SCP: security level {:02X} is not one of 00, 01, 03, 11, 13{}", level,
                              allow_renc ? ", 33" : ""));
  }
}

uint16_t status_word_for(const Error& error) noexcept {
  if (error.code.category() != error_category()) return 0x6F00;
  switch (static_cast<Errc>(error.code.value())) {
    case Errc::wrong_kvn: return 0x6A88;
    case Errc::unsupported_level: return 0x6A86;
    case Errc::bad_cmac: return 0x6988;
    case Errc::host_cryptogram_mismatch: return 0x6300;
    case Errc::not_authenticated: return 0x6982;
    case Errc::bad_state: return 0x6985;
    case Errc::bad_command: return 0x6700;
    case Errc::bad_padding: return 0x6988;
    case Errc::unsupported_option: return 0x6A81;
    default: return 0x6F00;
  }
}

Bytes encode_capdu(const apdu::Capdu& c) {
  Bytes out{c.cla, c.ins, c.p1, c.p2};
  const bool ext = c.extended || c.data.size() > 255 || (c.le && *c.le > 256);
  if (!ext) {
    if (!c.data.empty()) {
      out.push_back(static_cast<uint8_t>(c.data.size()));
      append(out, c.data);
    }
    if (c.le) out.push_back(static_cast<uint8_t>(*c.le == 256 ? 0 : *c.le));
    return out;
  }
  if (!c.data.empty()) {
    out.push_back(0x00);
    append_u16(out, static_cast<uint16_t>(c.data.size()));
    append(out, c.data);
  }
  if (c.le) {
    if (c.data.empty()) out.push_back(0x00);
    append_u16(out, static_cast<uint16_t>(*c.le == 65536 ? 0 : *c.le));
  }
  return out;
}

Result<apdu::Capdu> parse_capdu(ByteView b) {
  if (b.size() < 4)
    return fail(Errc::bad_command,
                fmt::format("SCP: command APDU of {} bytes is shorter than its 4-byte header",
                            b.size()));
  apdu::Capdu c;
  c.cla = b[0];
  c.ins = b[1];
  c.p1 = b[2];
  c.p2 = b[3];
  const size_t n = b.size() - 4;
  const uint8_t* body = b.data() + 4;
  if (n == 0) return c;  // case 1
  if (n == 1) {          // case 2 short
    c.le = body[0] ? body[0] : 256u;
    return c;
  }
  if (body[0] != 0 || n < 3) {  // short case 3 / 4
    const size_t lc = body[0];
    if (lc == 0 || (n != 1 + lc && n != 2 + lc))
      return fail(Errc::bad_command,
                  fmt::format("SCP: Lc {:02X} does not match the {} bytes after the header", lc, n));
    c.data.assign(body + 1, body + 1 + lc);
    if (n == 2 + lc) c.le = body[1 + lc] ? body[1 + lc] : 256u;
    return c;
  }
  // Extended: 00 then 2-byte Lc or Le.
  c.extended = true;
  if (n == 3) {
    const uint32_t le = load_u16(body + 1);
    c.le = le ? le : 65536u;
    return c;
  }
  const size_t lc = load_u16(body + 1);
  if (lc == 0 || (n != 3 + lc && n != 5 + lc))
    return fail(Errc::bad_command,
                fmt::format("SCP: extended Lc {:04X} does not match the {} bytes after the header",
                            lc, n));
  c.data.assign(body + 3, body + 3 + lc);
  if (n == 5 + lc) {
    const uint32_t le = load_u16(body + 3 + lc);
    c.le = le ? le : 65536u;
  }
  return c;
}

Bytes encode_rapdu(const apdu::Rapdu& r) {
  Bytes out = r.data;
  append_u16(out, r.sw);
  return out;
}

Result<apdu::Rapdu> parse_rapdu(ByteView b) {
  if (b.size() < 2)
    return fail(Errc::bad_response,
                fmt::format("SCP: response of {} bytes has no status word", b.size()));
  apdu::Rapdu r;
  r.data.assign(b.begin(), b.end() - 2);
  r.sw = load_u16(b.data() + b.size() - 2);
  return r;
}

}  // namespace gpram::scp
