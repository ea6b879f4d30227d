// CRC16 (ISO/IEC 13239) and CRC32 (ISO 3309) for the SCP80 redundancy check; see crc.hpp.
#include "gpram/scp/crc.hpp"

#include <array>

namespace gpram::scp80 {
namespace {

constexpr std::array<uint32_t, 256> make_table(uint32_t poly) {
  std::array<uint32_t, 256> t{};
  for (uint32_t i = 0; i < 256; ++i) {
    uint32_t c = i;
    for (int k = 0; k < 8; ++k) c = (c & 1u) ? (c >> 1) ^ poly : c >> 1;
    t[i] = c;
  }
  return t;
}

constexpr auto kCrc16Table = make_table(0x8408u);
constexpr auto kCrc32Table = make_table(0xEDB88320u);

}  // namespace

uint16_t crc16(ByteView data) noexcept {
  uint32_t c = 0xFFFFu;
  for (uint8_t b : data) c = (c >> 8) ^ kCrc16Table[(c ^ b) & 0xFFu];
  return static_cast<uint16_t>(c ^ 0xFFFFu);
}

uint32_t crc32(ByteView data) noexcept {
  uint32_t c = 0xFFFFFFFFu;
  for (uint8_t b : data) c = (c >> 8) ^ kCrc32Table[(c ^ b) & 0xFFu];
  return c ^ 0xFFFFFFFFu;
}

}  // namespace gpram::scp80
