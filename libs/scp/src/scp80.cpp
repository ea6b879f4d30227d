// SCP80 command packets and PoRs: ETSI TS 102 225 §5.1 (command), §5.2 (response), 3GPP TS 31.115
// §4.2 / §6 (SMS-PP: CPI is the UDH IEI 70, RPI the IEI 71; CPL/CHL and RPL/RHL are 2/1 bytes).
// Byte-level conventions checked against osmocom/pysim pySim/ota.py and tests/unittests/
// test_ota.py (commit 597f1e03): CC input = CPL..PCNTR ‖ data ‖ padding (command) and
// 02 71 00 ‖ RPL..STS ‖ data ‖ padding (PoR); padding zeros; PCNTR = number of padding bytes.
#include <fmt/format.h>

#include "gpram/scp/scp80.hpp"
#include "scp80_internal.hpp"

namespace gpram::scp80 {
namespace {

const char* scp80_message(int ev) {
  switch (static_cast<Errc>(ev)) {
    case Errc::truncated: return "SCP80: packet truncated";
    case Errc::bad_length: return "SCP80: inconsistent length field";
    case Errc::bad_header: return "SCP80: invalid header coding";
    case Errc::unsupported: return "SCP80: unsupported security option";
    case Errc::bad_key: return "SCP80: key does not fit the algorithm";
    case Errc::bad_padding: return "SCP80: invalid padding";
    case Errc::checksum_mismatch: return "SCP80: RC/CC mismatch";
    case Errc::counter_low: return "SCP80: counter too low";
    case Errc::counter_high: return "SCP80: counter too high";
    case Errc::counter_blocked: return "SCP80: counter blocked";
    case Errc::unknown_tar: return "SCP80: unknown TAR";
    case Errc::too_long: return "SCP80: packet too long";
    case Errc::bad_udh: return "SMS: malformed user data header";
    case Errc::bad_segment: return "SMS: invalid concatenated segment";
    case Errc::bad_tpdu: return "SMS: malformed TPDU";
  }
  return "SCP80: unknown error";
}

}  // namespace

const std::error_category& error_category() noexcept {
  static const SimpleCategory category("gpram.scp80", scp80_message);
  return category;
}

std::string counter_hex(uint64_t counter) { return fmt::format("{:010X}", counter); }

namespace detail {
std::string tar_hex(const Tar& tar) { return to_hex(tar); }
}  // namespace detail

// ---- SPI (TS 102 225 §5.1.1) ----------------------------------------------------------------

Result<Spi> Spi::decode(uint8_t spi1, uint8_t spi2) {
  if (spi1 & 0xE0)
    return fail(Errc::bad_header,
                fmt::format("SCP80: SPI1 {:02X} sets reserved bits b8-b6", spi1));
  if (spi2 & 0xC0)
    return fail(Errc::bad_header,
                fmt::format("SCP80: SPI2 {:02X} sets reserved bits b8-b7", spi2));
  if ((spi2 & 0x03) == 0x03)
    return fail(Errc::bad_header,
                fmt::format("SCP80: SPI2 {:02X} has the reserved PoR coding b2b1 = 11", spi2));
  Spi s;
  s.integrity = static_cast<Integrity>(spi1 & 0x03);
  s.ciphered = (spi1 & 0x04) != 0;
  s.counter = static_cast<CounterMode>((spi1 >> 3) & 0x03);
  s.por = static_cast<PorMode>(spi2 & 0x03);
  s.por_integrity = static_cast<Integrity>((spi2 >> 2) & 0x03);
  s.por_ciphered = (spi2 & 0x10) != 0;
  s.por_by_submit = (spi2 & 0x20) != 0;
  return s;
}

uint8_t Spi::spi1() const noexcept {
  return static_cast<uint8_t>(static_cast<unsigned>(integrity) | (ciphered ? 0x04u : 0u) |
                              (static_cast<unsigned>(counter) << 3));
}

uint8_t Spi::spi2() const noexcept {
  return static_cast<uint8_t>(static_cast<unsigned>(por) |
                              (static_cast<unsigned>(por_integrity) << 2) |
                              (por_ciphered ? 0x10u : 0u) | (por_by_submit ? 0x20u : 0u));
}

// ---- command packet (TS 102 225 §5.1, TS 31.115 §4.2) --------------------------------------

Result<Bytes> encode_command(const Keyset& keys, const Spi& spi, uint64_t counter, ByteView data) {
  if (spi.por == static_cast<PorMode>(3))
    return fail(Errc::bad_header, "SCP80: PoR mode 3 is reserved");
  if (counter > kCounterMax)
    return fail(Errc::bad_header,
                fmt::format("SCP80: counter {:X} does not fit in 5 bytes", counter));
  auto cks_len = checksum_length(keys.kid, spi.integrity);
  if (!cks_len) return fail(std::move(cks_len.error()));
  if (spi.por_integrity == Integrity::ds)
    return fail(Errc::unsupported, "SCP80: a digitally signed PoR (SPI2 b4b3 = 11) is not supported");
  if (auto por_len = checksum_length(keys.kid, spi.por_integrity); !por_len)
    return fail(std::move(por_len.error()));  // the card could not secure the PoR asked for
  size_t pad = 0;
  if (spi.ciphered) {
    auto alg = cipher_alg(keys.kic);
    if (!alg) return fail(std::move(alg.error()));
    const size_t bs = detail::block_size(*alg);
    pad = (bs - (6 + *cks_len + data.size()) % bs) % bs;
  }
  const size_t chl = 13 + *cks_len;
  const size_t cpl = 1 + chl + data.size() + pad;
  if (cpl > 0xFFFF)
    return fail(Errc::too_long,
                fmt::format("SCP80: command packet of {} bytes exceeds the CPL maximum 65535", cpl));
  Bytes head;
  append_u16(head, static_cast<uint16_t>(cpl));
  head.push_back(static_cast<uint8_t>(chl));
  head.push_back(spi.spi1());
  head.push_back(spi.spi2());
  head.push_back(keys.kic);
  head.push_back(keys.kid);
  append(head, keys.tar);
  Bytes tail;  // CNTR PCNTR (after the header) and data ‖ pad
  detail::append_counter(tail, counter);
  tail.push_back(static_cast<uint8_t>(pad));
  Bytes body = data.empty() ? Bytes{} : Bytes(data.begin(), data.end());
  body.resize(body.size() + pad, 0);

  Bytes mac_in = head;
  append(mac_in, tail);
  append(mac_in, body);
  auto cks = detail::checksum(keys.kid, spi.integrity, keys.kid_key, mac_in);
  if (!cks) return fail(std::move(cks.error()));

  Bytes secured = tail;
  append(secured, *cks);
  append(secured, body);
  if (spi.ciphered) {
    auto enc = detail::cipher(keys.kic, keys.kic_key, secured, true);
    if (!enc) return fail(std::move(enc.error()));
    secured = std::move(*enc);
  }
  Bytes out = std::move(head);
  append(out, secured);
  return out;
}

Result<CommandHeader> parse_command_header(ByteView p) {
  if (p.size() < kCommandHeaderSize)
    return fail(Errc::truncated,
                fmt::format("SCP80: command packet of {} bytes is shorter than the {}-byte header "
                            "(CPL..PCNTR)",
                            p.size(), kCommandHeaderSize));
  CommandHeader h;
  h.cpl = load_u16(p.data());
  if (p.size() - 2 != h.cpl)
    return fail(Errc::bad_length, fmt::format("SCP80: CPL {:04X} announces {} bytes but {} follow",
                                              h.cpl, h.cpl, p.size() - 2));
  h.chl = p[2];
  auto spi = Spi::decode(p[3], p[4]);
  if (!spi) return fail(std::move(spi.error()));
  h.spi = *spi;
  h.kic = p[5];
  h.kid = p[6];
  h.tar = {p[7], p[8], p[9]};
  auto cks_len = checksum_length(h.kid, h.spi.integrity);
  if (!cks_len) return fail(std::move(cks_len.error()));
  if (h.chl != 13 + *cks_len)
    return fail(Errc::bad_length,
                fmt::format("SCP80: CHL {:02X} does not match SPI {:02X}{:02X} / KID {:02X} "
                            "(expected {:02X} = 13 + {}-byte RC/CC)",
                            h.chl, p[3], p[4], h.kid, 13 + *cks_len, *cks_len));
  if (h.cpl < 1 + h.chl)
    return fail(Errc::truncated, fmt::format("SCP80: CPL {:04X} is shorter than CHL {:02X} + 1",
                                             h.cpl, h.chl));
  return h;
}

Result<Command> decode_command(ByteView p, const Keyset& keys) {
  auto h = parse_command_header(p);
  if (!h) return fail(std::move(h.error()));
  Command c;
  c.header = *h;
  ByteView sec = p.subspan(10);
  Bytes plain;
  if (h->spi.ciphered) {
    auto dec = detail::cipher(h->kic, keys.kic_key, sec, false);
    if (!dec) return fail(std::move(dec.error()));
    plain = std::move(*dec);
  } else {
    plain.assign(sec.begin(), sec.end());
  }
  const size_t cks_len = h->chl - 13u;
  c.counter = detail::load_counter(plain.data());
  c.pcntr = plain[5];
  c.checksum.assign(plain.begin() + 6, plain.begin() + static_cast<std::ptrdiff_t>(6 + cks_len));
  const size_t rest = plain.size() - 6 - cks_len;
  if (!h->spi.ciphered && c.pcntr != 0)
    return fail(Errc::bad_padding,
                fmt::format("SCP80: PCNTR {:02X} in an unciphered packet (must be 00)", c.pcntr));
  if (c.pcntr > rest)
    return fail(Errc::bad_padding,
                fmt::format("SCP80: PCNTR {} exceeds the {} bytes of secured data", c.pcntr, rest));
  if (h->spi.ciphered) {
    auto alg = cipher_alg(h->kic);
    if (c.pcntr >= detail::block_size(*alg))
      return fail(Errc::bad_padding,
                  fmt::format("SCP80: PCNTR {} is not below the {}-byte cipher block", c.pcntr,
                              detail::block_size(*alg)));
  }
  Bytes mac_in(p.begin(), p.begin() + 10);
  mac_in.insert(mac_in.end(), plain.begin(), plain.begin() + 6);
  mac_in.insert(mac_in.end(), plain.begin() + static_cast<std::ptrdiff_t>(6 + cks_len), plain.end());
  auto cks = detail::checksum(h->kid, h->spi.integrity, keys.kid_key, mac_in);
  if (!cks) return fail(std::move(cks.error()));
  c.expected_checksum = std::move(*cks);
  c.checksum_valid = equal_ct(c.expected_checksum, c.checksum);
  c.data.assign(plain.begin() + static_cast<std::ptrdiff_t>(6 + cks_len),
                plain.end() - static_cast<std::ptrdiff_t>(c.pcntr));
  return c;
}

}  // namespace gpram::scp80
