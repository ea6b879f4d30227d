// SCP02 message protection (GP CS v2.2 Appendix E; key material in scp02_crypto.cpp).
// C-MAC §E.4.4 (ISO 9797-1 MAC algorithm 3 with the C-MAC session key, on the modified APDU CLA|04 Lc+8 unless i bit 02; ICV = 0 for
// EXTERNAL AUTHENTICATE, then the previous C-MAC, DES-ECB encrypted with key bytes 0-7 when i
// bit 10 is set); C-DECRYPTION §E.4.6 (3DES-CBC, IV 0, pad80 always, data only); R-MAC §E.4.5
// computed as kaoh/globalplatform GP211_calculate_R_MAC does: full 3DES MAC with the R-MAC
// session key, ICV = previous R-MAC (0 at the start), over
// CLA INS P1 P2 Lc data(plain command) || Lr || response data || SW.
#include <fmt/format.h>

#include "gpram/crypto/crypto.hpp"
#include "scp02_session.hpp"
#include "scp03_session.hpp"

namespace gpram::scp::detail {

namespace {

Result<Bytes> next_icv(const Scp02State& s) {
  if (s.first_mac) return Bytes(8, 0);
  if (!(s.i & kScp02IIcvEncryption)) return s.last_mac;
  auto e = crypto::des_ecb_encrypt(ByteView(s.keys.s_mac.data(), 8), s.last_mac);
  if (!e) return fail(crypto_error(e.error(), "SCP02: ICV encryption"));
  return e;
}

// MAC over the header + Lc + plain data, modified (CLA with SM bit, Lc + 8) or unmodified.
Result<Bytes> command_mac(const Scp02State& s, const apdu::Capdu& plain) {
  Bytes in;
  if (s.i & kScp02IUnmodifiedApdu) {
    in = {plain_cla(plain.cla), plain.ins, plain.p1, plain.p2};
    if (!plain.data.empty()) {
      in.push_back(static_cast<uint8_t>(plain.data.size()));
      append(in, plain.data);
    }
  } else {
    in = {sm_cla(plain.cla), plain.ins, plain.p1, plain.p2,
          static_cast<uint8_t>(plain.data.size() + 8)};
    append(in, plain.data);
  }
  auto icv = next_icv(s);
  if (!icv) return fail(icv.error());
  auto m = crypto::des_retail_mac(s.keys.s_mac, *icv, crypto::pad80(in, 8));
  if (!m) return fail(crypto_error(m.error(), "SCP02: C-MAC"));
  return m;
}

Result<Bytes> response_mac(const Scp02State& s, ByteView data, uint16_t sw) {
  const apdu::Capdu& c = s.last_command;
  Bytes in{plain_cla(c.cla), c.ins, c.p1, c.p2, static_cast<uint8_t>(c.data.size())};
  append(in, c.data);
  in.push_back(static_cast<uint8_t>(data.size()));
  append(in, data);
  append_u16(in, sw);
  auto m = crypto::des_cbc_mac(s.keys.s_rmac, s.last_rmac, crypto::pad80(in, 8));
  if (!m) return fail(crypto_error(m.error(), "SCP02: R-MAC"));
  return m;
}

}  // namespace

Result<apdu::Capdu> scp02_protect_command(Scp02State& s, const apdu::Capdu& c) {
  s.last_command = c;
  s.command_seen = true;
  if (!(s.level & kLevelCMac)) return c;
  if (c.data.size() > size_t{255 - 8} - ((s.level & kLevelCDec) ? size_t{8} : size_t{0}))
    return fail(Errc::data_too_long,
                fmt::format("SCP02: command data of {} bytes leaves no room for padding and C-MAC "
                            "in a short APDU",
                            c.data.size()));
  auto mac = command_mac(s, c);
  if (!mac) return fail(mac.error());
  s.last_mac = *mac;
  s.first_mac = false;
  apdu::Capdu out = c;
  out.cla = sm_cla(c.cla);
  out.extended = false;
  if ((s.level & kLevelCDec) && !c.data.empty()) {
    auto e = crypto::des_cbc_encrypt(s.keys.s_enc, Bytes(8, 0), crypto::pad80(c.data, 8));
    if (!e) return fail(crypto_error(e.error(), "SCP02: C-ENC"));
    out.data = std::move(*e);
  }
  append(out.data, *mac);
  return out;
}

Result<apdu::Capdu> scp02_verify_command(Scp02State& s, const apdu::Capdu& c) {
  s.command_seen = true;
  if (!(s.level & kLevelCMac)) {
    s.last_command = c;
    return c;
  }
  if (!has_sm(c.cla))
    return fail(Errc::bad_cmac,
                fmt::format("SCP02: command {:02X}{:02X} without secure messaging (CLA {:02X}) at "
                            "security level {:02X}",
                            c.cla, c.ins, c.cla, s.level));
  if (c.data.size() < 8)
    return fail(Errc::bad_command,
                fmt::format("SCP02: command data of {} bytes has no room for the 8-byte C-MAC",
                            c.data.size()));
  apdu::Capdu plain = c;
  plain.cla = plain_cla(c.cla);
  plain.data.assign(c.data.begin(), c.data.end() - 8);
  ByteView got(c.data.data() + c.data.size() - 8, 8);
  if ((s.level & kLevelCDec) && !plain.data.empty()) {
    if (plain.data.size() % 8)
      return fail(Errc::bad_padding,
                  fmt::format("SCP02: encrypted command data of {} bytes is not a multiple of 8",
                              plain.data.size()));
    auto d = crypto::des_cbc_decrypt(s.keys.s_enc, Bytes(8, 0), plain.data);
    if (!d) return fail(crypto_error(d.error(), "SCP02: C-DEC"));
    auto p = crypto::unpad80(*d, 8);
    if (!p)
      return fail(Errc::bad_padding,
                  fmt::format("SCP02: decrypted command data: {}", p.error().message));
    plain.data = std::move(*p);
  }
  auto mac = command_mac(s, plain);
  if (!mac) return fail(mac.error());
  if (!equal_ct(*mac, got))
    return fail(Errc::bad_cmac,
                fmt::format("SCP02: C-MAC of command {:02X}{:02X} does not verify (got {})", c.cla,
                            c.ins, to_hex(got)));
  s.last_mac = *mac;
  s.first_mac = false;
  s.last_command = plain;
  return plain;
}

Result<apdu::Rapdu> scp02_protect_response(Scp02State& s, const apdu::Rapdu& r) {
  if (!(s.level & kLevelRMac)) return r;
  if (!s.command_seen) return fail(Errc::bad_state, "SCP02: response without a preceding command");
  if (r.data.size() > 255)
    return fail(Errc::data_too_long, "SCP02: response data over 255 bytes cannot carry an R-MAC");
  auto mac = response_mac(s, r.data, r.sw);
  if (!mac) return fail(mac.error());
  s.last_rmac = *mac;
  apdu::Rapdu out = r;
  append(out.data, *mac);
  return out;
}

Result<apdu::Rapdu> scp02_verify_response(Scp02State& s, const apdu::Rapdu& r) {
  if (!(s.level & kLevelRMac)) return r;
  if (!s.command_seen)
    return fail(Errc::bad_state, "SCP02: response to unwrap but no command was wrapped");
  if (r.data.size() < 8)
    return fail(Errc::bad_response,
                fmt::format("SCP02: response data of {} bytes is shorter than the 8-byte R-MAC "
                            "(SW {:04X})",
                            r.data.size(), r.sw));
  ByteView body(r.data.data(), r.data.size() - 8);
  ByteView got(r.data.data() + body.size(), 8);
  auto mac = response_mac(s, body, r.sw);
  if (!mac) return fail(mac.error());
  if (!equal_ct(*mac, got))
    return fail(Errc::bad_rmac, fmt::format("SCP02: R-MAC mismatch (expected {}, got {})",
                                            to_hex(*mac), to_hex(got)));
  s.last_rmac = *mac;
  return apdu::Rapdu{Bytes(body.begin(), body.end()), r.sw};
}

}  // namespace gpram::scp::detail
