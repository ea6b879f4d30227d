// SCP02 key material (GP CS v2.2 Appendix E): session keys §E.4.1 (3DES-CBC of const || seq ||
// 00*12 with the static key), cryptograms §E.4.2 (full 3DES MAC with pad80), the INITIALIZE
// UPDATE response (§E.5.1.6), implicit-initiation ICV (C-MAC over the AID), PUT KEY key
// encryption with the session DEK (3DES-ECB).
#include <fmt/format.h>

#include "gpram/crypto/crypto.hpp"
#include "scp02_session.hpp"
#include "scp03_session.hpp"

namespace gpram::scp {

Result<Scp02SessionKeys> scp02_session_keys(const StaticKeys& keys, uint16_t seq) {
  if (auto c = detail::check_des_keys(keys); !c) return fail(c.error());
  auto derive = [seq](ByteView key, uint16_t constant) -> Result<Bytes> {
    Bytes data;
    append_u16(data, constant);
    append_u16(data, seq);
    data.resize(16, 0x00);
    auto e = crypto::des_cbc_encrypt(key, Bytes(8, 0), data);
    if (!e) return fail(detail::crypto_error(e.error(), "SCP02: session key"));
    return e;
  };
  Scp02SessionKeys s;
  auto enc = derive(keys.enc, kScp02ConstEnc);
  if (!enc) return fail(enc.error());
  auto mac = derive(keys.mac, kScp02ConstCMac);
  if (!mac) return fail(mac.error());
  auto rmac = derive(keys.mac, kScp02ConstRMac);
  if (!rmac) return fail(rmac.error());
  s.s_enc = std::move(*enc);
  s.s_mac = std::move(*mac);
  s.s_rmac = std::move(*rmac);
  if (!keys.dek.empty()) {
    auto dek = derive(keys.dek, kScp02ConstDek);
    if (!dek) return fail(dek.error());
    s.s_dek = std::move(*dek);
  }
  return s;
}

Result<Bytes> scp02_full_mac(ByteView key, ByteView data) {
  auto m = crypto::des_cbc_mac(key, Bytes(8, 0), crypto::pad80(data, 8));
  if (!m) return fail(detail::crypto_error(m.error(), "SCP02: full MAC"));
  return m;
}

Result<Scp02InitResponse> parse_scp02_init_update_response(ByteView d) {
  if (d.size() != 28)
    return fail(Errc::bad_init_update_response,
                fmt::format("SCP02: INITIALIZE UPDATE response of {} bytes, expected 28", d.size()));
  if (d[11] != 0x02)
    return fail(Errc::bad_init_update_response,
                fmt::format("SCP02: INITIALIZE UPDATE response names SCP {:02X} at offset 11, "
                            "expected 02",
                            d[11]));
  Scp02InitResponse r;
  r.kdd.assign(d.begin(), d.begin() + 10);
  r.kvn = d[10];
  r.sequence_counter = load_u16(d.data() + 12);
  r.card_challenge.assign(d.begin() + 14, d.begin() + 20);
  r.card_cryptogram.assign(d.begin() + 20, d.end());
  return r;
}

namespace detail {

Result<void> check_des_keys(const StaticKeys& keys) {
  if (keys.enc.size() != 16 || keys.mac.size() != 16 || (!keys.dek.empty() && keys.dek.size() != 16))
    return fail(Errc::bad_key,
                fmt::format("SCP02: ENC/MAC/DEK must be 16-byte 3DES keys (got {}/{}/{})",
                            keys.enc.size(), keys.mac.size(), keys.dek.size()));
  return {};
}

Result<void> check_scp02_i(uint8_t i) {
  if (i & 0x80)
    return fail(Errc::unsupported_option, fmt::format("SCP02: i={:02X} sets the RFU bit 80", i));
  return {};
}

StaticKeys base_keys(const StaticKeys& keys, uint8_t i) {
  if (i & kScp02IThreeKeys) return keys;
  return StaticKeys{keys.kvn, keys.enc, keys.enc, keys.enc};
}

Result<void> scp02_start_implicit(Scp02State& s, ByteView sd_aid) {
  s.level = kLevelCMac;
  s.command_seen = false;
  if (!(s.i & kScp02IIcvMacOverAid)) {
    s.first_mac = true;
    return {};
  }
  if (sd_aid.empty())
    return fail(Errc::unsupported_option, "SCP02: implicit initiation with i bit 08 needs the SD AID");
  auto m = crypto::des_retail_mac(s.keys.s_mac, Bytes(8, 0), crypto::pad80(sd_aid, 8));
  if (!m) return fail(crypto_error(m.error(), "SCP02: ICV over AID"));
  s.last_mac = std::move(*m);
  s.first_mac = false;
  return {};
}

Result<Bytes> scp02_cryptogram(ByteView s_enc, bool card, ByteView host_challenge, uint16_t seq,
                               ByteView card_challenge) {
  Bytes data;
  if (card) {
    append(data, host_challenge);
    append_u16(data, seq);
    append(data, card_challenge);
  } else {
    append_u16(data, seq);
    append(data, card_challenge);
    append(data, host_challenge);
  }
  return scp02_full_mac(s_enc, data);
}

KeyEncryptor scp02_key_cipher(const Bytes& s_dek, bool encrypt) {
  return [&s_dek, encrypt](ByteView data) -> Result<Bytes> {
    if (s_dek.empty()) return fail(Errc::bad_key, "SCP02: no DEK for key encryption");
    if (data.size() % 8)
      return fail(Errc::bad_command,
                  fmt::format("SCP02: encrypted key of {} bytes is not whole DES blocks", data.size()));
    auto r = encrypt ? crypto::des_ecb_encrypt(s_dek, data) : crypto::des_ecb_decrypt(s_dek, data);
    if (!r) return fail(crypto_error(r.error(), "SCP02: key encryption"));
    return r;
  };
}

}  // namespace detail
}  // namespace gpram::scp
