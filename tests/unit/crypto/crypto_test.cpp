// Known-answer tests of the crypto seam. Each vector names its public source; expected values
// are copied from those documents, never computed by our code.
#include <gtest/gtest.h>

#include "gpram/crypto/aead.hpp"
#include "gpram/crypto/base64.hpp"
#include "gpram/crypto/crypto.hpp"
#include "vectors.hpp"

using gpram::Bytes;
using gpram::hex;
using gpram::to_hex;
namespace c = gpram::crypto;

// NIST SP 800-38B Appendix D.1 (AES-128 CMAC), Examples 1-2 (also RFC 4493 §4).
TEST(Crypto, AesCmacNistSp800_38B) {
  const Bytes key = hex("2B7E151628AED2A6ABF7158809CF4F3C");
  EXPECT_EQ(to_hex(*c::aes_cmac(key, {})), "BB1D6929E95937287FA37D129B756746");
  EXPECT_EQ(to_hex(*c::aes_cmac(key, hex("6BC1BEE22E409F96E93D7E117393172A"))),
            "070A16B46B4D4144F79BDD9DD04A287C");
}

// NIST SP 800-38B Appendix D.2 (AES-192 CMAC), Example 5 (empty message).
TEST(Crypto, AesCmac192Nist) {
  const Bytes key = hex("8E73B0F7DA0E6452C810F32B809079E562F8EAD2522C6B7B");
  EXPECT_EQ(to_hex(*c::aes_cmac(key, {})), "D17DDF46ADAACDE531CAC483DE7A9367");
}

// FIPS 197 Appendix C.1 (AES-128 cipher example).
TEST(Crypto, AesEcbFips197) {
  EXPECT_EQ(to_hex(*c::aes_ecb_encrypt(hex("000102030405060708090A0B0C0D0E0F"),
                                       hex("00112233445566778899AABBCCDDEEFF"))),
            "69C4E0D86A7B0430D8CDB78070B4C55A");
}

// NIST SP 800-38A F.2.1 (CBC-AES128.Encrypt), first block.
TEST(Crypto, AesCbcSp800_38A) {
  auto e = c::aes_cbc_encrypt(hex("2B7E151628AED2A6ABF7158809CF4F3C"),
                              hex("000102030405060708090A0B0C0D0E0F"),
                              hex("6BC1BEE22E409F96E93D7E117393172A"));
  ASSERT_TRUE(e);
  EXPECT_EQ(to_hex(*e), "7649ABAC8119B246CEE98E9B12E9197D");
  auto d = c::aes_cbc_decrypt(hex("2B7E151628AED2A6ABF7158809CF4F3C"),
                              hex("000102030405060708090A0B0C0D0E0F"), *e);
  EXPECT_EQ(to_hex(*d), "6BC1BEE22E409F96E93D7E117393172A");
}

// FIPS 46-3 / the classic DES test: key 133457799BBCDFF1, plaintext 0123456789ABCDEF
// (J. Orlin Grabbe, "The DES Algorithm Illustrated").
TEST(Crypto, DesEcbClassic) {
  EXPECT_EQ(to_hex(*c::des_ecb_encrypt(hex("133457799BBCDFF1"), hex("0123456789ABCDEF"))),
            "85E813540F0AB405");
}

// FIPS 180-2 Appendix A/B: SHA-1 and SHA-256 of "abc".
TEST(Crypto, ShaOfAbc) {
  EXPECT_EQ(to_hex(c::sha1(gpram::as_bytes("abc"))), "A9993E364706816ABA3E25717850C26C9CD0D89D");
  EXPECT_EQ(to_hex(c::sha256(gpram::as_bytes("abc"))),
            "BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD");
}

// osmocom/pysim tests/unittests/test_globalplatform.py@597f1e03 (vectors scp03.json
// pysim-scp03-kcv-*): AES KCV of the SCP03 static keys.
TEST(Crypto, AesKcvPySim) {
  const auto file = gpram::test::load_vectors("scp03.json");
  int n = 0;
  for (const auto& v : file["vectors"]) {
    const std::string id = v["id"];
    if (id.rfind("pysim-scp03-kcv-", 0) != 0) continue;
    auto kcv = c::kcv_aes(hex(v["inputs"]["key"].get<std::string>()));
    ASSERT_TRUE(kcv);
    EXPECT_EQ(to_hex(*kcv), v["expected"]["kcv"].get<std::string>()) << id;
    ++n;
  }
  EXPECT_EQ(n, 3);
}

TEST(Crypto, Padding) {
  EXPECT_EQ(to_hex(c::pad80(hex("0102"), 8)), "0102800000000000");
  EXPECT_EQ(to_hex(c::pad80(hex("0102030405060708"), 8)), "01020304050607088000000000000000");
  auto u = c::unpad80(hex("0102800000000000"), 8);
  ASSERT_TRUE(u);
  EXPECT_EQ(to_hex(*u), "0102");
  EXPECT_FALSE(c::unpad80(hex("0102000000000000"), 8));
}

TEST(Crypto, RejectsBadLengths) {
  auto r = c::aes_ecb_encrypt(hex("0011"), hex("00112233445566778899AABBCCDDEEFF"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, c::Errc::bad_key_length);
  auto d = c::des_cbc_encrypt(hex("133457799BBCDFF1"), hex("0000000000000000"), hex("01"));
  ASSERT_FALSE(d);
  EXPECT_EQ(d.error().code, c::Errc::bad_data_length);
}

TEST(Crypto, GcmSealOpenAndTamper) {
  const Bytes key(32, 0x42);
  auto s = c::seal(key, gpram::as_bytes("8901"), gpram::as_bytes("secret psk"));
  ASSERT_TRUE(s);
  auto o = c::open(key, gpram::as_bytes("8901"), *s);
  ASSERT_TRUE(o);
  EXPECT_EQ(std::string(gpram::as_chars(*o)), "secret psk");
  EXPECT_FALSE(c::open(key, gpram::as_bytes("8902"), *s));  // AAD binds the card
  (*s)[14] ^= 1;
  EXPECT_FALSE(c::open(key, gpram::as_bytes("8901"), *s));
}

// RFC 4648 §10 test vectors.
TEST(Base64, Rfc4648Vectors) {
  EXPECT_EQ(c::base64_encode(gpram::as_bytes("foobar")), "Zm9vYmFy");
  EXPECT_EQ(c::base64_encode(gpram::as_bytes("fo")), "Zm8=");
  auto d = c::base64_decode("Zm9vYg==");
  ASSERT_TRUE(d);
  EXPECT_EQ(std::string(gpram::as_chars(*d)), "foob");
  EXPECT_FALSE(c::base64_decode("Zm9v!mFy"));
  EXPECT_FALSE(c::base64_decode("Zm9"));
}
