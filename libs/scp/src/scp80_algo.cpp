// SCP80 algorithm selection (ETSI TS 102 225 §5.1.2 KIc, §5.1.3 KID), ciphering and RC/CC.
//   KIc/KID b2b1: 00 implicit, 01 DES family, 10 AES, 11 proprietary.
//   DES family b4b3: 00 DES-CBC, 01 3DES 2 keys, 10 3DES 3 keys, 11 DES-ECB (KIc only; reserved
//   for KID). AES b4b3: 00 AES-CBC (KIc) / AES-CMAC (KID), other values reserved.
//   RC (KID when SPI1 b2b1 = 01): b2b1 01 with b4b3 00 CRC16, 01 CRC32.
// CC per osmocom/pysim pySim/ota.py (verified against its real-card vectors): (3)DES CBC-MAC with
// IV 0 over the input zero-padded to 8 bytes, last block; AES-CMAC first 8 bytes (TS 102 225
// §5.1.3.1 allows only the 8-byte CC for SMS: see docs/protocols/scp80.md).
#include "scp80_internal.hpp"

#include <fmt/format.h>

#include "gpram/crypto/crypto.hpp"
#include "gpram/scp/crc.hpp"

namespace gpram::scp80 {

Result<CipherAlg> cipher_alg(uint8_t kic) {
  switch (kic & 0x0F) {
    case 0x1: return CipherAlg::des_cbc;
    case 0x5: return CipherAlg::tdes2_cbc;
    case 0x9: return CipherAlg::tdes3_cbc;
    case 0xD: return CipherAlg::des_ecb;
    case 0x2: return CipherAlg::aes_cbc;
    default: break;
  }
  if ((kic & 0x03) == 0)
    return fail(Errc::unsupported,
                fmt::format("SCP80: KIc {:02X} selects the implicit algorithm (b2b1 = 00), which "
                            "needs an out-of-band agreement; use 1/5/9/D (DES) or 2 (AES)",
                            kic));
  if ((kic & 0x03) == 3)
    return fail(Errc::unsupported,
                fmt::format("SCP80: KIc {:02X} selects a proprietary algorithm (b2b1 = 11)", kic));
  return fail(Errc::bad_header,
              fmt::format("SCP80: KIc {:02X} has a reserved algorithm coding (low nibble {:X})",
                          kic, kic & 0x0F));
}

Result<CheckAlg> check_alg(uint8_t kid, Integrity integrity) {
  if (integrity == Integrity::ds)
    return fail(Errc::unsupported,
                "SCP80: digital signatures (SPI b2b1 = 11) are not supported; use RC or CC");
  if (integrity == Integrity::rc) {
    switch (kid & 0x0F) {
      case 0x1: return CheckAlg::crc16;
      case 0x5: return CheckAlg::crc32;
      default: break;
    }
    return fail(Errc::unsupported,
                fmt::format("SCP80: KID {:02X} does not name a supported RC (low nibble 1 = CRC16, "
                            "5 = CRC32)",
                            kid));
  }
  switch (kid & 0x0F) {
    case 0x1: return CheckAlg::des_cbc_mac;
    case 0x5: return CheckAlg::tdes2_cbc_mac;
    case 0x9: return CheckAlg::tdes3_cbc_mac;
    case 0x2: return CheckAlg::aes_cmac;
    default: break;
  }
  return fail(Errc::unsupported,
              fmt::format("SCP80: KID {:02X} does not name a supported CC algorithm (low nibble "
                          "1 DES, 5 3DES-2key, 9 3DES-3key, 2 AES-CMAC)",
                          kid));
}

Result<size_t> checksum_length(uint8_t kid, Integrity integrity) {
  if (integrity == Integrity::none) return size_t{0};
  auto alg = check_alg(kid, integrity);
  if (!alg) return fail(std::move(alg.error()));
  switch (*alg) {
    case CheckAlg::crc16: return size_t{2};
    case CheckAlg::crc32: return size_t{4};
    default: return size_t{8};
  }
}

namespace detail {

size_t block_size(CipherAlg alg) noexcept { return alg == CipherAlg::aes_cbc ? 16 : 8; }

namespace {

Result<void> check_key(ByteView key, size_t want1, size_t want2, size_t want3, const char* what,
                       const char* alg) {
  const size_t n = key.size();
  if (n == want1 || (want2 && n == want2) || (want3 && n == want3)) return {};
  return fail(Errc::bad_key, fmt::format("SCP80: {} key for {} must be {}{}{} bytes, got {}", what,
                                         alg, want1, want2 ? fmt::format("/{}", want2) : "",
                                         want3 ? fmt::format("/{}", want3) : "", n));
}

Result<void> check_cipher_key(CipherAlg alg, ByteView key) {
  switch (alg) {
    case CipherAlg::des_cbc:
    case CipherAlg::des_ecb: return check_key(key, 8, 0, 0, "KIc", "DES");
    case CipherAlg::tdes2_cbc: return check_key(key, 16, 0, 0, "KIc", "3DES 2-key");
    case CipherAlg::tdes3_cbc: return check_key(key, 24, 0, 0, "KIc", "3DES 3-key");
    case CipherAlg::aes_cbc: return check_key(key, 16, 24, 32, "KIc", "AES");
  }
  return {};
}

Result<Bytes> wrap(Result<Bytes> r, const char* what) {
  if (r) return r;
  return fail(Errc::bad_key, fmt::format("SCP80: {} failed: {}", what, r.error().message));
}

}  // namespace

Result<Bytes> cipher(uint8_t kic, ByteView key, ByteView data, bool encrypt) {
  auto alg = cipher_alg(kic);
  if (!alg) return fail(std::move(alg.error()));
  if (auto k = check_cipher_key(*alg, key); !k) return fail(std::move(k.error()));
  const size_t bs = block_size(*alg);
  if (data.size() % bs != 0)
    return fail(Errc::bad_padding,
                fmt::format("SCP80: ciphered part of {} bytes is not a multiple of the {}-byte "
                            "block",
                            data.size(), bs));
  const std::array<uint8_t, 16> iv{};
  const ByteView ivv(iv.data(), bs);
  switch (*alg) {
    case CipherAlg::aes_cbc:
      return wrap(encrypt ? crypto::aes_cbc_encrypt(key, ivv, data)
                          : crypto::aes_cbc_decrypt(key, ivv, data),
                  "AES-CBC");
    case CipherAlg::des_ecb:
      return wrap(encrypt ? crypto::des_ecb_encrypt(key, data) : crypto::des_ecb_decrypt(key, data),
                  "DES-ECB");
    default:
      return wrap(encrypt ? crypto::des_cbc_encrypt(key, ivv, data)
                          : crypto::des_cbc_decrypt(key, ivv, data),
                  "DES-CBC");
  }
}

Result<Bytes> checksum(uint8_t kid, Integrity integrity, ByteView key, ByteView input) {
  if (integrity == Integrity::none) return Bytes{};
  auto alg = check_alg(kid, integrity);
  if (!alg) return fail(std::move(alg.error()));
  Bytes out;
  switch (*alg) {
    case CheckAlg::crc16: append_u16(out, crc16(input)); return out;
    case CheckAlg::crc32: append_u32(out, crc32(input)); return out;
    case CheckAlg::aes_cmac: {
      if (auto k = check_key(key, 16, 24, 32, "KID", "AES-CMAC"); !k) return fail(std::move(k.error()));
      auto mac = wrap(crypto::aes_cmac(key, input), "AES-CMAC");
      if (!mac) return mac;
      mac->resize(8);
      return mac;
    }
    default: break;
  }
  Result<void> k = *alg == CheckAlg::des_cbc_mac     ? check_key(key, 8, 0, 0, "KID", "DES")
                   : *alg == CheckAlg::tdes2_cbc_mac ? check_key(key, 16, 0, 0, "KID", "3DES 2-key")
                                                     : check_key(key, 24, 0, 0, "KID", "3DES 3-key");
  if (!k) return fail(std::move(k.error()));
  Bytes padded(input.begin(), input.end());
  padded.resize((padded.size() + 7) / 8 * 8, 0);
  const std::array<uint8_t, 8> iv{};
  return wrap(crypto::des_cbc_mac(key, iv, padded), "DES CBC-MAC");
}

}  // namespace detail
}  // namespace gpram::scp80
