// Command-level tests of the virtual card: each command's success and error status words
// (GP Card Spec v2.3 §11 tables; ISO 7816-4 §5.1.3 for the generic ones).
#include <gtest/gtest.h>

#include "card_test_util.hpp"
#include "gpram/gp/commands.hpp"
#include "gpram/scp/keys.hpp"

namespace gpram::card::test {
namespace {

TEST(VirtualCard, MalformedApdusGetIsoStatusWords) {
  VirtualCard card(CardConfig{}, 1);
  EXPECT_EQ(tx(card, ""), "6700");
  EXPECT_EQ(tx(card, "00A404"), "6700");
  EXPECT_EQ(tx(card, "00A4040005A0000001"), "6700");       // Lc 5, 4 bytes
  EXPECT_EQ(tx(card, "00A404000000"), "6700");             // 6 bytes: no valid case
  EXPECT_EQ(tx(card, "FFA4040000"), "6E00");
  EXPECT_EQ(tx(card, "A0A4040000"), "6E00");
  EXPECT_EQ(tx(card, "80610000"), "6D00");
  EXPECT_EQ(tx(card, "80100000"), "6D00");
  EXPECT_EQ(tx(card, "40A4040000"), "6881");  // further logical channels
  EXPECT_EQ(tx(card, "0CA4040000"), "6882");  // ISO secure messaging
  EXPECT_EQ(tx(card, "10A4040000"), "6884");  // command chaining
  EXPECT_EQ(tx(card, "02A4040000"), "6881");  // channel 2 not open
  EXPECT_EQ(tx(card, "80A4040000"), "6E00");  // SELECT needs an ISO class
  EXPECT_EQ(tx(card, "00F28000024F00"), "6E00");  // GP command with an ISO class
  // Extended lengths: case 2E and 4E are understood.
  EXPECT_EQ(tx(card, "80CA00C1000100").substr(0, 2), "C1");
  EXPECT_EQ(tx(card, "00A40400000008A0000001510000000100").substr(0, 2), "6F");
  EXPECT_EQ(tx(card, "00A40400000000A000000151000000"), "6700");  // Lc 0 with data
}

TEST(VirtualCard, TypedTransmitEncodesAndSplitsTheResponse) {
  VirtualCard card(CardConfig{}, 1);
  const apdu::Rapdu r = card.transmit(cmd("80CA00C100"));
  EXPECT_EQ(r.sw, 0x9000);
  EXPECT_EQ(to_hex(r.data), "C103000000");
  apdu::Capdu big = cmd("00A40400");
  big.data = Bytes(300, 0xA0);
  EXPECT_EQ(card.transmit(big).sw, 0x6A80);  // extended, more than 16 AID bytes
}

TEST(VirtualCard, SelectFullPartialNextAndAbsent) {
  VirtualCard card(CardConfig{}, 1);
  const std::string fci = tx(card, "00A4040008A000000151000000");
  EXPECT_EQ(fci.substr(0, 2), "6F");
  EXPECT_NE(fci.find("8408A000000151000000"), std::string::npos);
  EXPECT_EQ(fci.substr(fci.size() - 4), "9000");
  EXPECT_EQ(tx(card, "00A404000CA000000151000000"), "6700");
  EXPECT_EQ(tx(card, "00A4040004A0000001").substr(0, 2), "6F");        // partial
  EXPECT_EQ(tx(card, "00A4040204A0000001"), "6A82");                   // no next occurrence
  EXPECT_EQ(tx(card, "00A4040C04A0000001"), "9000");                   // no FCI
  EXPECT_EQ(tx(card, "00A4040005A000000152"), "6A82");
  EXPECT_EQ(tx(card, "00A4000005A000000151"), "6A86");
  EXPECT_EQ(tx(card, "00A4040011A0000001510000000102030405060708090A"), "6A80");
}

TEST(VirtualCard, ManageChannelOpensAndClosesChannels) {
  VirtualCard card(CardConfig{}, 1);
  EXPECT_EQ(tx(card, "0070000001"), "019000");
  EXPECT_EQ(tx(card, "0070000001"), "029000");
  EXPECT_EQ(tx(card, "0070000300"), "9000");
  EXPECT_EQ(tx(card, "0070000001"), "6A81");  // all four in use
  EXPECT_EQ(tx(card, "0070000300"), "6985");
  EXPECT_EQ(tx(card, "03CA006600").substr(0, 2), "66");  // ISD selected on the new channel
  EXPECT_EQ(tx(card, "00708002"), "9000");
  EXPECT_EQ(tx(card, "02CA006600"), "6881");
  EXPECT_EQ(tx(card, "00708002"), "6881");
  EXPECT_EQ(tx(card, "00708000"), "6A86");  // the basic channel cannot be closed
  EXPECT_EQ(tx(card, "00704000"), "6A86");
  EXPECT_EQ(tx(card, "00700004"), "6881");
}

TEST(VirtualCard, ContentCommandsNeedASecureChannel) {
  VirtualCard card(CardConfig{}, 1);
  for (const char* c : {"80E602000B06D0D1D2D3D4D500000000", "80E8800003C40100",
                        "80E40000074F05D0D1D2D3D4", "80D80081050188010000",
                        "80E2900005850304DEAD", "80F0800007"})
    EXPECT_EQ(tx(card, c), "6982") << c;
  // Level 00 session: authenticated but no C-MAC, still refused (default minimum 01).
  auto host = open_scp03(card, 0x00);
  EXPECT_EQ(tx(card, "80F0800007"), "6982");
  // A non-secured privileged command in a C-MAC session is refused and ends the session.
  auto host2 = open_scp03(card, 0x01);
  EXPECT_EQ(tx(card, "80F0800007"), "6982");
  auto w = host2.wrap(cmd("80F0800007"));
  EXPECT_EQ(card.transmit(*w).sw, 0x6982);
}

TEST(VirtualCard, BadCmacClosesTheSession) {
  VirtualCard card(CardConfig{}, 1);
  auto host = open_scp03(card, 0x03);
  auto w = host.wrap(cmd("80CA006600"));
  ASSERT_TRUE(w);
  w->data.back() ^= 0x01;
  EXPECT_EQ(card.transmit(*w).sw, 0x6982);
  auto w2 = host.wrap(cmd("80CA006600"));
  EXPECT_EQ(card.transmit(*w2).sw, 0x6982);
}

TEST(VirtualCard, InitializeUpdateErrors) {
  VirtualCard card(CardConfig{}, 1);
  EXPECT_EQ(tx(card, "8050310008010203040506070800"), "6A88");  // unknown KVN
  EXPECT_EQ(tx(card, "80503001080102030405060700"), "6A86");
  EXPECT_EQ(tx(card, "805030000401020304"), "6700");
  const std::string r = tx(card, "8050300008010203040506070800");
  EXPECT_EQ(r.substr(0, 26), "00000000000000000000300370");
  EXPECT_EQ(r.substr(r.size() - 10), "0000019000");  // sequence counter 1
  EXPECT_EQ(tx(card, "80CA00C100"), "C1030000019000");
}

TEST(VirtualCard, GetDataObjects) {
  VirtualCard card(CardConfig{}, 1);
  EXPECT_EQ(tx(card, "80CA006600"),
            "6631732F06072A864886FC6B01600C060A2A864886FC6B02020301630906072A864886FC6B0364"
            "0B06092A864886FC6B0403709000");
  EXPECT_EQ(tx(card, "80CA00E000"), "E012C00401308810C00402308810C004033088109000");
  EXPECT_EQ(tx(card, "80CA00CF00"), "CF0A000000000000000000009000");
  EXPECT_EQ(tx(card, "80CA00C100"), "C1030000009000");
  EXPECT_EQ(tx(card, "80CA008500"), "6A88");
  EXPECT_EQ(tx(card, "80CA9F7F00"), "6A88");
  EXPECT_EQ(tx(card, "80CAFF2100").substr(0, 4), "FF21");
  // Amd B parameters stored through STORE DATA come back from GET DATA (pySim http.py sample).
  auto host = open_scp03(card, 0x03);
  EXPECT_EQ(send(card, host, cmd("80E290000A850804DEADBEEF020040")).sw, 0x9000);
  EXPECT_EQ(to_hex(send(card, host, cmd("80CA008500")).data), "850804DEADBEEF020040");
  EXPECT_EQ(send(card, host, cmd("80E2900005A503800101")).sw, 0x9000);
  EXPECT_EQ(to_hex(send(card, host, cmd("80CA00A500")).data), "A503800101");
}

TEST(VirtualCard, StoreDataBlocksDgiAndErrors) {
  VirtualCard card(CardConfig{}, 1);
  auto host = open_scp03(card, 0x03);
  EXPECT_EQ(send(card, host, cmd("80E2100103850204")).sw, 0x6A86);  // block 1 before 0
  EXPECT_EQ(send(card, host, cmd("80E21000028503")).sw, 0x9000);  // TLV split over blocks
  EXPECT_EQ(send(card, host, cmd("80E290010304DEAD")).sw, 0x9000);
  EXPECT_EQ(to_hex(send(card, host, cmd("80CA008500")).data), "850304DEAD");
  EXPECT_EQ(send(card, host, cmd("80E2880005010102AABB")).sw, 0x9000);  // DGI 0101
  EXPECT_EQ(send(card, host, cmd("80E2900003850504")).sw, 0x6A80);       // truncated TLV
  EXPECT_EQ(send(card, host, cmd("80E2980003010102")).sw, 0x6A86);
  EXPECT_NE(card.to_json()["applications"][0]["domain"]["dgis"]["0101"], nullptr);
}

TEST(VirtualCard, PutKeyAddsReplacesAndChecksKcv) {
  VirtualCard card(CardConfig{}, 1);
  auto host = open_scp03(card, 0x03);
  SeededRandom rnd(5);
  // Keys and KCVs: pySim test_globalplatform.py@597f1e03 (scp03.json pysim-scp03-kcv-*).
  const Bytes enc = hex("000102030405060708090A0B0C0D0E0F");
  const Bytes mac = hex("101112131415161718191A1B1C1D1E1F");
  const Bytes dek = hex("202122232425262728292A2B2C2D2E2F");
  Bytes data{0x31};
  for (const Bytes* k : {&enc, &mac, &dek})
    append(data, *host.encrypt_key_block(scp::KeyType::aes, *k, rnd));
  apdu::Capdu put = cmd("80D80081");
  put.data = data;
  const apdu::Rapdu r = send(card, host, put);
  ASSERT_EQ(r.sw, 0x9000);
  EXPECT_EQ(to_hex(r.data), "31C35280013808840DE5");
  EXPECT_EQ(send(card, host, put).sw, 0x6A80);  // key set 31 exists already
  // Bad KCV -> 9485.
  Bytes bad = data;
  bad.back() ^= 0x01;
  put.data = bad;
  EXPECT_EQ(send(card, host, put).sw, 0x9485);
  // Unknown key type -> 9484; KVN to replace absent -> 6A88.
  EXPECT_EQ(send(card, host, cmd("80D8008106329001000300")).sw, 0x9484);
  put = cmd("80D83381");
  put.data = data;
  put.data[0] = 0x34;
  EXPECT_EQ(send(card, host, put).sw, 0x6A88);
  // A PSK-TLS key (Amd B Table 3-11) in a new key set.
  const Bytes psk = hex("000102030405060708090A0B0C0D0E0F1011");
  put = cmd("80D80001");
  put.data = Bytes{0x40};
  append(put.data, *host.encrypt_key_block(scp::KeyType::psk_tls, psk, rnd));
  const apdu::Rapdu rp = send(card, host, put);
  EXPECT_EQ(rp.sw, 0x9000);
  EXPECT_EQ(to_hex(rp.data), "4032AF8A");  // SHA-1(key)[0:3] by Python hashlib
  EXPECT_NE(to_hex(send(card, host, cmd("80CA00E000")).data).find("C00401408512"),
            std::string::npos);
  // The new AES key set opens a session.
  VirtualCard& c2 = card;
  auto host31 = open_scp03(c2, 0x03, scp::StaticKeys{0x31, enc, mac, dek});
  EXPECT_TRUE(host31.authenticated());
  // Replace set 31 by 32 and delete the keys of set 40.
  put = cmd("80D83181");
  put.data = Bytes{0x32};
  for (int n = 0; n < 3; ++n) append(put.data, *host31.encrypt_key_block(scp::KeyType::aes, enc, rnd));
  EXPECT_EQ(send(card, host31, put).sw, 0x9000);
  EXPECT_EQ(send(card, host31, cmd("80E4000003D20140")).sw, 0x9000);
  EXPECT_EQ(send(card, host31, cmd("80E4000003D20140")).sw, 0x6A88);
  const std::string keys = to_hex(send(card, host31, cmd("80CA00E000")).data);
  EXPECT_EQ(keys.find("C00401318810"), std::string::npos);
  EXPECT_NE(keys.find("C00401328810"), std::string::npos);
}

// INSTALL with length-prefixed hex fields.
apdu::Capdu install(uint8_t p1, std::initializer_list<std::string> fields) {
  apdu::Capdu c = cmd("80E60000");
  c.p1 = p1;
  for (const auto& f : fields) {
    const Bytes b = hex(f);
    c.data.push_back(static_cast<uint8_t>(b.size()));
    append(c.data, b);
  }
  c.le = 256;
  return c;
}

TEST(VirtualCard, InstallAndLoadErrors) {
  VirtualCard card(CardConfig{}, 1);
  auto host = open_scp03(card, 0x03);
  // LOAD without INSTALL [for load].
  EXPECT_EQ(send(card, host, cmd("80E8800003C40100")).sw, 0x6985);
  const std::string elf = "D0D1D2D3D4D5";
  // SD unknown; bad hash length; malformed LV.
  EXPECT_EQ(send(card, host, install(0x02, {elf, "A000000152", "", "", ""})).sw, 0x6A88);
  EXPECT_EQ(send(card, host, install(0x02, {elf, "", "AABB", "", ""})).sw, 0x6A80);
  EXPECT_EQ(send(card, host, cmd("80E602000606D0D1D2D3D4")).sw, 0x6A80);
  EXPECT_EQ(send(card, host, install(0x02, {"01020304", "", "", "", ""})).sw, 0x6A80);
  // ELF AID equal to the ISD -> conditions of use.
  EXPECT_EQ(send(card, host, install(0x02, {"A000000151000000", "", "", "", ""})).sw, 0x6985);
  // Hash mismatch, wrong block number, no Header component.
  EXPECT_EQ(send(card, host, install(0x02, {elf, "", std::string(40, '0'), "", ""})).sw, 0x9000);
  EXPECT_EQ(send(card, host, cmd("80E8000103C40100")).sw, 0x6A86);
  EXPECT_EQ(send(card, host, cmd("80E8800003C40100")).sw, 0x6A80);
  EXPECT_EQ(send(card, host, install(0x02, {elf, "", "", "", ""})).sw, 0x9000);
  EXPECT_EQ(send(card, host, cmd("80E8800003C40100")).sw, 0x6A80);
  // INSTALL [for install]: unknown ELF; unsupported P1; P2.
  EXPECT_EQ(send(card, host, install(0x0C, {elf, elf + "01", elf + "01", "00", "C900", ""})).sw,
            0x6A88);
  EXPECT_EQ(send(card, host, install(0x01, {"", "", "", "", ""})).sw, 0x6A86);
  apdu::Capdu p2 = install(0x02, {elf, "", "", "", ""});
  p2.p2 = 0x01;
  EXPECT_EQ(send(card, host, p2).sw, 0x6A86);
  // DELETE: absent, ISD, malformed.
  EXPECT_EQ(send(card, host, cmd("80E40000074F05D0D1D2D3D4")).sw, 0x6A88);
  EXPECT_EQ(send(card, host, cmd("80E400000A4F08A000000151000000")).sw, 0x6985);
  EXPECT_EQ(send(card, host, cmd("80E40000034F05D0")).sw, 0x6A80);
}

TEST(VirtualCard, SetStatusCardLifeCycle) {
  VirtualCard card(CardConfig{}, 1);
  auto host = open_scp03(card, 0x01);
  EXPECT_EQ(send(card, host, cmd("80F0800700")).sw, 0x6985);  // SECURED -> INITIALIZED
  EXPECT_EQ(send(card, host, cmd("80F0801000")).sw, 0x6A80);
  EXPECT_EQ(send(card, host, cmd("80F0807F00")).sw, 0x9000);  // lock
  EXPECT_EQ(card.card_life_cycle(), kCardLocked);
  EXPECT_EQ(send(card, host, cmd("80E602000C05D0D1D2D3D4D50000000000")).sw, 0x6985);
  EXPECT_EQ(tx(card, "00A4040000").substr(tx(card, "00A4040000").size() - 4), "6283");
  auto h2 = open_scp03(card, 0x01);
  EXPECT_EQ(send(card, h2, cmd("80F0800F00")).sw, 0x9000);  // unlock
  EXPECT_EQ(send(card, h2, cmd("80F080FF00")).sw, 0x9000);  // terminate
  EXPECT_EQ(tx(card, "00A4040000"), "6A82");
  EXPECT_EQ(tx(card, "80CA00C100").substr(0, 2), "C1");
}

}  // namespace
}  // namespace gpram::card::test
