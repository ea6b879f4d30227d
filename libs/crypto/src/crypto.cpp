#include "gpram/crypto/crypto.hpp"

#include <fmt/format.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <nettle/aes.h>
#include <nettle/cbc.h>
#include <nettle/cmac.h>
#include <nettle/des.h>
#include <nettle/sha1.h>
#include <nettle/sha2.h>

#include <cstdlib>
#include <cstring>
#include <variant>

namespace gpram::crypto {
namespace {

const char* crypto_message(int ev) {
  switch (static_cast<Errc>(ev)) {
    case Errc::bad_key_length: return "crypto: invalid key length";
    case Errc::bad_data_length: return "crypto: data is not a whole number of blocks";
    case Errc::bad_iv_length: return "crypto: invalid IV length";
    case Errc::bad_padding: return "crypto: invalid padding";
  }
  return "crypto: unknown error";
}


// Type-erased AES key schedule for 128/192/256-bit keys.
struct AesKey {
  std::variant<aes128_ctx, aes192_ctx, aes256_ctx> enc;
  std::variant<aes128_ctx, aes192_ctx, aes256_ctx> dec;
};

Result<AesKey> aes_key(ByteView key, bool for_decrypt) {
  AesKey k;
  switch (key.size()) {
    case 16: {
      aes128_ctx c;
      if (for_decrypt) aes128_set_decrypt_key(&c, key.data()); else aes128_set_encrypt_key(&c, key.data());
      (for_decrypt ? k.dec : k.enc) = c;
      break;
    }
    case 24: {
      aes192_ctx c;
      if (for_decrypt) aes192_set_decrypt_key(&c, key.data()); else aes192_set_encrypt_key(&c, key.data());
      (for_decrypt ? k.dec : k.enc) = c;
      break;
    }
    case 32: {
      aes256_ctx c;
      if (for_decrypt) aes256_set_decrypt_key(&c, key.data()); else aes256_set_encrypt_key(&c, key.data());
      (for_decrypt ? k.dec : k.enc) = c;
      break;
    }
    default:
      return fail(Errc::bad_key_length,
                  fmt::format("crypto: AES key must be 16, 24 or 32 bytes, got {}", key.size()));
  }
  return k;
}

void aes_encrypt_blocks(const std::variant<aes128_ctx, aes192_ctx, aes256_ctx>& v, size_t n,
                        uint8_t* dst, const uint8_t* src) {
  std::visit(
      [&](const auto& c) {
        using T = std::decay_t<decltype(c)>;
        if constexpr (std::is_same_v<T, aes128_ctx>) aes128_encrypt(&c, n, dst, src);
        else if constexpr (std::is_same_v<T, aes192_ctx>) aes192_encrypt(&c, n, dst, src);
        else aes256_encrypt(&c, n, dst, src);
      },
      v);
}
void aes_decrypt_blocks(const std::variant<aes128_ctx, aes192_ctx, aes256_ctx>& v, size_t n,
                        uint8_t* dst, const uint8_t* src) {
  std::visit(
      [&](const auto& c) {
        using T = std::decay_t<decltype(c)>;
        if constexpr (std::is_same_v<T, aes128_ctx>) aes128_decrypt(&c, n, dst, src);
        else if constexpr (std::is_same_v<T, aes192_ctx>) aes192_decrypt(&c, n, dst, src);
        else aes256_decrypt(&c, n, dst, src);
      },
      v);
}

Result<void> check_blocks(ByteView data, size_t block, const char* what) {
  if (data.size() % block != 0)
    return fail(Errc::bad_data_length,
                fmt::format("crypto: {} input of {} bytes is not a multiple of {}", what,
                            data.size(), block));
  return {};
}

// DES or 3DES key schedule, with a uniform block function.
struct DesKey {
  bool triple = false;
  des_ctx single{};
  des3_ctx triple_ctx{};
};

Result<DesKey> des_key(ByteView key) {
  DesKey k;
  switch (key.size()) {
    case 8:
      des_set_key(&k.single, key.data());  // weak keys are accepted: cards decide, not us
      break;
    case 16: {
      uint8_t k3[24];
      std::memcpy(k3, key.data(), 16);
      std::memcpy(k3 + 16, key.data(), 8);
      des3_set_key(&k.triple_ctx, k3);
      secure_wipe(k3);
      k.triple = true;
      break;
    }
    case 24:
      des3_set_key(&k.triple_ctx, key.data());
      k.triple = true;
      break;
    default:
      return fail(Errc::bad_key_length,
                  fmt::format("crypto: DES key must be 8, 16 or 24 bytes, got {}", key.size()));
  }
  return k;
}

void des_enc(const DesKey& k, size_t n, uint8_t* dst, const uint8_t* src) {
  if (k.triple) des3_encrypt(&k.triple_ctx, n, dst, src); else des_encrypt(&k.single, n, dst, src);
}
void des_dec(const DesKey& k, size_t n, uint8_t* dst, const uint8_t* src) {
  if (k.triple) des3_decrypt(&k.triple_ctx, n, dst, src); else des_decrypt(&k.single, n, dst, src);
}

template <class Enc>
Bytes cbc_encrypt(Enc&& enc, size_t bs, ByteView iv, ByteView data) {
  Bytes out(data.size());
  uint8_t chain[16];
  std::memcpy(chain, iv.data(), bs);
  for (size_t off = 0; off < data.size(); off += bs) {
    for (size_t i = 0; i < bs; ++i) chain[i] ^= data[off + i];
    enc(bs, chain, chain);
    std::memcpy(&out[off], chain, bs);
  }
  return out;
}
template <class Dec>
Bytes cbc_decrypt(Dec&& dec, size_t bs, ByteView iv, ByteView data) {
  Bytes out(data.size());
  uint8_t prev[16];
  std::memcpy(prev, iv.data(), bs);
  for (size_t off = 0; off < data.size(); off += bs) {
    uint8_t blk[16];
    dec(bs, blk, &data[off]);
    for (size_t i = 0; i < bs; ++i) out[off + i] = static_cast<uint8_t>(blk[i] ^ prev[i]);
    std::memcpy(prev, &data[off], bs);
  }
  return out;
}

}  // namespace

const std::error_category& error_category() noexcept {
  static const SimpleCategory category("gpram.crypto", crypto_message);
  return category;
}

Result<Bytes> aes_ecb_encrypt(ByteView key, ByteView data) {
  auto k = aes_key(key, false);
  if (!k) return fail(k.error());
  if (auto c = check_blocks(data, kAesBlock, "AES-ECB"); !c) return fail(c.error());
  Bytes out(data.size());
  aes_encrypt_blocks(k->enc, data.size(), out.data(), data.data());
  return out;
}

Result<Bytes> aes_ecb_decrypt(ByteView key, ByteView data) {
  auto k = aes_key(key, true);
  if (!k) return fail(k.error());
  if (auto c = check_blocks(data, kAesBlock, "AES-ECB"); !c) return fail(c.error());
  Bytes out(data.size());
  aes_decrypt_blocks(k->dec, data.size(), out.data(), data.data());
  return out;
}

Result<Bytes> aes_cbc_encrypt(ByteView key, ByteView iv, ByteView data) {
  auto k = aes_key(key, false);
  if (!k) return fail(k.error());
  if (iv.size() != kAesBlock)
    return fail(Errc::bad_iv_length, fmt::format("crypto: AES IV must be 16 bytes, got {}", iv.size()));
  if (auto c = check_blocks(data, kAesBlock, "AES-CBC"); !c) return fail(c.error());
  return cbc_encrypt([&](size_t n, uint8_t* d, const uint8_t* s) { aes_encrypt_blocks(k->enc, n, d, s); },
                     kAesBlock, iv, data);
}

Result<Bytes> aes_cbc_decrypt(ByteView key, ByteView iv, ByteView data) {
  auto k = aes_key(key, true);
  if (!k) return fail(k.error());
  if (iv.size() != kAesBlock)
    return fail(Errc::bad_iv_length, fmt::format("crypto: AES IV must be 16 bytes, got {}", iv.size()));
  if (auto c = check_blocks(data, kAesBlock, "AES-CBC"); !c) return fail(c.error());
  return cbc_decrypt([&](size_t n, uint8_t* d, const uint8_t* s) { aes_decrypt_blocks(k->dec, n, d, s); },
                     kAesBlock, iv, data);
}

Result<Bytes> aes_cmac(ByteView key, ByteView data) {
  Bytes out(16);
  switch (key.size()) {
    case 16: {
      cmac_aes128_ctx c;
      cmac_aes128_set_key(&c, key.data());
      cmac_aes128_update(&c, data.size(), data.data());
      cmac_aes128_digest(&c, 16, out.data());
      return out;
    }
    case 24: {
      struct CMAC128_CTX(struct aes192_ctx) c;
      CMAC128_SET_KEY(&c, aes192_set_encrypt_key, aes192_encrypt, key.data());
      CMAC128_UPDATE(&c, aes192_encrypt, data.size(), data.data());
      CMAC128_DIGEST(&c, aes192_encrypt, 16, out.data());
      return out;
    }
    case 32: {
      cmac_aes256_ctx c;
      cmac_aes256_set_key(&c, key.data());
      cmac_aes256_update(&c, data.size(), data.data());
      cmac_aes256_digest(&c, 16, out.data());
      return out;
    }
    default:
      return fail(Errc::bad_key_length,
                  fmt::format("crypto: AES-CMAC key must be 16, 24 or 32 bytes, got {}", key.size()));
  }
}

Result<Bytes> des_ecb_encrypt(ByteView key, ByteView data) {
  auto k = des_key(key);
  if (!k) return fail(k.error());
  if (auto c = check_blocks(data, kDesBlock, "DES-ECB"); !c) return fail(c.error());
  Bytes out(data.size());
  des_enc(*k, data.size(), out.data(), data.data());
  return out;
}

Result<Bytes> des_ecb_decrypt(ByteView key, ByteView data) {
  auto k = des_key(key);
  if (!k) return fail(k.error());
  if (auto c = check_blocks(data, kDesBlock, "DES-ECB"); !c) return fail(c.error());
  Bytes out(data.size());
  des_dec(*k, data.size(), out.data(), data.data());
  return out;
}

Result<Bytes> des_cbc_encrypt(ByteView key, ByteView iv, ByteView data) {
  auto k = des_key(key);
  if (!k) return fail(k.error());
  if (iv.size() != kDesBlock)
    return fail(Errc::bad_iv_length, fmt::format("crypto: DES IV must be 8 bytes, got {}", iv.size()));
  if (auto c = check_blocks(data, kDesBlock, "DES-CBC"); !c) return fail(c.error());
  return cbc_encrypt([&](size_t n, uint8_t* d, const uint8_t* s) { des_enc(*k, n, d, s); }, kDesBlock,
                     iv, data);
}

Result<Bytes> des_cbc_decrypt(ByteView key, ByteView iv, ByteView data) {
  auto k = des_key(key);
  if (!k) return fail(k.error());
  if (iv.size() != kDesBlock)
    return fail(Errc::bad_iv_length, fmt::format("crypto: DES IV must be 8 bytes, got {}", iv.size()));
  if (auto c = check_blocks(data, kDesBlock, "DES-CBC"); !c) return fail(c.error());
  return cbc_decrypt([&](size_t n, uint8_t* d, const uint8_t* s) { des_dec(*k, n, d, s); }, kDesBlock,
                     iv, data);
}

Result<Bytes> des_cbc_mac(ByteView key, ByteView iv, ByteView data) {
  auto c = des_cbc_encrypt(key, iv, data);
  if (!c) return c;
  if (c->empty()) return Bytes(iv.begin(), iv.end());
  return Bytes(c->end() - 8, c->end());
}

Result<Bytes> des_retail_mac(ByteView key, ByteView iv, ByteView data) {
  if (key.size() != 16)
    return fail(Errc::bad_key_length,
                fmt::format("crypto: retail MAC key must be 16 bytes, got {}", key.size()));
  if (iv.size() != kDesBlock)
    return fail(Errc::bad_iv_length, fmt::format("crypto: DES IV must be 8 bytes, got {}", iv.size()));
  if (auto c = check_blocks(data, kDesBlock, "retail MAC"); !c) return fail(c.error());
  des_ctx k1, k2;
  des_set_key(&k1, key.data());
  des_set_key(&k2, key.data() + 8);
  uint8_t chain[8];
  std::memcpy(chain, iv.data(), 8);
  for (size_t off = 0; off < data.size(); off += 8) {
    for (size_t i = 0; i < 8; ++i) chain[i] ^= data[off + i];
    des_encrypt(&k1, 8, chain, chain);
  }
  des_decrypt(&k2, 8, chain, chain);
  des_encrypt(&k1, 8, chain, chain);
  return Bytes(chain, chain + 8);
}

Bytes sha1(ByteView data) {
  sha1_ctx c;
  sha1_init(&c);
  sha1_update(&c, data.size(), data.data());
  Bytes out(SHA1_DIGEST_SIZE);
  sha1_digest(&c, out.size(), out.data());
  return out;
}

Bytes sha256(ByteView data) {
  sha256_ctx c;
  sha256_init(&c);
  sha256_update(&c, data.size(), data.data());
  Bytes out(SHA256_DIGEST_SIZE);
  sha256_digest(&c, out.size(), out.data());
  return out;
}

Bytes pad80(ByteView data, size_t block) {
  Bytes out(data.begin(), data.end());
  out.push_back(0x80);
  while (out.size() % block) out.push_back(0x00);
  return out;
}

Result<Bytes> unpad80(ByteView data, size_t block) {
  if (data.empty() || data.size() % block)
    return fail(Errc::bad_padding,
                fmt::format("crypto: padded data of {} bytes is not a multiple of {}", data.size(), block));
  size_t i = data.size();
  while (i > 0 && data[i - 1] == 0x00 && data.size() - i < block) --i;
  if (i == 0 || data[i - 1] != 0x80)
    return fail(Errc::bad_padding, "crypto: ISO 9797-1 method 2 padding (80 00..) not found");
  return Bytes(data.begin(), data.begin() + static_cast<std::ptrdiff_t>(i - 1));
}

Result<Bytes> kcv_des(ByteView key) {
  const uint8_t zeros[8] = {};
  auto e = des_ecb_encrypt(key, zeros);
  if (!e) return e;
  e->resize(3);
  return e;
}

Result<Bytes> kcv_aes(ByteView key) {
  uint8_t ones[16];
  std::memset(ones, 0x01, sizeof ones);
  auto e = aes_ecb_encrypt(key, ones);
  if (!e) return e;
  e->resize(3);
  return e;
}

Bytes kcv_sha1(ByteView key) {
  Bytes h = sha1(key);
  h.resize(3);
  return h;
}

void random_bytes(std::span<uint8_t> out) {
  if (out.empty()) return;
  if (gnutls_rnd(GNUTLS_RND_KEY, out.data(), out.size()) != 0) {
    std::fprintf(stderr, "gpram: gnutls_rnd failed\n");
    std::abort();
  }
}

}  // namespace gpram::crypto
