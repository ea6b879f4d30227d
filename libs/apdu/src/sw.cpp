// Status words and instruction names. ISO/IEC 7816-4:2013 §5.6 (Tables 5 and 6), GlobalPlatform
// Card Spec v2.3 §11 (6310, 9484, 9485; list also in osmocom/pysim
// pySim/global_platform/__init__.py), ETSI TS 102 221 §10.2.1 (91xx, 9Fxx, 9300), ETSI TS 102 226
// §5.2.1.1 (62F1: response data truncated, script stopped).
#include <fmt/format.h>

#include <iterator>

#include "gpram/apdu/apdu.hpp"

namespace gpram::apdu {
namespace {

struct SwName {
  uint16_t sw;
  std::string_view name;
};

// Exact status words, sorted by value.
constexpr SwName kExact[] = {
    {0x6200, "warning: no information given (state unchanged)"},
    {0x6281, "part of returned data may be corrupted"},
    {0x6282, "end of file or record reached before reading Ne bytes"},
    {0x6283, "selected file deactivated / card locked"},
    {0x6284, "file control information not correctly formatted"},
    {0x6285, "selected file in termination state"},
    {0x6286, "no input data available from a sensor"},
    {0x62F1, "response data truncated, script processing stopped"},
    {0x6300, "warning: no information given (state changed)"},
    {0x6310, "more data available"},
    {0x6381, "file filled up by the last write"},
    {0x6400, "execution error (state unchanged)"},
    {0x6401, "immediate response required by the card"},
    {0x6500, "execution error (state changed)"},
    {0x6581, "memory failure"},
    {0x6700, "wrong length"},
    {0x6800, "functions in CLA not supported"},
    {0x6881, "logical channel not supported"},
    {0x6882, "secure messaging not supported"},
    {0x6883, "last command of the chain expected"},
    {0x6884, "command chaining not supported"},
    {0x6900, "command not allowed"},
    {0x6981, "command incompatible with file structure"},
    {0x6982, "security status not satisfied"},
    {0x6983, "authentication method blocked"},
    {0x6984, "reference data not usable"},
    {0x6985, "conditions of use not satisfied"},
    {0x6986, "command not allowed (no current EF)"},
    {0x6987, "expected secure messaging data objects missing"},
    {0x6988, "incorrect secure messaging data objects"},
    {0x6999, "applet selection failed"},
    {0x6A00, "wrong parameters P1-P2"},
    {0x6A80, "incorrect parameters in the data field"},
    {0x6A81, "function not supported"},
    {0x6A82, "application not found"},
    {0x6A83, "record not found"},
    {0x6A84, "not enough memory space"},
    {0x6A85, "Nc inconsistent with TLV structure"},
    {0x6A86, "incorrect parameters P1-P2"},
    {0x6A87, "Nc inconsistent with parameters P1-P2"},
    {0x6A88, "referenced data not found"},
    {0x6A89, "file already exists"},
    {0x6A8A, "DF name already exists"},
    {0x6B00, "wrong parameters P1-P2"},
    {0x6D00, "instruction not supported"},
    {0x6E00, "class not supported"},
    {0x6F00, "no precise diagnosis"},
    {0x9000, "success"},
    {0x9300, "SIM application toolkit busy"},
    {0x9484, "algorithm not supported"},
    {0x9485, "invalid key check value"},
};

std::string_view family_name(uint16_t sw) noexcept {
  const auto sw1 = static_cast<uint8_t>(sw >> 8);
  const auto sw2 = static_cast<uint8_t>(sw);
  switch (sw1) {
    case 0x61: return "more data available, use GET RESPONSE";
    case 0x6C: return "wrong Le, resend with Le = SW2";
    case 0x91: return "normal ending, proactive command pending";
    case 0x9F: return "response data available, use GET RESPONSE";
    case 0x63:
      if ((sw2 & 0xF0) == 0xC0) return "verification failed, SW2 low nibble = retries left";
      return "warning (state changed)";
    case 0x62: return "warning (state unchanged)";
    case 0x64: return "execution error (state unchanged)";
    case 0x65: return "execution error (state changed)";
    case 0x66: return "security-related issue";
    case 0x67: return "wrong length";
    case 0x68: return "functions in CLA not supported";
    case 0x69: return "command not allowed";
    case 0x6A: return "wrong parameters P1-P2";
    default: return "unknown status word";
  }
}

}  // namespace

std::string_view sw_name(uint16_t sw) noexcept {
  size_t lo = 0;
  size_t hi = std::size(kExact);
  while (lo < hi) {
    const size_t mid = (lo + hi) / 2;
    if (kExact[mid].sw == sw) return kExact[mid].name;
    if (kExact[mid].sw < sw) lo = mid + 1;
    else hi = mid;
  }
  return family_name(sw);
}

std::string sw_describe(uint16_t sw) {
  const auto sw1 = static_cast<uint8_t>(sw >> 8);
  const auto sw2 = static_cast<uint8_t>(sw);
  const unsigned n = sw2 == 0 ? 256u : sw2;
  switch (sw1) {
    case 0x61:
      return fmt::format("{:04X} ({} more bytes available, use GET RESPONSE)", sw, n);
    case 0x9F:
      return fmt::format("{:04X} ({} bytes of response data available, use GET RESPONSE)", sw, n);
    case 0x6C: return fmt::format("{:04X} (wrong Le, resend with Le = {})", sw, n);
    case 0x91: return fmt::format("{:04X} (proactive command of {} bytes pending)", sw, n);
    case 0x63:
      if ((sw2 & 0xF0) == 0xC0)
        return fmt::format("{:04X} (verification failed, {} retries left)", sw, sw2 & 0x0F);
      break;
    default: break;
  }
  return fmt::format("{:04X} ({})", sw, sw_name(sw));
}

std::string_view ins_name(uint8_t cla, uint8_t ins) noexcept {
  const bool gp = (cla & 0x80) != 0 && cla != 0xA0 && cla != 0xFF;
  switch (ins) {
    case 0xA4: return "SELECT";
    case 0xC0: return "GET RESPONSE";
    case 0xB0: return "READ BINARY";
    case 0xB2: return "READ RECORD";
    case 0xD6: return "UPDATE BINARY";
    case 0xDC: return "UPDATE RECORD";
    case 0x20: return "VERIFY";
    case 0x70: return "MANAGE CHANNEL";
    case 0x84: return "GET CHALLENGE";
    case 0x88: return "INTERNAL AUTHENTICATE";
    case 0xCA: return "GET DATA";
    case 0xCB: return "GET DATA";
    case 0xE6: return gp ? "INSTALL" : "";
    case 0xE8: return gp ? "LOAD" : "";
    case 0xE4: return gp ? "DELETE" : "DELETE FILE";
    case 0xF2: return gp ? "GET STATUS" : "STATUS";
    case 0xF0: return gp ? "SET STATUS" : "";
    case 0xD8: return gp ? "PUT KEY" : "";
    case 0xE2: return gp ? "STORE DATA" : "";
    case 0x50: return gp ? "INITIALIZE UPDATE" : "";
    case 0x82: return "EXTERNAL AUTHENTICATE";
    case 0xC2: return "ENVELOPE";
    case 0x12: return "FETCH";
    case 0x14: return "TERMINAL RESPONSE";
    case 0x10: return "TERMINAL PROFILE";
    case 0xEC: return gp ? "PUSH" : "";
    default: return "";
  }
}

}  // namespace gpram::apdu
