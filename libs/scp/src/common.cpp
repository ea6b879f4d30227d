// Shared pieces of the SCP02/SCP03 channels: error category, security-level checks, the APDU
// wire format (ISO/IEC 7816-4 §5.1: cases 1-4, short and extended length fields).
#include <fmt/format.h>

#include "gpram/scp/scp.hpp"

#include "gpram/apdu/apdu.hpp"

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

// The wire format is libs/apdu's; these keep the channel's own error codes (bad_command,
// bad_response) so callers of the secure channels see one error category.
Bytes encode_capdu(const apdu::Capdu& c) { return apdu::encode(c); }

Result<apdu::Capdu> parse_capdu(ByteView b) {
  auto c = apdu::parse_capdu(b);
  if (!c) return fail(Errc::bad_command, "SCP: " + c.error().message);
  return c;
}

Bytes encode_rapdu(const apdu::Rapdu& r) { return apdu::encode(r); }

Result<apdu::Rapdu> parse_rapdu(ByteView b) {
  auto r = apdu::parse_rapdu(b);
  if (!r) return fail(Errc::bad_response, "SCP: " + r.error().message);
  return r;
}

}  // namespace gpram::scp
