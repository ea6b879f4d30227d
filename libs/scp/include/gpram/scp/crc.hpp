// Redundancy checks (RC) of ETSI TS 102 225 §5.1.3.2: CRC16 per ISO/IEC 13239 and CRC32 per
// ISO 3309. Checksums, not cryptography: small table-free bitwise implementations.
//   CRC16: poly 0x1021 (reflected 0x8408), init FFFF, reflected, final XOR FFFF
//          (CRC-16/IBM-SDLC, a.k.a. X-25; check value of "123456789" = 906E).
//   CRC32: poly 0x04C11DB7 (reflected 0xEDB88320), init FFFFFFFF, reflected, final XOR FFFFFFFF
//          (CRC-32/ISO-HDLC, zlib's crc32; check value of "123456789" = CBF43926).
#pragma once

#include <cstdint>

#include "gpram/base/bytes.hpp"

namespace gpram::scp80 {

[[nodiscard]] uint16_t crc16(ByteView data) noexcept;
[[nodiscard]] uint32_t crc32(ByteView data) noexcept;

}  // namespace gpram::scp80
