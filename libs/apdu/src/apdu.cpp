// C-APDU / R-APDU codec. ISO/IEC 7816-4:2013 §5.1 (command-response pairs, Table 1 cases
// 1-4 in short and extended length), §5.3.4 (61xx / 6Cxx), §5.4.1 (class byte, logical
// channels); GlobalPlatform Card Spec v2.3 §11.1.4 (class byte of GP commands).
#include "gpram/apdu/apdu.hpp"

#include <fmt/format.h>

#include "gpram/base/check.hpp"

namespace gpram::apdu {
namespace {

const char* apdu_message(int ev) {
  switch (static_cast<Errc>(ev)) {
    case Errc::too_short: return "APDU: fewer than 4 header bytes";
    case Errc::bad_length: return "APDU: Lc / Le inconsistent with the APDU size";
    case Errc::data_too_long: return "APDU: data or Le too long for the encoding";
    case Errc::bad_status_word: return "APDU: R-APDU shorter than its 2-byte status word";
    case Errc::bad_template: return "script: wrong template tag or length form";
    case Errc::unknown_tag: return "script: unknown item tag";
    case Errc::truncated: return "script: input ends inside the script";
    case Errc::missing_terminator: return "script: indefinite template without 00 00";
    case Errc::trailing_data: return "script: unexpected bytes after the script";
    case Errc::bad_item: return "script: malformed item value";
    case Errc::bad_encoding: return "script: malformed BER tag or length";
    case Errc::missing_length: return "script: input ends where a length is expected";
  }
  return "APDU: unknown error";
}

std::string header_hex(ByteView in) { return to_hex(in.first(4)); }

}  // namespace

const std::error_category& error_category() noexcept {
  static const SimpleCategory category("gpram.apdu", apdu_message);
  return category;
}

Result<Capdu> parse_capdu(ByteView in) {
  auto v = parse_capdu_view(in);
  if (!v) return fail(std::move(v.error()));
  Capdu c;
  c.cla = v->cla;
  c.ins = v->ins;
  c.p1 = v->p1;
  c.p2 = v->p2;
  c.data.assign(v->data.begin(), v->data.end());
  c.le = v->le;
  c.extended = v->extended;
  return c;
}

Result<CapduView> parse_capdu_view(ByteView in) {
  const size_t n = in.size();
  if (n < 4)
    return fail(Errc::too_short,
                fmt::format("C-APDU: {} bytes ({}), a header needs 4", n, to_hex(in)));
  CapduView c;
  c.cla = in[0];
  c.ins = in[1];
  c.p1 = in[2];
  c.p2 = in[3];
  if (n == 4) return c;  // case 1
  const uint8_t b5 = in[4];
  if (n == 5) {  // case 2S
    c.le = b5 == 0 ? 256u : b5;
    return c;
  }
  if (b5 != 0) {  // short Lc: case 3S (5 + Lc) or 4S (6 + Lc)
    const size_t lc = b5;
    if (n == 5 + lc || n == 6 + lc) {
      c.data = in.subspan(5, lc);
      if (n == 6 + lc) c.le = in[n - 1] == 0 ? 256u : in[n - 1];
      return c;
    }
    return fail(Errc::bad_length,
                fmt::format("C-APDU {}: short Lc={:02X} ({}) needs {} bytes (case 3) or {} (case "
                            "4), found {}",
                            header_hex(in), b5, lc, 5 + lc, 6 + lc, n));
  }
  // B5 = 00 and more than 5 bytes: extended length (ISO 7816-4 §5.1, Table 1).
  if (n < 7)
    return fail(Errc::bad_length,
                fmt::format("C-APDU {}: byte 5 is 00 (extended length) but only {} bytes; "
                            "extended Le needs 7, extended Lc at least 8",
                            header_hex(in), n));
  const size_t v = load_u16(&in[5]);
  c.extended = true;
  if (n == 7) {  // case 2E
    c.le = v == 0 ? 65536u : static_cast<uint32_t>(v);
    return c;
  }
  if (v == 0)
    return fail(Errc::bad_length,
                fmt::format("C-APDU {}: extended Lc=0000 with {} bytes; Lc must be 1..65535",
                            header_hex(in), n));
  if (n == 7 + v || n == 9 + v) {
    c.data = in.subspan(7, v);
    if (n == 9 + v) {
      const uint32_t le = load_u16(&in[n - 2]);
      c.le = le == 0 ? 65536u : le;
    }
    return c;
  }
  return fail(Errc::bad_length,
              fmt::format("C-APDU {}: extended Lc={:04X} ({}) needs {} bytes (case 3E) or {} "
                          "(case 4E), found {}",
                          header_hex(in), v, v, 7 + v, 9 + v, n));
}

Result<Bytes> encode_checked(const Capdu& c) {
  if (c.data.size() > 65535)
    return fail(Errc::data_too_long,
                fmt::format("C-APDU {:02X}{:02X}{:02X}{:02X}: {} data bytes, at most 65535",
                            c.cla, c.ins, c.p1, c.p2, c.data.size()));
  if (c.le && *c.le > 65536)
    return fail(Errc::data_too_long,
                fmt::format("C-APDU {:02X}{:02X}{:02X}{:02X}: Le {} above 65536", c.cla, c.ins,
                            c.p1, c.p2, *c.le));
  return encode(c);
}

Bytes encode(const Capdu& c) {
  GPRAM_CHECK(c.data.size() <= 65535);
  GPRAM_CHECK(!c.le || *c.le <= 65536);
  const bool ext = c.uses_extended();
  Bytes out;
  out.reserve(4 + 3 + c.data.size() + 2);
  out.push_back(c.cla);
  out.push_back(c.ins);
  out.push_back(c.p1);
  out.push_back(c.p2);
  if (!c.data.empty()) {
    if (ext) {
      out.push_back(0);
      append_u16(out, static_cast<uint16_t>(c.data.size()));
    } else {
      out.push_back(static_cast<uint8_t>(c.data.size()));
    }
    append(out, c.data);
  }
  if (c.le) {
    // 256 (short) and 65536 (extended) are written as zeros; so is 0 ("maximum").
    if (ext) {
      if (c.data.empty()) out.push_back(0);
      append_u16(out, static_cast<uint16_t>(*c.le & 0xFFFF));
    } else {
      out.push_back(static_cast<uint8_t>(*c.le & 0xFF));
    }
  }
  return out;
}

Result<Rapdu> parse_rapdu(ByteView in) {
  if (in.size() < 2)
    return fail(Errc::bad_status_word,
                fmt::format("R-APDU: {} byte(s) ({}), the status word needs 2", in.size(),
                            to_hex(in)));
  Rapdu r;
  r.data.assign(in.begin(), in.end() - 2);
  r.sw = load_u16(&in[in.size() - 2]);
  return r;
}

Bytes encode(const Rapdu& r) {
  Bytes out;
  out.reserve(r.data.size() + 2);
  append(out, r.data);
  append_u16(out, r.sw);
  return out;
}

std::optional<Capdu> follow_up(const Capdu& sent, const Rapdu& got) {
  const uint8_t sw1 = got.sw1();
  const uint8_t sw2 = got.sw2();
  if (sw1 == 0x61) {
    Capdu gr;
    // GET RESPONSE is an interindustry command: CLA 00-03 or 40-4F, same logical channel.
    const unsigned ch = cla_channel(sent.cla);
    gr.cla = static_cast<uint8_t>(ch < 4 ? ch : 0x40u | (ch - 4));
    gr.ins = 0xC0;
    gr.le = sw2 == 0 ? 256u : sw2;
    return gr;
  }
  if (sw1 == 0x6C) {
    Capdu again = sent;
    again.le = sw2 == 0 ? 256u : sw2;
    return again;
  }
  if (sw1 == 0x9F && sent.cla == 0xA0) {
    Capdu gr;
    gr.cla = 0xA0;
    gr.ins = 0xC0;
    gr.le = sw2 == 0 ? 256u : sw2;
    return gr;
  }
  return std::nullopt;
}

Result<std::optional<Capdu>> ResponseChain::feed(const Rapdu& got) {
  if (done_) return std::optional<Capdu>();
  ++rounds_;
  auto next = follow_up(sent_, got);
  // 6Cxx answers carry no useful data: only 61xx data and the final answer are kept.
  if (got.sw1() != 0x6C) {
    if (result_.data.size() + got.data.size() > max_bytes_)
      return fail(Errc::bad_length,
                  fmt::format("response chain: {} bytes after {} rounds exceed the limit of {}",
                              result_.data.size() + got.data.size(), rounds_, max_bytes_));
    append(result_.data, got.data);
  }
  if (!next) {
    result_.sw = got.sw;
    done_ = true;
    return std::optional<Capdu>();
  }
  if (rounds_ >= max_rounds_)
    return fail(Errc::bad_length,
                fmt::format("response chain: still {:04X} after {} rounds (limit {})", got.sw,
                            rounds_, max_rounds_));
  sent_ = *next;
  return next;
}

std::optional<uint8_t> with_channel(uint8_t cla, unsigned channel) noexcept {
  if (channel > 19) return std::nullopt;
  const bool proprietary = (cla & 0x80) != 0;
  const bool sm = cla_secure_messaging(cla);
  const uint8_t chaining = cla & 0x10;
  uint8_t out = static_cast<uint8_t>((cla & 0x80) | chaining);
  if (channel < 4) {
    // Keep the original SM coding when staying in the first form.
    const uint8_t sm_bits = (cla & 0x40) ? (sm ? (proprietary ? 0x04 : 0x08) : 0) : (cla & 0x0C);
    out = static_cast<uint8_t>(out | sm_bits | channel);
  } else {
    out = static_cast<uint8_t>(out | 0x40 | (sm ? 0x20 : 0) | (channel - 4));
  }
  return out;
}

}  // namespace gpram::apdu
