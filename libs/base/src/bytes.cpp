#include "gpram/base/bytes.hpp"

#include <fmt/format.h>

#include <cstdlib>
#include <cstring>

namespace gpram {
namespace {

const char* base_message(int ev) {
  switch (static_cast<HexErrc>(ev)) {
    case HexErrc::bad_hex: return "invalid hex character";
    case HexErrc::odd_hex_length: return "odd number of hex digits";
  }
  return "unknown error";
}


int nibble(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

const std::error_category& hex_error_category() noexcept {
  static const SimpleCategory category("gpram.base", base_message);
  return category;
}

std::string to_hex(ByteView data) {
  static constexpr char kDigits[] = "0123456789ABCDEF";
  std::string out(data.size() * 2, '\0');
  for (size_t i = 0; i < data.size(); ++i) {
    out[2 * i] = kDigits[data[i] >> 4];
    out[2 * i + 1] = kDigits[data[i] & 0x0F];
  }
  return out;
}

Result<Bytes> from_hex(std::string_view text) {
  Bytes out;
  out.reserve(text.size() / 2);
  int high = -1;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == ':') {
      if (high >= 0)
        return fail(HexErrc::odd_hex_length,
                    fmt::format("hex: separator at position {} splits a byte", i));
      continue;
    }
    const int v = nibble(c);
    if (v < 0) {
      const unsigned char uc = static_cast<unsigned char>(c);
      return fail(HexErrc::bad_hex,
                  uc >= 0x20 && uc < 0x7F
                      ? fmt::format("hex: invalid character '{}' at position {}", c, i)
                      : fmt::format("hex: invalid byte 0x{:02X} at position {}", uc, i));
    }
    if (high < 0) {
      high = v;
    } else {
      out.push_back(static_cast<uint8_t>((high << 4) | v));
      high = -1;
    }
  }
  if (high >= 0)
    return fail(HexErrc::odd_hex_length,
                fmt::format("hex: odd number of digits ({} characters)", text.size()));
  return out;
}

Bytes hex(std::string_view text) {
  auto r = from_hex(text);
  if (!r) {
    std::fprintf(stderr, "gpram: bad hex literal: %s\n", r.error().message.c_str());
    std::abort();
  }
  return std::move(*r);
}

bool equal_ct(ByteView a, ByteView b) noexcept {
  if (a.size() != b.size()) return false;
  uint8_t acc = 0;
  for (size_t i = 0; i < a.size(); ++i) acc |= static_cast<uint8_t>(a[i] ^ b[i]);
  return acc == 0;
}

void secure_wipe(std::span<uint8_t> data) noexcept {
  if (data.empty()) return;
  volatile uint8_t* p = data.data();
  for (size_t i = 0; i < data.size(); ++i) p[i] = 0;
}

}  // namespace gpram
