// Byte strings, hex conversion and big-endian field helpers.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "gpram/base/error.hpp"

namespace gpram {

using Bytes = std::vector<uint8_t>;
using ByteView = std::span<const uint8_t>;

enum class HexErrc {
  bad_hex = 1,
  odd_hex_length,
};

}  // namespace gpram

namespace gpram {
const std::error_category& hex_error_category() noexcept;
inline std::error_code make_error_code(HexErrc e) noexcept {
  return {static_cast<int>(e), hex_error_category()};
}
}  // namespace gpram
template <>
struct std::is_error_code_enum<gpram::HexErrc> : std::true_type {};

namespace gpram {

/// Uppercase hex, no separators (the convention of every gpram output).
[[nodiscard]] std::string to_hex(ByteView data);

/// Parses hex, case-insensitive; spaces, tabs, newlines and ':' between byte pairs are ignored.
/// Errors name the offending character position.
[[nodiscard]] Result<Bytes> from_hex(std::string_view text);

/// Parses hex that is known to be valid (literals in code and tests); aborts otherwise.
[[nodiscard]] Bytes hex(std::string_view text);

inline ByteView as_bytes(std::string_view s) noexcept {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}
inline std::string_view as_chars(ByteView b) noexcept {
  return {reinterpret_cast<const char*>(b.data()), b.size()};
}

inline void append(Bytes& out, ByteView data) { out.insert(out.end(), data.begin(), data.end()); }
inline void append_u8(Bytes& out, uint8_t v) { out.push_back(v); }
inline void append_u16(Bytes& out, uint16_t v) {
  out.push_back(static_cast<uint8_t>(v >> 8));
  out.push_back(static_cast<uint8_t>(v));
}
inline void append_u24(Bytes& out, uint32_t v) {
  out.push_back(static_cast<uint8_t>(v >> 16));
  out.push_back(static_cast<uint8_t>(v >> 8));
  out.push_back(static_cast<uint8_t>(v));
}
inline void append_u32(Bytes& out, uint32_t v) {
  append_u16(out, static_cast<uint16_t>(v >> 16));
  append_u16(out, static_cast<uint16_t>(v));
}
inline uint16_t load_u16(const uint8_t* p) noexcept {
  return static_cast<uint16_t>((p[0] << 8) | p[1]);
}
inline uint32_t load_u24(const uint8_t* p) noexcept {
  return (uint32_t{p[0]} << 16) | (uint32_t{p[1]} << 8) | p[2];
}
inline uint32_t load_u32(const uint8_t* p) noexcept {
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | p[3];
}

/// Constant-time comparison for MACs and cryptograms.
[[nodiscard]] bool equal_ct(ByteView a, ByteView b) noexcept;

/// Overwrites a buffer holding key material so the compiler cannot drop the store.
void secure_wipe(std::span<uint8_t> data) noexcept;

}  // namespace gpram
