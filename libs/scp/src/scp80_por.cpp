// SCP80 response packets (PoR): ETSI TS 102 225 §5.2, 3GPP TS 31.115 §6-7 (RPI = UDH IEI 71).
// RC/CC input 02 71 00 ‖ RPL..STS ‖ data ‖ padding, checked against osmocom/pysim pySim/ota.py
// decode_resp and the PoR vectors of tests/unittests/test_ota.py (commit 597f1e03).
#include <fmt/format.h>

#include <optional>

#include "gpram/scp/scp80.hpp"
#include "scp80_internal.hpp"

namespace gpram::scp80 {
namespace {

using detail::kUdhPor;
using detail::load_counter;
using detail::append_counter;

// A card that rejects a command may answer in clear (RHL 0A, PCNTR 00, status != 00) even when
// SPI2 asked for a secured PoR (seen on a sysmoISIM-SJA2, osmocom/pysim docs/smpp-ota-tool.rst).
std::optional<Por> unsecured_error_por(ByteView p, const Por& head, const Spi& spi,
                                       const Keyset& keys, size_t cks_len) {
  if (head.rhl != 10 || p.size() < kPorHeaderSize || p[11] != 0 || p[12] == 0) return std::nullopt;
  bool secured_shape_fits = cks_len == 0;
  if (spi.por_ciphered) {
    auto alg = cipher_alg(keys.kic);
    if (!alg || (p.size() - 6) % detail::block_size(*alg) != 0) secured_shape_fits = false;
  }
  if (secured_shape_fits) return std::nullopt;
  Por r = head;
  r.counter = load_counter(&p[6]);
  r.pcntr = 0;
  r.status = p[12];
  r.data.assign(p.begin() + 13, p.end());
  r.checksum_valid = false;
  r.secured = false;
  return r;
}

}  // namespace

// ---- PoR (TS 102 225 §5.2, TS 31.115 §6-7) --------------------------------------------------

Result<Bytes> encode_por(const Keyset& keys, const Spi& spi, uint64_t counter, Status status,
                         ByteView data, bool with_udh) {
  if (counter > kCounterMax)
    return fail(Errc::bad_header, fmt::format("SCP80: counter {:X} does not fit in 5 bytes", counter));
  auto cks_len = checksum_length(keys.kid, spi.por_integrity);
  if (!cks_len) return fail(std::move(cks_len.error()));
  size_t pad = 0;
  if (spi.por_ciphered) {
    auto alg = cipher_alg(keys.kic);
    if (!alg) return fail(std::move(alg.error()));
    const size_t bs = detail::block_size(*alg);
    pad = (bs - (7 + *cks_len + data.size()) % bs) % bs;
  }
  const size_t rpl = 4 + 7 + *cks_len + data.size() + pad;
  if (rpl > 0xFFFF)
    return fail(Errc::too_long, fmt::format("SCP80: PoR of {} bytes exceeds RPL 65535", rpl));
  Bytes head;  // RPL RHL TAR
  append_u16(head, static_cast<uint16_t>(rpl));
  head.push_back(static_cast<uint8_t>(10 + *cks_len));
  append(head, keys.tar);
  Bytes tail;  // CNTR PCNTR STS
  append_counter(tail, counter);
  tail.push_back(static_cast<uint8_t>(pad));
  tail.push_back(static_cast<uint8_t>(status));
  Bytes body = data.empty() ? Bytes{} : Bytes(data.begin(), data.end());
  body.resize(body.size() + pad, 0);

  Bytes mac_in(std::begin(kUdhPor), std::end(kUdhPor));
  append(mac_in, head);
  append(mac_in, tail);
  append(mac_in, body);
  auto cks = detail::checksum(keys.kid, spi.por_integrity, keys.kid_key, mac_in);
  if (!cks) return fail(std::move(cks.error()));
  Bytes secured = tail;
  append(secured, *cks);
  append(secured, body);
  if (spi.por_ciphered) {
    auto enc = detail::cipher(keys.kic, keys.kic_key, secured, true);
    if (!enc) return fail(std::move(enc.error()));
    secured = std::move(*enc);
  }
  Bytes out;
  if (with_udh) out.assign(std::begin(kUdhPor), std::end(kUdhPor));
  append(out, head);
  append(out, secured);
  return out;
}

Result<Por> decode_por(ByteView in, const Keyset& keys, const Spi& spi) {
  // An RPL of 0x0271 cannot fit in one SMS, so a leading 02 71 00 is always the UDH.
  ByteView p = in;
  if (p.size() >= 3 && p[0] == 0x02 && p[1] == 0x71 && p[2] == 0x00) p = p.subspan(3);
  if (p.size() < kPorHeaderSize)
    return fail(Errc::truncated,
                fmt::format("SCP80: PoR of {} bytes is shorter than the {}-byte header (RPL..STS)",
                            p.size(), kPorHeaderSize));
  Por r;
  r.rpl = load_u16(p.data());
  if (p.size() - 2 != r.rpl)
    return fail(Errc::bad_length,
                fmt::format("SCP80: RPL {:04X} announces {} bytes but {} follow", r.rpl, r.rpl,
                            p.size() - 2));
  r.rhl = p[2];
  r.tar = {p[3], p[4], p[5]};
  auto cks_len = checksum_length(keys.kid, spi.por_integrity);
  if (!cks_len) return fail(std::move(cks_len.error()));
  if (auto clear = unsecured_error_por(p, r, spi, keys, *cks_len)) return *clear;
  if (r.rhl != 10 + *cks_len)
    return fail(Errc::bad_length,
                fmt::format("SCP80: RHL {:02X} does not match the PoR security asked by SPI2 "
                            "{:02X} (expected {:02X} = 10 + {}-byte RC/CC)",
                            r.rhl, spi.spi2(), 10 + *cks_len, *cks_len));
  ByteView sec = p.subspan(6);
  Bytes plain;
  if (spi.por_ciphered) {
    auto dec = detail::cipher(keys.kic, keys.kic_key, sec, false);
    if (!dec) return fail(std::move(dec.error()));
    plain = std::move(*dec);
  } else {
    plain.assign(sec.begin(), sec.end());
  }
  if (plain.size() < 7 + *cks_len)
    return fail(Errc::truncated,
                fmt::format("SCP80: PoR secured part of {} bytes cannot hold CNTR, PCNTR, STS and "
                            "a {}-byte RC/CC",
                            plain.size(), *cks_len));
  r.counter = load_counter(plain.data());
  r.pcntr = plain[5];
  r.status = plain[6];
  const auto body = static_cast<std::ptrdiff_t>(7 + *cks_len);
  r.checksum.assign(plain.begin() + 7, plain.begin() + body);
  const size_t rest = plain.size() - (7 + *cks_len);
  if (r.pcntr > rest)
    return fail(Errc::bad_padding,
                fmt::format("SCP80: PoR PCNTR {} exceeds the {} bytes of data", r.pcntr, rest));
  if (!spi.por_ciphered && r.pcntr != 0)
    return fail(Errc::bad_padding,
                fmt::format("SCP80: PCNTR {:02X} in an unciphered PoR (must be 00)", r.pcntr));
  Bytes mac_in(std::begin(kUdhPor), std::end(kUdhPor));
  mac_in.insert(mac_in.end(), p.begin(), p.begin() + 6);
  mac_in.insert(mac_in.end(), plain.begin(), plain.begin() + 7);
  mac_in.insert(mac_in.end(), plain.begin() + body, plain.end());
  auto cks = detail::checksum(keys.kid, spi.por_integrity, keys.kid_key, mac_in);
  if (!cks) return fail(std::move(cks.error()));
  r.expected_checksum = std::move(*cks);
  r.checksum_valid = equal_ct(r.expected_checksum, r.checksum);
  r.data.assign(plain.begin() + body, plain.end() - static_cast<std::ptrdiff_t>(r.pcntr));
  return r;
}

Result<Por> open_por(ByteView in, const Keyset& keys, const Spi& spi) {
  auto r = decode_por(in, keys, spi);
  if (!r) return r;
  if (r->secured && !r->checksum_valid)
    return fail(Errc::checksum_mismatch,
                fmt::format("SCP80: PoR {} mismatch for TAR {} (expected {}, got {})",
                            spi.por_integrity == Integrity::rc ? "RC" : "CC",
                            detail::tar_hex(r->tar), to_hex(r->expected_checksum),
                            to_hex(r->checksum)));
  return r;
}

}  // namespace gpram::scp80
