// AES-256-GCM (NIST SP 800-38D) through nettle: protects secrets at rest (card PSKs, SCP keys)
// under the server's master key.
#pragma once

#include "gpram/base/bytes.hpp"

namespace gpram::crypto {

inline constexpr size_t kGcmNonce = 12;
inline constexpr size_t kGcmTag = 16;

/// Returns nonce(12) ‖ ciphertext ‖ tag(16), with a fresh random nonce.
[[nodiscard]] Result<Bytes> seal(ByteView key32, ByteView aad, ByteView plaintext);
/// Opens what seal() produced; fails (without releasing any plaintext) if the tag is wrong.
[[nodiscard]] Result<Bytes> open(ByteView key32, ByteView aad, ByteView sealed);

}  // namespace gpram::crypto
