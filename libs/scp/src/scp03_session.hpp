// Private: the SCP03 session state shared by Scp03Host and Scp03Card, and the four message
// transforms (Amd D §6.2.4-6.2.7). The host uses protect_command / verify_response, the card
// verify_command / protect_response; running both on one state pair proves symmetry in tests.
#pragma once

#include "gpram/scp/scp03.hpp"

namespace gpram::scp::detail {

struct Scp03State {
  Scp03SessionKeys keys;
  uint8_t level = 0;
  size_t mac_len = 8;           // 8 (S8) or 16 (S16)
  Bytes chain = Bytes(16, 0);   // MAC chaining value (full 16 bytes)
  uint32_t counter = 0;         // encryption counter (incremented before each command)
  bool command_seen = false;    // a response belongs to a command
};

/// Sets the secure-messaging indication in CLA (b3 for CLA 0x-3x/8x-Bx, b6 for 0x4x-7x/Cx-Fx).
[[nodiscard]] uint8_t sm_cla(uint8_t cla) noexcept;
[[nodiscard]] bool has_sm(uint8_t cla) noexcept;
[[nodiscard]] uint8_t plain_cla(uint8_t cla) noexcept;
/// Appends the Lc field of the given form.
void append_lc(Bytes& out, size_t lc, bool extended);
/// True for 9000 and warnings 62xx/63xx (Amd D §6.2.5: other SWs get no R-MAC).
[[nodiscard]] bool sw_protected(uint16_t sw) noexcept;
/// Wraps a crypto-seam error into Errc::crypto_failure with context.
[[nodiscard]] Error crypto_error(const Error& e, const char* what);

[[nodiscard]] Result<apdu::Capdu> scp03_protect_command(Scp03State& s, const apdu::Capdu& c);
[[nodiscard]] Result<apdu::Capdu> scp03_verify_command(Scp03State& s, const apdu::Capdu& c);
[[nodiscard]] Result<apdu::Rapdu> scp03_protect_response(Scp03State& s, const apdu::Rapdu& r);
[[nodiscard]] Result<apdu::Rapdu> scp03_verify_response(Scp03State& s, const apdu::Rapdu& r);

/// Checks static key lengths (AES 16/24/32, all three the same length).
[[nodiscard]] Result<void> check_aes_keys(const StaticKeys& keys);

}  // namespace gpram::scp::detail
