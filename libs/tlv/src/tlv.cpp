// BER-TLV and COMPREHENSION-TLV codec. References: ISO/IEC 7816-4:2013 §5.2 (BER-TLV data
// objects), ITU-T X.690 §8.1.2-8.1.3 (identifier and length octets), ETSI TS 101 220 §7.1.1
// (COMPREHENSION-TLV), ETSI TS 102 223 Annex C (tag coding).
#include "gpram/tlv/tlv.hpp"

#include <fmt/format.h>

namespace gpram::tlv {
namespace {

const char* tlv_message(int ev) {
  switch (static_cast<Errc>(ev)) {
    case Errc::truncated_tag: return "TLV: input ends inside a tag";
    case Errc::tag_too_long: return "TLV: tag longer than 3 bytes";
    case Errc::bad_tag: return "TLV: invalid tag byte";
    case Errc::truncated_length: return "TLV: input ends inside a length field";
    case Errc::bad_length: return "TLV: invalid length field";
    case Errc::indefinite_length: return "TLV: indefinite length not allowed here";
    case Errc::value_overruns: return "TLV: value runs past the end of the input";
    case Errc::trailing_data: return "TLV: unexpected bytes after the data";
    case Errc::unexpected_tag: return "TLV: unexpected tag";
    case Errc::missing_tag: return "TLV: required tag missing";
    case Errc::bad_value: return "TLV: malformed value";
  }
  return "TLV: unknown error";
}


std::string tag_hex(Tag t) {
  return fmt::format("{:0{}X}", t, 2 * tag_size(t));
}

}  // namespace

const std::error_category& error_category() noexcept {
  static const SimpleCategory category("gpram.tlv", tlv_message);
  return category;
}

Result<Tag> read_tag(ByteView in, size_t& pos) {
  const size_t start = pos;
  if (pos >= in.size())
    return fail(Errc::truncated_tag, fmt::format("TLV: expected a tag at offset {}, input ends", pos));
  Tag tag = in[pos++];
  if ((tag & 0x1F) != 0x1F) return tag;
  // Multi-byte tag: subsequent bytes while b8 set (X.690 §8.1.2.4).
  for (int i = 0; i < 2; ++i) {
    if (pos >= in.size())
      return fail(Errc::truncated_tag,
                  fmt::format("TLV: tag starting {} at offset {} is cut off", tag_hex(tag), start));
    const uint8_t b = in[pos++];
    tag = (tag << 8) | b;
    if ((b & 0x80) == 0) return tag;
  }
  return fail(Errc::tag_too_long,
              fmt::format("TLV: tag at offset {} is longer than 3 bytes ({}...)", start, tag_hex(tag)));
}

Result<std::optional<size_t>> read_length(ByteView in, size_t& pos, bool allow_indefinite,
                                          bool strict) {
  const size_t start = pos;
  if (pos >= in.size())
    return fail(Errc::truncated_length,
                fmt::format("TLV: expected a length at offset {}, input ends", pos));
  const uint8_t first = in[pos++];
  if (first < 0x80) return std::optional<size_t>(first);
  if (first == 0x80) {
    if (allow_indefinite) return std::optional<size_t>();
    return fail(Errc::indefinite_length,
                fmt::format("TLV: indefinite length (80) at offset {} where a definite length is "
                            "required",
                            start));
  }
  const size_t n = first & 0x7F;
  if (n > 4)
    return fail(Errc::bad_length,
                fmt::format("TLV: length field {:02X} at offset {} announces {} length bytes "
                            "(at most 4 supported)",
                            first, start, n));
  if (in.size() - pos < n)
    return fail(Errc::truncated_length,
                fmt::format("TLV: length field at offset {} needs {} bytes, {} left", start, n,
                            in.size() - pos));
  size_t len = 0;
  for (size_t i = 0; i < n; ++i) len = (len << 8) | in[pos++];
  if (strict && (len < 0x80 || (n > 1 && (len >> (8 * (n - 1))) == 0)))
    return fail(Errc::bad_length,
                fmt::format("TLV: non-minimal length encoding at offset {} ({} bytes for {})",
                            start, n + 1, len));
  return std::optional<size_t>(len);
}

void Reader::skip_padding() noexcept {
  if (!opts_.allow_padding) return;
  while (pos_ < in_.size() && (in_[pos_] == 0x00 || in_[pos_] == 0xFF)) ++pos_;
}

bool Reader::done() noexcept {
  skip_padding();
  return pos_ >= in_.size();
}

Result<Tlv> Reader::next() {
  skip_padding();
  size_t p = pos_;
  auto tag = read_tag(in_, p);
  if (!tag) {
    tag.error().message = fmt::format("{} (element at offset {})", tag.error().message, base_ + pos_);
    return fail(std::move(tag.error()));
  }
  if (*tag == 0x00 || *tag == 0xFF)
    return fail(Errc::bad_tag,
                fmt::format("TLV: invalid tag {:02X} at offset {}", *tag, base_ + pos_));
  auto len = read_length(in_, p, false, opts_.strict_length);
  if (!len) {
    len.error().message += fmt::format(" (tag {})", tag_hex(*tag));
    return fail(std::move(len.error()));
  }
  const size_t l = **len;
  if (in_.size() - p < l)
    return fail(Errc::value_overruns,
                fmt::format("TLV: tag {} at offset {} has length {} but only {} bytes follow",
                            tag_hex(*tag), base_ + pos_, l, in_.size() - p));
  Tlv t;
  t.tag = *tag;
  t.offset = base_ + pos_;
  t.header_size = p - pos_;
  t.value = in_.subspan(p, l);
  pos_ = p + l;
  return t;
}

Result<Tlv> Reader::expect(Tag tag) {
  if (done())
    return fail(Errc::missing_tag,
                fmt::format("TLV: expected tag {} at offset {}, input ends", tag_hex(tag),
                            base_ + pos_));
  const size_t save = pos_;
  auto t = next();
  if (!t) return t;
  if (t->tag != tag) {
    pos_ = save;
    return fail(Errc::unexpected_tag,
                fmt::format("TLV: expected tag {} at offset {}, found {}", tag_hex(tag),
                            t->offset, tag_hex(t->tag)));
  }
  return t;
}

Result<std::optional<Tlv>> Reader::optional(Tag tag) {
  if (done()) return std::optional<Tlv>();
  const size_t save = pos_;
  auto t = next();
  if (!t) {
    pos_ = save;
    return fail(std::move(t.error()));
  }
  if (t->tag != tag) {
    pos_ = save;
    return std::optional<Tlv>();
  }
  return std::optional<Tlv>(*t);
}

Result<Tlv> decode_one(ByteView in, ReadOptions opts) {
  Reader r(in, 0, opts);
  auto t = r.next();
  if (!t) return t;
  if (!r.done())
    return fail(Errc::trailing_data,
                fmt::format("TLV: {} unexpected bytes after tag {} (from offset {})",
                            in.size() - r.position(), tag_hex(t->tag), r.position()));
  return t;
}

Result<std::vector<Tlv>> decode_all(ByteView in, ReadOptions opts) {
  std::vector<Tlv> out;
  Reader r(in, 0, opts);
  while (!r.done()) {
    auto t = r.next();
    if (!t) return fail(std::move(t.error()));
    out.push_back(*t);
  }
  return out;
}

Result<std::optional<Tlv>> find(ByteView in, Tag tag) {
  Reader r(in);
  while (!r.done()) {
    auto t = r.next();
    if (!t) return fail(std::move(t.error()));
    if (t->tag == tag) return std::optional<Tlv>(*t);
  }
  return std::optional<Tlv>();
}

void append_tag(Bytes& out, Tag tag) {
  const size_t n = tag_size(tag);
  for (size_t i = n; i-- > 0;) out.push_back(static_cast<uint8_t>(tag >> (8 * i)));
}

size_t length_size(size_t length) noexcept {
  if (length < 0x80) return 1;
  if (length <= 0xFF) return 2;
  if (length <= 0xFFFF) return 3;
  if (length <= 0xFFFFFF) return 4;
  return 5;
}

void append_length(Bytes& out, size_t length) {
  const size_t n = length_size(length);
  if (n == 1) {
    out.push_back(static_cast<uint8_t>(length));
    return;
  }
  out.push_back(static_cast<uint8_t>(0x80 | (n - 1)));
  for (size_t i = n - 1; i-- > 0;) out.push_back(static_cast<uint8_t>(length >> (8 * i)));
}

void append(Bytes& out, Tag tag, ByteView value) {
  append_tag(out, tag);
  append_length(out, value.size());
  out.insert(out.end(), value.begin(), value.end());
}

Bytes encode(Tag tag, ByteView value) {
  Bytes out;
  out.reserve(tag_size(tag) + length_size(value.size()) + value.size());
  append(out, tag, value);
  return out;
}

// ---- COMPREHENSION-TLV ------------------------------------------------------------------

Result<CTlv> read_ctlv(ByteView in, size_t& pos) {
  const size_t start = pos;
  if (pos >= in.size())
    return fail(Errc::truncated_tag,
                fmt::format("COMPREHENSION-TLV: expected a tag at offset {}, input ends", pos));
  CTlv t;
  t.offset = start;
  const uint8_t b = in[pos++];
  if (b == 0x00 || b == 0xFF || b == 0x80)
    return fail(Errc::bad_tag, fmt::format("COMPREHENSION-TLV: reserved tag byte {:02X} at offset {}",
                                           b, start));
  if (b == 0x7F) {
    if (in.size() - pos < 2)
      return fail(Errc::truncated_tag,
                  fmt::format("COMPREHENSION-TLV: three-byte tag at offset {} is cut off", start));
    const uint16_t v = load_u16(&in[pos]);
    pos += 2;
    t.three_byte_tag = true;
    t.comprehension_required = (v & 0x8000) != 0;
    t.tag = v & 0x7FFF;
  } else {
    t.comprehension_required = (b & 0x80) != 0;
    t.tag = b & 0x7F;
  }
  // Length: 00..7F | 81 80..FF | 82 0100..FFFF | 83 010000..FFFFFF (TS 101 220 §7.1.2).
  if (pos >= in.size())
    return fail(Errc::truncated_length,
                fmt::format("COMPREHENSION-TLV: tag {:02X} at offset {} has no length", t.tag, start));
  const uint8_t l0 = in[pos++];
  size_t len = 0;
  if (l0 < 0x80) {
    len = l0;
  } else if (l0 >= 0x81 && l0 <= 0x83) {
    const size_t n = l0 & 0x7F;
    if (in.size() - pos < n)
      return fail(Errc::truncated_length,
                  fmt::format("COMPREHENSION-TLV: length field at offset {} is cut off", pos - 1));
    for (size_t i = 0; i < n; ++i) len = (len << 8) | in[pos++];
    if (n == 1 && len < 0x80)
      return fail(Errc::bad_length,
                  fmt::format("COMPREHENSION-TLV: length 81 {:02X} at offset {} must use the "
                              "one-byte form",
                              len, start));
  } else {
    return fail(Errc::bad_length,
                fmt::format("COMPREHENSION-TLV: invalid length byte {:02X} at offset {}", l0, pos - 1));
  }
  if (in.size() - pos < len)
    return fail(Errc::value_overruns,
                fmt::format("COMPREHENSION-TLV: tag {:02X} at offset {} has length {} but only {} "
                            "bytes follow",
                            t.tag, start, len, in.size() - pos));
  t.value = in.subspan(pos, len);
  pos += len;
  return t;
}

Result<std::vector<CTlv>> decode_all_ctlv(ByteView in) {
  std::vector<CTlv> out;
  size_t pos = 0;
  while (pos < in.size()) {
    auto t = read_ctlv(in, pos);
    if (!t) return fail(std::move(t.error()));
    out.push_back(*t);
  }
  return out;
}

void append_ctlv(Bytes& out, uint16_t tag, bool cr, ByteView value) {
  if (tag < 0x7F && tag != 0) {
    out.push_back(static_cast<uint8_t>(tag | (cr ? 0x80 : 0)));
  } else {
    out.push_back(0x7F);
    append_u16(out, static_cast<uint16_t>(tag | (cr ? 0x8000 : 0)));
  }
  append_length(out, value.size());
  out.insert(out.end(), value.begin(), value.end());
}

}  // namespace gpram::tlv
