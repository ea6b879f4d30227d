// PUT KEY key-data blocks (DES 80, AES 88, PSK-TLS 85 per Amd B Table 3-11), KCVs, and the
// host->card key transport over SCP02 and SCP03 sessions.
#include <gtest/gtest.h>

#include "gpram/crypto/crypto.hpp"
#include "gpram/scp/keys.hpp"
#include "gpram/scp/scp02.hpp"
#include "gpram/scp/scp03.hpp"

namespace gpram::scp {
namespace {

using apdu::Capdu;

// KCV of a PSK = SHA-1(key)[0:3]; SHA-1("abc") = A9993E36... (FIPS 180-2 Appendix A.1).
TEST(Keys, PskKcvIsSha1Prefix) {
  auto kcv = key_check_value(KeyType::psk_tls, as_bytes("abc"));
  ASSERT_TRUE(kcv);
  EXPECT_EQ(to_hex(*kcv), "A9993E");
}

// DES KCV of the GP test key 404142..4F: 8BAF47 (GlobalPlatformPro TestPlaintextKeys.java
// @7f524e3fe96b0ee8d69ae72b7bca285615a30773, testSessionKeys_SCP01 static DEK KCV).
TEST(Keys, DesKcv) {
  auto kcv = key_check_value(KeyType::des, hex("404142434445464748494A4B4C4D4E4F"));
  ASSERT_TRUE(kcv);
  EXPECT_EQ(to_hex(*kcv), "8BAF47");
}

KeyEncryptor identity() {
  return [](ByteView b) -> Result<Bytes> { return Bytes(b.begin(), b.end()); };
}

TEST(Keys, PskBlockLayout) {
  SeededRandom rnd(1);
  const Bytes psk = hex("0102030405060708090A0B0C0D0E0F1011121314");  // 20 bytes
  auto block = build_key_block(KeyType::psk_tls, psk, 16, identity(), rnd);
  ASSERT_TRUE(block);
  // 85 Ltot=21 (1 length byte + 32 encrypted) Lkey=14 <32 bytes> 03 KCV
  ASSERT_EQ(block->size(), 1u + 1 + 1 + 32 + 1 + 3);
  EXPECT_EQ(to_hex(ByteView(block->data(), 3)), "852114");
  EXPECT_EQ(Bytes(block->begin() + 3, block->begin() + 23), psk);
  EXPECT_EQ((*block)[35], 0x03);
  EXPECT_EQ(Bytes(block->end() - 3, block->end()), crypto::kcv_sha1(psk));
  auto parsed = parse_key_block(*block);
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->type, KeyType::psk_tls);
  EXPECT_EQ(parsed->key_length, 20u);
  EXPECT_EQ(parsed->size, block->size());
  auto opened = open_key_block(*parsed, identity());
  ASSERT_TRUE(opened);
  EXPECT_EQ(*opened, psk);
}

TEST(Keys, LongPskUsesBerLengths) {
  SeededRandom rnd(2);
  const Bytes psk(130, 0x5A);
  auto block = build_key_block(KeyType::psk_tls, psk, 8, identity(), rnd);
  ASSERT_TRUE(block);
  // Lkey = 81 82; enc = 136; Ltot = 2 + 136 = 138 = 81 8A.
  EXPECT_EQ(to_hex(ByteView(block->data(), 5)), "85818A8182");
  auto parsed = parse_key_block(*block);
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->key_length, 130u);
}

TEST(Keys, AesAndDesBlockLayout) {
  SeededRandom rnd(3);
  const Bytes aes = hex("000102030405060708090A0B0C0D0E0F");
  auto a = build_key_block(KeyType::aes, aes, 16, identity(), rnd);
  ASSERT_TRUE(a);
  // pySim KCV of this AES key is C35280 (scp03.json pysim-scp03-kcv-enc).
  EXPECT_EQ(to_hex(*a), "881110" + to_hex(aes) + "03C35280");
  const Bytes des = hex("404142434445464748494A4B4C4D4E4F");
  auto d = build_key_block(KeyType::des, des, 8, identity(), rnd);
  ASSERT_TRUE(d);
  EXPECT_EQ(to_hex(*d), "8010" + to_hex(des) + "038BAF47");
}

