// SCP03 message protection (GP Amd D v1.1.x): C-MAC chaining §6.2.4, R-MAC §6.2.5,
// C-DECRYPTION §6.2.6 (ICV = AES(S-ENC, counter); the counter advances for every command once
// C-DECRYPTION is on, commands without data are sent plain), R-ENCRYPTION §6.2.7 (ICV =
// AES(S-ENC, 80 || counter)). Padding is ISO 9797-1 method 2 (80 00..).
#include <fmt/format.h>

#include "gpram/crypto/crypto.hpp"
#include "scp03_session.hpp"

namespace gpram::scp::detail {

uint8_t sm_cla(uint8_t cla) noexcept {
  return static_cast<uint8_t>((cla & 0x40) ? (cla | 0x20) : (cla | 0x04));
}
bool has_sm(uint8_t cla) noexcept { return (cla & 0x40) ? (cla & 0x20) : (cla & 0x04); }
uint8_t plain_cla(uint8_t cla) noexcept {
  return static_cast<uint8_t>((cla & 0x40) ? (cla & ~0x20) : (cla & ~0x04));
}

void append_lc(Bytes& out, size_t lc, bool extended) {
  if (extended) {
    out.push_back(0x00);
    append_u16(out, static_cast<uint16_t>(lc));
  } else {
    out.push_back(static_cast<uint8_t>(lc));
  }
}

bool sw_protected(uint16_t sw) noexcept {
  return sw == 0x9000 || (sw >> 8) == 0x62 || (sw >> 8) == 0x63;
}

Error crypto_error(const Error& e, const char* what) {
  return Error{make_error_code(Errc::crypto_failure), fmt::format("{}: {}", what, e.message)};
}

namespace {

Result<Bytes> icv(const Scp03State& s, bool response) {
  Bytes block(16, 0x00);
  if (response) block[0] = 0x80;
  block[12] = static_cast<uint8_t>(s.counter >> 24);
  block[13] = static_cast<uint8_t>(s.counter >> 16);
  block[14] = static_cast<uint8_t>(s.counter >> 8);
  block[15] = static_cast<uint8_t>(s.counter);
  auto e = crypto::aes_ecb_encrypt(s.keys.s_enc, block);
  if (!e) return fail(crypto_error(e.error(), "SCP03: ICV"));
  return e;
}

bool needs_extended(const apdu::Capdu& c, size_t lc) {
  return c.extended || lc > 255 || (c.le && *c.le > 256);
}

Result<Bytes> command_mac(Scp03State& s, const apdu::Capdu& c, ByteView body, size_t lc, bool ext) {
  Bytes in = s.chain;
  in.insert(in.end(), {c.cla, c.ins, c.p1, c.p2});
  append_lc(in, lc, ext);
  append(in, body);
  auto m = crypto::aes_cmac(s.keys.s_mac, in);
  if (!m) return fail(crypto_error(m.error(), "SCP03: C-MAC"));
  return m;
}

Result<Bytes> response_mac(const Scp03State& s, ByteView data, uint16_t sw) {
  Bytes in = s.chain;
  append(in, data);
  append_u16(in, sw);
  auto m = crypto::aes_cmac(s.keys.s_rmac, in);
  if (!m) return fail(crypto_error(m.error(), "SCP03: R-MAC"));
  m->resize(s.mac_len);
  return m;
}

}  // namespace

Result<apdu::Capdu> scp03_protect_command(Scp03State& s, const apdu::Capdu& c) {
  s.command_seen = true;
  if (!(s.level & kLevelCMac)) return c;
  apdu::Capdu out = c;
  if (s.level & kLevelCDec) {
    ++s.counter;
    if (!c.data.empty()) {
      auto iv = icv(s, false);
      if (!iv) return fail(iv.error());
      auto e = crypto::aes_cbc_encrypt(s.keys.s_enc, *iv, crypto::pad80(c.data, 16));
      if (!e) return fail(crypto_error(e.error(), "SCP03: C-ENC"));
      out.data = std::move(*e);
    }
  }
  out.cla = sm_cla(c.cla);
  const size_t lc = out.data.size() + s.mac_len;
  if (lc > 0xFFFF)
    return fail(Errc::data_too_long,
                fmt::format("SCP03: wrapped command data of {} bytes exceeds 65535", lc));
  out.extended = needs_extended(c, lc);
  auto mac = command_mac(s, out, out.data, lc, out.extended);
  if (!mac) return fail(mac.error());
  s.chain = *mac;
  out.data.insert(out.data.end(), mac->begin(), mac->begin() + static_cast<std::ptrdiff_t>(s.mac_len));
  return out;
}

Result<apdu::Capdu> scp03_verify_command(Scp03State& s, const apdu::Capdu& c) {
  s.command_seen = true;
  if (!(s.level & kLevelCMac)) return c;
  if (!has_sm(c.cla))
    return fail(Errc::bad_cmac,
                fmt::format("SCP03: command {:02X}{:02X} without secure messaging (CLA {:02X}) at "
                            "security level {:02X}",
                            c.cla, c.ins, c.cla, s.level));
  if (c.data.size() < s.mac_len)
    return fail(Errc::bad_command,
                fmt::format("SCP03: command data of {} bytes has no room for the {}-byte C-MAC",
                            c.data.size(), s.mac_len));
  const size_t body_len = c.data.size() - s.mac_len;
  ByteView body(c.data.data(), body_len);
  ByteView got(c.data.data() + body_len, s.mac_len);
  auto mac = command_mac(s, c, body, c.data.size(), c.extended);
  if (!mac) return fail(mac.error());
  if (!equal_ct(ByteView(mac->data(), s.mac_len), got))
    return fail(Errc::bad_cmac,
                fmt::format("SCP03: C-MAC of command {:02X}{:02X} does not verify (got {})", c.cla,
                            c.ins, to_hex(got)));
  s.chain = *mac;
  apdu::Capdu out = c;
  out.cla = plain_cla(c.cla);
  out.data.assign(body.begin(), body.end());
  if (s.level & kLevelCDec) {
    ++s.counter;
    if (!out.data.empty()) {
      if (out.data.size() % 16)
        return fail(Errc::bad_padding,
                    fmt::format("SCP03: encrypted command data of {} bytes is not a multiple of 16",
                                out.data.size()));
      auto iv = icv(s, false);
      if (!iv) return fail(iv.error());
      auto d = crypto::aes_cbc_decrypt(s.keys.s_enc, *iv, out.data);
      if (!d) return fail(crypto_error(d.error(), "SCP03: C-DEC"));
      auto p = crypto::unpad80(*d, 16);
      if (!p)
        return fail(Errc::bad_padding,
                    fmt::format("SCP03: decrypted command data: {}", p.error().message));
      out.data = std::move(*p);
    }
  }
  out.extended = c.extended && (out.data.size() > 255 || (out.le && *out.le > 256));
  return out;
}

Result<apdu::Rapdu> scp03_protect_response(Scp03State& s, const apdu::Rapdu& r) {
  if (!(s.level & kLevelRMac) || !sw_protected(r.sw)) return r;
  if (!s.command_seen)
    return fail(Errc::bad_state, "SCP03: response without a preceding command");
  apdu::Rapdu out = r;
  if ((s.level & kLevelREnc) && !r.data.empty()) {
    auto iv = icv(s, true);
    if (!iv) return fail(iv.error());
    auto e = crypto::aes_cbc_encrypt(s.keys.s_enc, *iv, crypto::pad80(r.data, 16));
    if (!e) return fail(crypto_error(e.error(), "SCP03: R-ENC"));
    out.data = std::move(*e);
  }
  auto mac = response_mac(s, out.data, r.sw);
  if (!mac) return fail(mac.error());
  append(out.data, *mac);
  return out;
}

Result<apdu::Rapdu> scp03_verify_response(Scp03State& s, const apdu::Rapdu& r) {
  if (!(s.level & kLevelRMac) || !sw_protected(r.sw)) return r;
  if (!s.command_seen)
    return fail(Errc::bad_state, "SCP03: response to unwrap but no command was wrapped");
  if (r.data.size() < s.mac_len)
    return fail(Errc::bad_response,
                fmt::format("SCP03: response data of {} bytes is shorter than the {}-byte R-MAC "
                            "(SW {:04X})",
                            r.data.size(), s.mac_len, r.sw));
  const size_t body_len = r.data.size() - s.mac_len;
  ByteView body(r.data.data(), body_len);
  ByteView got(r.data.data() + body_len, s.mac_len);
  auto mac = response_mac(s, body, r.sw);
  if (!mac) return fail(mac.error());
  if (!equal_ct(*mac, got))
    return fail(Errc::bad_rmac, fmt::format("SCP03: R-MAC mismatch (expected {}, got {})",
                                            to_hex(*mac), to_hex(got)));
  apdu::Rapdu out{Bytes(body.begin(), body.end()), r.sw};
  if ((s.level & kLevelREnc) && !out.data.empty()) {
    if (out.data.size() % 16)
      return fail(Errc::bad_padding,
                  fmt::format("SCP03: encrypted response data of {} bytes is not a multiple of 16",
                              out.data.size()));
    auto iv = icv(s, true);
    if (!iv) return fail(iv.error());
    auto d = crypto::aes_cbc_decrypt(s.keys.s_enc, *iv, out.data);
    if (!d) return fail(crypto_error(d.error(), "SCP03: R-DEC"));
    auto p = crypto::unpad80(*d, 16);
    if (!p)
      return fail(Errc::bad_padding,
                  fmt::format("SCP03: decrypted response data: {}", p.error().message));
    out.data = std::move(*p);
  }
  return out;
}

}  // namespace gpram::scp::detail
