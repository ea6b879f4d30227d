// BER-TLV (ISO/IEC 7816-4 §5.2, ITU-T X.690 §8.1) as used by GlobalPlatform and ETSI TS 102 226,
// and the COMPREHENSION-TLV of ETSI TS 101 220 §7.1.1 / TS 102 223 §C.
//
// Tags are kept as the integer of their raw bytes: 0x4F, 0x9F70, 0xBF3E, 0x7F2101.
// Decoding never copies: a Tlv's value is a view into the input. Every decoder rejects truncated
// input, lengths running past the end, tags longer than 3 bytes and length fields longer than
// 4 bytes, naming the offset. Sans-IO: no allocation on the read path.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "gpram/base/bytes.hpp"

namespace gpram::tlv {

enum class Errc {
  truncated_tag = 1,     // input ends inside a tag
  tag_too_long,          // more than 3 tag bytes
  bad_tag,               // 0x00 / 0xFF / reserved tag byte where a tag is expected
  truncated_length,      // input ends inside a length field
  bad_length,            // length field of 0x85.. / 0xFF, or non-minimal when strict
  indefinite_length,     // 0x80 where definite length is required
  value_overruns,        // length says more bytes than the input has
  trailing_data,         // bytes left after the expected element(s)
  unexpected_tag,        // a tag other than the one required
  missing_tag,           // a required tag is absent
  bad_value,             // value of a known tag malformed
};

}  // namespace gpram::tlv

GPRAM_DECLARE_ERRC(gpram::tlv);

namespace gpram::tlv {

using Tag = uint32_t;

/// Number of bytes in a tag's raw encoding (1..3).
[[nodiscard]] constexpr size_t tag_size(Tag t) noexcept {
  return t > 0xFFFF ? 3 : t > 0xFF ? 2 : 1;
}
/// True if the tag's first byte has the constructed bit (b6) set.
[[nodiscard]] constexpr bool is_constructed(Tag t) noexcept {
  const auto first = static_cast<uint8_t>(t >> (8 * (tag_size(t) - 1)));
  return (first & 0x20) != 0;
}

/// One decoded BER-TLV element.
struct Tlv {
  Tag tag = 0;
  ByteView value;     // view into the decoded buffer
  size_t offset = 0;  // offset of the first tag byte in the buffer given to the reader
  size_t header_size = 0;  // tag + length bytes

  [[nodiscard]] bool constructed() const noexcept { return is_constructed(tag); }
  [[nodiscard]] size_t size() const noexcept { return header_size + value.size(); }
};

struct ReadOptions {
  bool allow_padding = false;   // skip 0x00 / 0xFF between elements (ISO 7816-4 §5.2.2.1)
  bool strict_length = false;   // reject non-minimal length encodings (81 05, 82 00 10 ...)
};

/// Reads a BER tag at `pos`; advances pos.
[[nodiscard]] Result<Tag> read_tag(ByteView in, size_t& pos);

/// Reads a BER length at `pos`; advances pos. Returns std::nullopt for the indefinite form 0x80
/// only when `allow_indefinite` is set, else an indefinite_length error.
[[nodiscard]] Result<std::optional<size_t>> read_length(ByteView in, size_t& pos,
                                                        bool allow_indefinite = false,
                                                        bool strict = false);

/// Incremental reader over a buffer holding a sequence of TLVs.
class Reader {
 public:
  explicit Reader(ByteView in, size_t base_offset = 0, ReadOptions opts = {}) noexcept
      : in_(in), base_(base_offset), opts_(opts) {}

  [[nodiscard]] bool done() noexcept;
  /// Next element; error if malformed. After an error the reader stays at the bad element.
  [[nodiscard]] Result<Tlv> next();
  /// Next element, which must carry `tag`.
  [[nodiscard]] Result<Tlv> expect(Tag tag);
  /// Next element if it carries `tag`, else nullopt (nothing consumed).
  [[nodiscard]] Result<std::optional<Tlv>> optional(Tag tag);
  [[nodiscard]] size_t position() const noexcept { return pos_; }
  [[nodiscard]] ByteView rest() const noexcept { return in_.subspan(pos_); }

 private:
  void skip_padding() noexcept;
  ByteView in_;
  size_t pos_ = 0;
  size_t base_;
  ReadOptions opts_;
};

/// Decodes exactly one TLV that must fill the whole buffer.
[[nodiscard]] Result<Tlv> decode_one(ByteView in, ReadOptions opts = {});
/// Decodes a whole buffer as a sequence of TLVs (no recursion).
[[nodiscard]] Result<std::vector<Tlv>> decode_all(ByteView in, ReadOptions opts = {});
/// Finds the first element with `tag` among the direct children of `in`.
[[nodiscard]] Result<std::optional<Tlv>> find(ByteView in, Tag tag);

// ---- encoding ---------------------------------------------------------------------------

/// Appends a tag's raw bytes.
void append_tag(Bytes& out, Tag tag);
/// Appends a minimal BER length: 00..7F, 81 xx, 82 xxxx, 83 xxxxxx, 84 xxxxxxxx.
void append_length(Bytes& out, size_t length);
/// Size of the minimal BER length field for `length`.
[[nodiscard]] size_t length_size(size_t length) noexcept;
/// Appends tag, length and value.
void append(Bytes& out, Tag tag, ByteView value);
inline void append(Bytes& out, Tag tag, std::initializer_list<uint8_t> value) {
  append(out, tag, ByteView(value.begin(), value.size()));
}
/// Encodes one TLV.
[[nodiscard]] Bytes encode(Tag tag, ByteView value);

/// Writes a constructed TLV whose content is appended by `fill`; the length is patched after
/// (memmove if the content needs a long-form length), so nested templates need no temporaries.
template <class Fill>
void append_constructed(Bytes& out, Tag tag, Fill&& fill);

// ---- COMPREHENSION-TLV (ETSI TS 101 220 §7.1.1) --------------------------------------------

struct CTlv {
  uint16_t tag = 0;        // tag value without the CR flag (1-byte: 0x01..0x7E; 3-byte: 0x0001..0x7FFF)
  bool comprehension_required = false;
  bool three_byte_tag = false;
  ByteView value;
  size_t offset = 0;
};

/// Reads one COMPREHENSION-TLV at pos (tag byte with CR in b8, or 7F + CR|tag15; length 00..7F,
/// 81 80..FF, 82 xxxx, 83 xxxxxx). Advances pos.
[[nodiscard]] Result<CTlv> read_ctlv(ByteView in, size_t& pos);
[[nodiscard]] Result<std::vector<CTlv>> decode_all_ctlv(ByteView in);
/// Appends a COMPREHENSION-TLV (1-byte form when tag < 0x7F).
void append_ctlv(Bytes& out, uint16_t tag, bool cr, ByteView value);

// ---- template definitions -----------------------------------------------------------------

template <class Fill>
void append_constructed(Bytes& out, Tag tag, Fill&& fill) {
  append_tag(out, tag);
  const size_t len_pos = out.size();
  out.push_back(0);
  fill(out);
  const size_t content = out.size() - len_pos - 1;
  const size_t lsize = length_size(content);
  if (lsize > 1) out.insert(out.begin() + static_cast<std::ptrdiff_t>(len_pos + 1), lsize - 1, 0);
  Bytes tmp;
  append_length(tmp, content);
  for (size_t i = 0; i < tmp.size(); ++i) out[len_pos + i] = tmp[i];
}

}  // namespace gpram::tlv
