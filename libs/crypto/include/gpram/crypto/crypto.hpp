// The one seam over the crypto library (nettle for block ciphers, MACs and hashes; GnuTLS for
// randomness). No primitive is implemented here: each function wraps nettle. Keeping every
// primitive behind these functions lets a PKCS#11 back end serve keys later without touching the
// secure-channel code.
//
// Key lengths: AES 16/24/32 bytes; DES 8 bytes; 3DES 16 (two-key, K1 K2 K1) or 24 bytes.
// Data for ECB/CBC must be a whole number of blocks (callers pad; see pad80()).
#pragma once

#include <cstdint>
#include <span>

#include "gpram/base/bytes.hpp"
#include "gpram/base/clock.hpp"

namespace gpram::crypto {

enum class Errc {
  bad_key_length = 1,
  bad_data_length,
  bad_iv_length,
  bad_padding,
};

}  // namespace gpram::crypto

GPRAM_DECLARE_ERRC(gpram::crypto);

namespace gpram::crypto {

inline constexpr size_t kAesBlock = 16;
inline constexpr size_t kDesBlock = 8;

// ---- AES ---------------------------------------------------------------------------------
[[nodiscard]] Result<Bytes> aes_ecb_encrypt(ByteView key, ByteView data);
[[nodiscard]] Result<Bytes> aes_ecb_decrypt(ByteView key, ByteView data);
[[nodiscard]] Result<Bytes> aes_cbc_encrypt(ByteView key, ByteView iv, ByteView data);
[[nodiscard]] Result<Bytes> aes_cbc_decrypt(ByteView key, ByteView iv, ByteView data);
/// AES-CMAC (NIST SP 800-38B), full 16-byte tag.
[[nodiscard]] Result<Bytes> aes_cmac(ByteView key, ByteView data);

// ---- DES / 3DES (key length selects single DES or 3DES) ----------------------------------
[[nodiscard]] Result<Bytes> des_ecb_encrypt(ByteView key, ByteView data);
[[nodiscard]] Result<Bytes> des_ecb_decrypt(ByteView key, ByteView data);
[[nodiscard]] Result<Bytes> des_cbc_encrypt(ByteView key, ByteView iv, ByteView data);
[[nodiscard]] Result<Bytes> des_cbc_decrypt(ByteView key, ByteView iv, ByteView data);
/// Full (3)DES CBC-MAC with IV `iv`, no padding applied: the last cipher block (8 bytes).
[[nodiscard]] Result<Bytes> des_cbc_mac(ByteView key, ByteView iv, ByteView data);
/// ISO 9797-1 MAC algorithm 3 ("retail MAC"): single DES CBC with key[0..8), then the last block
/// decrypted with key[8..16) and encrypted with key[0..8). No padding applied. key: 16 bytes.
[[nodiscard]] Result<Bytes> des_retail_mac(ByteView key, ByteView iv, ByteView data);

// ---- hashes ------------------------------------------------------------------------------
[[nodiscard]] Bytes sha1(ByteView data);
[[nodiscard]] Bytes sha256(ByteView data);

// ---- padding -----------------------------------------------------------------------------
/// ISO 9797-1 method 2: appends 80 then 00s up to a multiple of `block`.
[[nodiscard]] Bytes pad80(ByteView data, size_t block);
/// Removes method-2 padding; error if absent or malformed.
[[nodiscard]] Result<Bytes> unpad80(ByteView data, size_t block);

// ---- key check values (GlobalPlatform Card Spec v2.3 §11.8.2.3 / Amd D) -------------------
/// DES/3DES KCV: 3DES-ECB of eight 00 bytes, first 3 bytes.
[[nodiscard]] Result<Bytes> kcv_des(ByteView key);
/// AES KCV: AES-ECB of sixteen 01 bytes, first 3 bytes.
[[nodiscard]] Result<Bytes> kcv_aes(ByteView key);
/// PSK-TLS key (type 85) KCV of Amd B Table 3-11: first 3 bytes of SHA-1(key).
[[nodiscard]] Bytes kcv_sha1(ByteView key);

// ---- randomness --------------------------------------------------------------------------
/// Cryptographic random bytes (GnuTLS gnutls_rnd, GNUTLS_RND_KEY level).
void random_bytes(std::span<uint8_t> out);

/// gpram::Random backed by random_bytes().
class SystemRandom final : public Random {
 public:
  void fill(std::span<uint8_t> out) override { random_bytes(out); }
};

}  // namespace gpram::crypto
