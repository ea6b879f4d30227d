#include "gpram/crypto/aead.hpp"

#include <fmt/format.h>
#include <nettle/gcm.h>

#include "gpram/crypto/crypto.hpp"

namespace gpram::crypto {

Result<Bytes> seal(ByteView key32, ByteView aad, ByteView plaintext) {
  if (key32.size() != 32)
    return fail(Errc::bad_key_length,
                fmt::format("crypto: AES-256-GCM key must be 32 bytes, got {}", key32.size()));
  Bytes out(kGcmNonce + plaintext.size() + kGcmTag);
  random_bytes(std::span<uint8_t>(out.data(), kGcmNonce));
  gcm_aes256_ctx ctx;
  gcm_aes256_set_key(&ctx, key32.data());
  gcm_aes256_set_iv(&ctx, kGcmNonce, out.data());
  gcm_aes256_update(&ctx, aad.size(), aad.data());
  gcm_aes256_encrypt(&ctx, plaintext.size(), out.data() + kGcmNonce, plaintext.data());
  gcm_aes256_digest(&ctx, kGcmTag, out.data() + kGcmNonce + plaintext.size());
  return out;
}

Result<Bytes> open(ByteView key32, ByteView aad, ByteView sealed) {
  if (key32.size() != 32)
    return fail(Errc::bad_key_length,
                fmt::format("crypto: AES-256-GCM key must be 32 bytes, got {}", key32.size()));
  if (sealed.size() < kGcmNonce + kGcmTag)
    return fail(Errc::bad_data_length,
                fmt::format("crypto: sealed blob of {} bytes is shorter than nonce + tag",
                            sealed.size()));
  const size_t n = sealed.size() - kGcmNonce - kGcmTag;
  Bytes out(n);
  gcm_aes256_ctx ctx;
  gcm_aes256_set_key(&ctx, key32.data());
  gcm_aes256_set_iv(&ctx, kGcmNonce, sealed.data());
  gcm_aes256_update(&ctx, aad.size(), aad.data());
  gcm_aes256_decrypt(&ctx, n, out.data(), sealed.data() + kGcmNonce);
  uint8_t tag[kGcmTag];
  gcm_aes256_digest(&ctx, kGcmTag, tag);
  if (!equal_ct(ByteView(tag, kGcmTag), sealed.subspan(kGcmNonce + n))) {
    secure_wipe(out);
    return fail(Errc::bad_padding,
                "crypto: authentication tag mismatch (wrong master key or tampered data)");
  }
  return out;
}

}  // namespace gpram::crypto