TEST(Keys, RejectsMalformedBlocks) {
  auto e1 = parse_key_block(hex("86"));
  ASSERT_FALSE(e1);
  EXPECT_EQ(e1.error(), Errc::unsupported_option);
  auto e2 = parse_key_block(hex("8510"));
  ASSERT_FALSE(e2);
  EXPECT_EQ(e2.error(), Errc::bad_command);
  EXPECT_NE(e2.error().message.find("exceeds"), std::string::npos);
  auto e3 = parse_key_block(hex("85031401020303"));  // Lkey 20 > 2 encrypted bytes
  ASSERT_FALSE(e3);
  SeededRandom rnd(4);
  auto block = build_key_block(KeyType::psk_tls, Bytes(16, 1), 16, identity(), rnd);
  ASSERT_TRUE(block);
  block->back() ^= 1;
  auto parsed = parse_key_block(*block);
  ASSERT_TRUE(parsed);
  auto opened = open_key_block(*parsed, identity());
  ASSERT_FALSE(opened);
  EXPECT_NE(opened.error().message.find("KCV mismatch"), std::string::npos);
}

TEST(Keys, TransportOverScp03) {
  SeededRandom rnd(5);
  const Bytes k(16, 0x42);
  Scp03CardConfig cfg;
  cfg.keys = StaticKeys{0x30, k, k, hex("202122232425262728292A2B2C2D2E2F")};
  auto card = Scp03Card::create(cfg, rnd);
  ASSERT_TRUE(card);
  auto host = Scp03Host::create(cfg.keys);
  ASSERT_TRUE(host);
  const Bytes psk = hex("00112233445566778899AABBCCDDEEFF0011");
  for (auto [type, key] : {std::pair{KeyType::psk_tls, psk},
                           std::pair{KeyType::aes, Bytes(32, 0x77)},
                           std::pair{KeyType::des, Bytes(16, 0x33)}}) {
    auto block = host->encrypt_key_block(type, key, rnd);
    ASSERT_TRUE(block) << block.error().message;
    auto plain = card->decrypt_key_block(*block);
    ASSERT_TRUE(plain) << plain.error().message;
    EXPECT_EQ(*plain, key);
  }
}

TEST(Keys, TransportOverScp02SessionDek) {
  SeededRandom rnd(6);
  const Bytes k = hex("404142434445464748494A4B4C4D4E4F");
  Scp02CardConfig cfg;
  cfg.keys = StaticKeys{0x20, k, k, k};
  auto card = Scp02Card::create(cfg, rnd);
  ASSERT_TRUE(card);
  auto host = Scp02Host::create(cfg.keys);
  ASSERT_TRUE(host);
  auto early = host->encrypt_key_block(KeyType::des, k, rnd);
  ASSERT_FALSE(early);
  EXPECT_EQ(early.error(), Errc::not_authenticated);
  auto iu = host->initialize_update(Bytes(8, 1));
  auto iur = card->process_initialize_update(*iu);
  ASSERT_TRUE(iur);
  auto ea = host->external_authenticate(*iur, 0x01);
  ASSERT_TRUE(ea);
  ASSERT_TRUE(card->process_external_authenticate(*ea));
  const Bytes psk(20, 0x99);
  for (auto [type, key] : {std::pair{KeyType::psk_tls, psk}, std::pair{KeyType::des, k},
                           std::pair{KeyType::aes, Bytes(16, 0x12)}}) {
    auto block = host->encrypt_key_block(type, key, rnd);
    ASSERT_TRUE(block) << block.error().message;
    auto plain = card->decrypt_key_block(*block);
    ASSERT_TRUE(plain) << plain.error().message;
    EXPECT_EQ(*plain, key);
  }
  // The DES block is 3DES-ECB with the session DEK: GlobalPlatformPro's testKeyEncryption_SCP02
  // uses sequence 0000, our card started at 0000 too, so the block must carry that ciphertext.
  auto block = host->encrypt_key_block(KeyType::des, k, rnd);
  ASSERT_TRUE(block);
  EXPECT_EQ(to_hex(*block), "8010EFBEE6C6D99D7B70BDE9D7E927F020AF038BAF47");
}

}  // namespace
}  // namespace gpram::scp
