// SCP03 key derivation (GP Amd D v1.1.x §4.1.5 and §6.2.1-6.2.2): NIST SP 800-108 counter-mode
// KDF with AES-CMAC, session keys, cryptograms, pseudo-random card challenge; and the parser of
// the INITIALIZE UPDATE response (Amd D §7.1.1.6).
#include <fmt/format.h>

#include "gpram/crypto/crypto.hpp"
#include "scp03_session.hpp"

namespace gpram::scp {

Result<Bytes> scp03_kdf_blocks(ByteView key, ByteView a, ByteView b, size_t out_bytes) {
  if (out_bytes == 0 || out_bytes > 255 * 16)
    return fail(Errc::bad_key, fmt::format("SCP03: KDF output of {} bytes is out of range", out_bytes));
  Bytes out;
  out.reserve(out_bytes + 16);
  for (unsigned i = 1; out.size() < out_bytes; ++i) {
    Bytes input(a.begin(), a.end());
    input.push_back(static_cast<uint8_t>(i));
    append(input, b);
    auto block = crypto::aes_cmac(key, input);
    if (!block) return fail(Errc::bad_key, "SCP03: KDF: " + block.error().message);
    append(out, *block);
  }
  out.resize(out_bytes);
  return out;
}

Result<Bytes> scp03_kdf(ByteView key, ByteView label, ByteView context, size_t out_bytes) {
  Bytes a(label.begin(), label.end());
  a.push_back(0x00);  // separation indicator
  append_u16(a, static_cast<uint16_t>(out_bytes * 8));
  return scp03_kdf_blocks(key, a, context, out_bytes);
}

Result<Bytes> scp03_derive(ByteView key, uint8_t constant, ByteView context, size_t out_bytes) {
  Bytes label(11, 0x00);
  label.push_back(constant);
  return scp03_kdf(key, label, context, out_bytes);
}

Result<Bytes> scp03_card_challenge(ByteView static_enc, uint32_t sequence_counter, ByteView sd_aid,
                                   size_t length) {
  if (length != 8 && length != 16)
    return fail(Errc::unsupported_option,
                fmt::format("SCP03: card challenge length must be 8 or 16, got {}", length));
  if (sequence_counter > 0xFFFFFF)
    return fail(Errc::unsupported_option,
                fmt::format("SCP03: sequence counter {:X} exceeds 3 bytes", sequence_counter));
  Bytes context;
  append_u24(context, sequence_counter);
  append(context, sd_aid);
  return scp03_derive(static_enc, kScp03CardChallenge, context, length);
}

Result<Scp03SessionKeys> scp03_session_keys(const StaticKeys& keys, ByteView context) {
  if (auto c = detail::check_aes_keys(keys); !c) return fail(c.error());
  Scp03SessionKeys s;
  auto enc = scp03_derive(keys.enc, kScp03SEnc, context, keys.enc.size());
  if (!enc) return fail(enc.error());
  auto mac = scp03_derive(keys.mac, kScp03SMac, context, keys.mac.size());
  if (!mac) return fail(mac.error());
  auto rmac = scp03_derive(keys.mac, kScp03SRMac, context, keys.mac.size());
  if (!rmac) return fail(rmac.error());
  s.s_enc = std::move(*enc);
  s.s_mac = std::move(*mac);
  s.s_rmac = std::move(*rmac);
  return s;
}

Result<Scp03InitResponse> parse_scp03_init_update_response(ByteView d) {
  if (d.size() < 13)
    return fail(Errc::bad_init_update_response,
                fmt::format("SCP03: INITIALIZE UPDATE response of {} bytes is shorter than the "
                            "13-byte KDD/KVN/SCP/i prefix",
                            d.size()));
  Scp03InitResponse r;
  r.kdd.assign(d.begin(), d.begin() + 10);
  r.kvn = d[10];
  if (d[11] != 0x03)
    return fail(Errc::bad_init_update_response,
                fmt::format("SCP03: INITIALIZE UPDATE response names SCP {:02X} at offset 11, "
                            "expected 03",
                            d[11]));
  r.i = d[12];
  const size_t n = (r.i & kScp03IS16) ? 16 : 8;
  const size_t base = 13 + 2 * n;
  if (d.size() != base && d.size() != base + 3)
    return fail(Errc::bad_init_update_response,
                fmt::format("SCP03: INITIALIZE UPDATE response of {} bytes; with i={:02X} (S{}) "
                            "expected {} or {}",
                            d.size(), r.i, n, base, base + 3));
  r.card_challenge.assign(d.begin() + 13, d.begin() + 13 + static_cast<std::ptrdiff_t>(n));
  r.card_cryptogram.assign(d.begin() + 13 + static_cast<std::ptrdiff_t>(n),
                           d.begin() + static_cast<std::ptrdiff_t>(base));
  if (d.size() == base + 3) r.sequence_counter = load_u24(d.data() + base);
  return r;
}

namespace detail {

Result<void> check_aes_keys(const StaticKeys& keys) {
  const size_t n = keys.enc.size();
  if (n != 16 && n != 24 && n != 32)
    return fail(Errc::bad_key, fmt::format("SCP03: ENC key must be 16, 24 or 32 bytes, got {}", n));
  if (keys.mac.size() != n || (!keys.dek.empty() && keys.dek.size() != n))
    return fail(Errc::bad_key,
                fmt::format("SCP03: ENC/MAC/DEK keys must have the same length (got {}/{}/{})", n,
                            keys.mac.size(), keys.dek.size()));
  return {};
}

}  // namespace detail
}  // namespace gpram::scp
