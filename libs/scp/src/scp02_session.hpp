// Private: SCP02 session state shared by Scp02Host and Scp02Card and the four transforms
// (GP CS v2.2 §E.4.4-E.4.6).
#pragma once

#include "gpram/scp/scp02.hpp"

namespace gpram::scp::detail {

struct Scp02State {
  Scp02SessionKeys keys;
  uint8_t i = 0x55;
  uint8_t level = 0;
  bool first_mac = true;         // EXTERNAL AUTHENTICATE: ICV = 0
  Bytes last_mac = Bytes(8, 0);  // last C-MAC as sent
  Bytes last_rmac = Bytes(8, 0); // R-MAC chaining value
  apdu::Capdu last_command;      // plain command the next response belongs to
  bool command_seen = false;
};

[[nodiscard]] Result<apdu::Capdu> scp02_protect_command(Scp02State& s, const apdu::Capdu& c);
[[nodiscard]] Result<apdu::Capdu> scp02_verify_command(Scp02State& s, const apdu::Capdu& c);
[[nodiscard]] Result<apdu::Rapdu> scp02_protect_response(Scp02State& s, const apdu::Rapdu& r);
[[nodiscard]] Result<apdu::Rapdu> scp02_verify_response(Scp02State& s, const apdu::Rapdu& r);

[[nodiscard]] Result<void> check_des_keys(const StaticKeys& keys);
[[nodiscard]] Result<void> check_scp02_i(uint8_t i);
/// The keys session keys derive from: with one base key (i bit 01 clear) ENC serves for all.
[[nodiscard]] StaticKeys base_keys(const StaticKeys& keys, uint8_t i);
/// Opens an implicit-initiation C-MAC session state (level 01) on `s` (keys already set).
[[nodiscard]] Result<void> scp02_start_implicit(Scp02State& s, ByteView sd_aid);
/// Host cryptogram = full MAC(S-ENC, seq || cardCh || hostCh); card = (hostCh || seq || cardCh).
[[nodiscard]] Result<Bytes> scp02_cryptogram(ByteView s_enc, bool card, ByteView host_challenge,
                                             uint16_t seq, ByteView card_challenge);
/// The session-DEK 3DES-ECB encryptor/decryptor for PUT KEY blocks.
[[nodiscard]] KeyEncryptor scp02_key_cipher(const Bytes& s_dek, bool encrypt);

}  // namespace gpram::scp::detail
