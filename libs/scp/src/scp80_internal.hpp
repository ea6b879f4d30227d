// Private helpers shared by the SCP80 sources.
#pragma once

#include "gpram/scp/scp80.hpp"

namespace gpram::scp80::detail {

[[nodiscard]] size_t block_size(CipherAlg alg) noexcept;
/// (De)ciphers with the KIc algorithm, IV 0; data must be block-aligned.
[[nodiscard]] Result<Bytes> cipher(uint8_t kic, ByteView key, ByteView data, bool encrypt);
/// RC/CC over `input` (empty for Integrity::none).
[[nodiscard]] Result<Bytes> checksum(uint8_t kid, Integrity integrity, ByteView key,
                                     ByteView input);
[[nodiscard]] std::string tar_hex(const Tar& tar);

inline constexpr uint8_t kUdhPor[3] = {0x02, 0x71, 0x00};  // TS 31.115 RPI header

inline void append_counter(Bytes& out, uint64_t c) {
  for (int i = 4; i >= 0; --i) out.push_back(static_cast<uint8_t>(c >> (8 * i)));
}
inline uint64_t load_counter(const uint8_t* p) noexcept {
  uint64_t c = 0;
  for (int i = 0; i < 5; ++i) c = (c << 8) | p[i];
  return c;
}

}  // namespace gpram::scp80::detail
