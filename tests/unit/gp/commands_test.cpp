// GlobalPlatform command builders (GP Card Spec v2.3 §11). Public sources:
//  - osmocom/pysim tests/unittests/test_globalplatform.py @597f1e0398bb81d6832dc92ee4dfdcada59d3d82
//    (plain commands of the SCP02 session vector pysim-scp02-session; install parameters)
//  - martinpaljak/GlobalPlatformPro library/src/test/java/pro/javacard/gp/test/TestStoreData.java
//    @80cf18c5a4412caf804283032f4011654d844c36 (STORE DATA P1 bits)
// Expected values not taken from a vector are written by hand from the GP 2.3 tables cited.
#include <gtest/gtest.h>

#include "gp_test_util.hpp"
#include "gpram/gp/commands.hpp"
#include "vectors.hpp"

namespace gpram::gp {
namespace {

using test::capdu_hex;

// pysim-scp02-session plain command "80F28002024F0000": GET STATUS ISD, TLV format.
TEST(GpCommands, GetStatusIsdMatchesPysim) {
  auto c = get_status(StatusKind::isd, StatusFormat::tlv);
  ASSERT_TRUE(c);
  EXPECT_EQ(capdu_hex(*c), "80F28002024F0000");
}

// pysim-scp02-session plain command "80F220020A4F0212345C054F9F70C5": identical header, Lc and
// data except for the 5C length byte — pySim's element announces 5 bytes but carries the
// 4-byte list 4F 9F70 C5 (the test only needs some case-3 command to wrap). Our builder writes
// 5C 04 and adds Le 00 (GP 2.3 Table 11-33).
TEST(GpCommands, GetStatusWithFilterAndTagList) {
  auto c = get_status(StatusKind::load_files, StatusFormat::tlv, false, hex("1234"),
                      hex("4F9F70C5"));
  ASSERT_TRUE(c);
  std::string pysim = "80F220020A4F0212345C054F9F70C5";
  pysim[21] = '4';  // the 5C length nibble
  EXPECT_EQ(capdu_hex(*c), pysim + "00");
}

TEST(GpCommands, GetStatusNextOccurrenceSetsP2Bit1) {
  auto c = get_status(StatusKind::applications, StatusFormat::legacy, true);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->p1, 0x40);
  EXPECT_EQ(c->p2, 0x01);
  auto t = get_status(StatusKind::load_files_and_modules, StatusFormat::tlv, true);
  ASSERT_TRUE(t);
  EXPECT_EQ(t->p1, 0x10);
  EXPECT_EQ(t->p2, 0x03);
}

// pysim-scp02-session plain command "80CA006600": GET DATA card data.
TEST(GpCommands, GetDataCardDataMatchesPysim) {
  EXPECT_EQ(capdu_hex(get_data(kTagCardData)), "80CA006600");
  EXPECT_EQ(capdu_hex(get_data(kTagKeyInformation)), "80CA00E000");
  EXPECT_EQ(capdu_hex(get_data(kTagExtendedResources)), "80CAFF2100");
}

// Vectors pysim-install-params-full / -empty (apdu.json, from pySim test_globalplatform.py).
TEST(GpCommands, InstallParametersMatchPysimVectors) {
  const auto full = gpram::test::vector("apdu.json", "pysim-install-params-full");
  SystemParams sys;
  sys.non_volatile_quota = full["inputs"]["non_volatile_memory_quota"].get<uint32_t>();
  sys.volatile_quota = full["inputs"]["volatile_memory_quota"].get<uint32_t>();
  sys.toolkit_params = hex(full["inputs"]["stk_parameter"].get<std::string>());
  EXPECT_EQ(to_hex(install_parameters({}, sys)),
            full["expected"]["install_parameters"].get<std::string>());
  const auto empty = gpram::test::vector("apdu.json", "pysim-install-params-empty");
  EXPECT_EQ(to_hex(install_parameters()), empty["expected"]["install_parameters"].get<std::string>());
}

// GP 2.3 Table 11-45 layout, kaoh-helloworld.cap AIDs (SOURCES.md).
TEST(GpCommands, InstallForLoadLayout) {
  InstallForLoad in;
  in.elf_aid = hex("D0D1D2D3D4D501");
  auto c = install_for_load(in);
  ASSERT_TRUE(c);
  EXPECT_EQ(capdu_hex(*c), "80E602000C07D0D1D2D3D4D5010000000000");
  in.sd_aid = hex("A000000151000000");
  in.hash = Bytes(20, 0xAB);
  in.load_params = load_parameters({0x1234, std::nullopt, std::nullopt});
  auto d = install_for_load(in, true);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->p1, 0x82);
  EXPECT_EQ(to_hex(d->data), "07D0D1D2D3D4D501" "08A000000151000000" "14" +
                                 std::string("ABABABABABABABABABABABABABABABABABABABAB") + "06EF04C6021234" "00");
}

TEST(GpCommands, InstallForInstallAndMakeSelectableLayout) {
  InstallForInstall in;
  in.elf_aid = hex("D0D1D2D3D4D501");
  in.module_aid = hex("D0D1D2D3D4D50101");
  auto c = install_for_install(in);
  ASSERT_TRUE(c);
  // P1 0C; LV ELF, LV module, LV instance (= module), 01 00 privileges, 02 C9 00, 00 token.
  EXPECT_EQ(capdu_hex(*c), "80E60C002007D0D1D2D3D4D50108D0D1D2D3D4D5010108D0D1D2D3D4D5010101000"
                           "2C9000000");
  auto only = install_for_install(in, false);
  ASSERT_TRUE(only);
  EXPECT_EQ(only->p1, 0x04);
}

TEST(GpCommands, InstallOtherForms) {
  auto ms = install_for_make_selectable(hex("A0000001510001"), hex("00"));
  ASSERT_TRUE(ms);
  EXPECT_EQ(capdu_hex(*ms), "80E608000E000007A0000001510001010000" "0000");
  auto pers = install_for_personalization(hex("A0000001510001"));
  ASSERT_TRUE(pers);
  EXPECT_EQ(capdu_hex(*pers), "80E620000D000007A000000151000100000000");
  auto ext = install_for_extradition(hex("A000000151000000"), hex("A0000001510001"));
  ASSERT_TRUE(ext);
  EXPECT_EQ(capdu_hex(*ext), "80E6100015" "08A000000151000000" "00" "07A0000001510001" "00" "00" "00" "00");
  auto reg = install_for_registry_update({}, hex("A0000001510001"), hex("800000"));
  ASSERT_TRUE(reg);
  EXPECT_EQ(capdu_hex(*reg), "80E6400010" "00" "00" "07A0000001510001" "03800000" "00" "00" "00");
}

TEST(GpCommands, InstallRejectsBadAidsAndPrivileges) {
  InstallForInstall in;
  in.elf_aid = hex("D0D1D2D3");  // 4 bytes
  in.module_aid = hex("D0D1D2D3D4D50101");
  auto c = install_for_install(in);
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error(), Errc::invalid_argument);
  EXPECT_NE(c.error().message.find("load file AID must be 5 to 16 bytes, got 4"), std::string::npos)
      << c.error().message;
  in.elf_aid = hex("D0D1D2D3D4");
  in.privileges = hex("0000");
  auto p = install_for_install(in);
  ASSERT_FALSE(p);
  EXPECT_NE(p.error().message.find("privileges must be 1 or 3 bytes, got 2"), std::string::npos);
  in.privileges = hex("00");
  in.params = Bytes(300, 0);
  auto big = install_for_install(in);
  ASSERT_FALSE(big);
  EXPECT_EQ(big.error(), Errc::invalid_argument);
}

TEST(GpCommands, SelectByAid) {
  auto s = select(hex("A000000151000000"));
  ASSERT_TRUE(s);
  EXPECT_EQ(capdu_hex(*s), "00A4040008A00000015100000000");
  auto n = select(hex("A0000001510000"), true);
  ASSERT_TRUE(n);
  EXPECT_EQ(n->p2, 0x02);
  auto isd = select({});
  ASSERT_TRUE(isd);
  EXPECT_EQ(capdu_hex(*isd), "00A4040000");
}

// GP 2.3 §11.2.2.3: 4F AID; D0/D2 for keys; P2 80 deletes related objects.
TEST(GpCommands, DeleteObjectAndKeys) {
  auto d = delete_object(hex("D0D1D2D3D4D501"), true);
  ASSERT_TRUE(d);
  EXPECT_EQ(capdu_hex(*d), "80E40080094F07D0D1D2D3D4D50100");
  auto k = delete_key(0x01, 0x30);
  ASSERT_TRUE(k);
  EXPECT_EQ(capdu_hex(*k), "80E4000006D00101D2013000");
  auto none = delete_key(std::nullopt, std::nullopt);
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error(), Errc::invalid_argument);
}

TEST(GpCommands, SetStatusScopes) {
  auto app = set_status(SetStatusScope::application, 0x83, hex("A0000001510001"));
  ASSERT_TRUE(app);
  EXPECT_EQ(capdu_hex(*app), "80F0408307A0000001510001");
  auto sd = set_status(SetStatusScope::sd_and_applications, 0x83, hex("A000000151000000"));
  ASSERT_TRUE(sd);
  EXPECT_EQ(sd->p1, 0x60);
  auto isd = set_status(SetStatusScope::isd, 0x7F, {});
  ASSERT_TRUE(isd);
  EXPECT_EQ(capdu_hex(*isd), "80F0807F");
}

// GlobalPlatformPro TestStoreData: P1 0x61 for non-last blocks, 0xE1 for the last; a single
// block with P1 0x10 becomes 0x90.
TEST(GpCommands, StoreDataP1BitsMatchGpp) {
  StoreDataFlags f;
  f.encryption = StoreEncryption::encrypted;
  f.response_expected = true;
  auto blocks = store_data_blocks(hex("010203040506"), 2, f);
  ASSERT_TRUE(blocks);
  ASSERT_EQ(blocks->size(), 3u);
  EXPECT_EQ((*blocks)[0].p1, 0x61);
  EXPECT_EQ((*blocks)[1].p1, 0x61);
  EXPECT_EQ((*blocks)[2].p1, 0xE1);
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ((*blocks)[i].p2, i);
    EXPECT_EQ((*blocks)[i].cla, 0x80);
    EXPECT_EQ((*blocks)[i].ins, 0xE2);
  }
  EXPECT_EQ(to_hex((*blocks)[2].data), "0506");
  StoreDataFlags ber;
  ber.structure = StoreStructure::ber_tlv;
  auto one = store_data_blocks(hex("AA"), 200, ber);
  ASSERT_TRUE(one);
  ASSERT_EQ(one->size(), 1u);
  EXPECT_EQ((*one)[0].p1, 0x90);
  EXPECT_FALSE((*one)[0].le.has_value());
}

TEST(GpCommands, LoadSplitsBlocksWithP1AndBlockNumbers) {
  const Bytes lf = hex("C48105" "0102030405");  // C4 81 05 is valid BER too
  auto cmds = load_commands(lf, 3);
  ASSERT_TRUE(cmds);
  ASSERT_EQ(cmds->size(), 3u);
  EXPECT_EQ(capdu_hex((*cmds)[0]), "80E8000003C4810500");
  EXPECT_EQ(capdu_hex((*cmds)[1]), "80E8000103010203" "00");
  EXPECT_EQ(capdu_hex((*cmds)[2]), "80E88002020405" "00");
  EXPECT_FALSE(load_commands(lf, 0));
  EXPECT_FALSE(load_commands(lf, 256));
  const Bytes big(257 * 10, 0x00);
  auto too_many = load_commands(big, 10);
  ASSERT_FALSE(too_many);
  EXPECT_NE(too_many.error().message.find("257 LOAD blocks"), std::string::npos)
      << too_many.error().message;
}

// Block size arithmetic: C-APDU = 4 header + 1 Lc + data + overhead + 1 Le; script element =
// 22 + BER length + C-APDU (TS 102 226 §5.2.1).
TEST(GpCommands, MaxLoadBlockSize) {
  BlockLimits l;
  EXPECT_EQ(*max_load_block_size(l), 255u);
  l.secure_channel_overhead = 8;
  EXPECT_EQ(*max_load_block_size(l), 247u);
  l.max_script_command = 250;  // 1 + 2 + (n + 14) <= 250
  EXPECT_EQ(*max_load_block_size(l), 233u);
  l.secure_channel_overhead = 24;  // MAC + worst-case C-ENC padding
  l.max_script_command.reset();
  l.max_capdu = 200;  // 4 + 1 + n + 24 + 1 <= 200
  EXPECT_EQ(*max_load_block_size(l), 170u);
  l.max_capdu = 30;
  auto none = max_load_block_size(l);
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error(), Errc::invalid_argument);
}

TEST(GpCommands, DapBlockLayout) {
  EXPECT_EQ(to_hex(dap_block(hex("A000000151000000"), hex("0102"))),
            "E20E4F08A000000151000000C3020102");
}

// GP 2.3 Table 11-70: DES key 80 10 <key> 03 <KCV>; GPP AES form 88 11 10 <key> 03 <KCV>;
// Amendment B Table 3-11 PSK form 85 <Ltot> <Lkey> <key> 03 <KCV>.
TEST(GpCommands, PutKeyComponentsAndCommand) {
  const Bytes k16(16, 0x11);
  const Bytes kcv = hex("ABCDEF");
  auto des = des_key_component(k16, kcv);
  ASSERT_TRUE(des);
  EXPECT_EQ(to_hex(*des), "8010" + to_hex(k16) + "03ABCDEF");
  auto aes = aes_key_component(k16, 16, kcv);
  ASSERT_TRUE(aes);
  EXPECT_EQ(to_hex(*aes), "881110" + to_hex(k16) + "03ABCDEF");
  auto psk = psk_key_component(k16, 16, kcv);
  ASSERT_TRUE(psk);
  EXPECT_EQ(to_hex(*psk), "851110" + to_hex(k16) + "03ABCDEF");
  const Bytes k200(144, 0x22);  // long PSK: BER lengths
  auto lpsk = psk_key_component(k200, 140, kcv);
  ASSERT_TRUE(lpsk);
  EXPECT_EQ(to_hex(*lpsk).substr(0, 10), "858192818C");
  PutKey pk;
  pk.replace_kvn = 0x30;
  pk.new_kvn = 0x31;
  pk.kid = 0x01;
  pk.components = {*aes, *aes, *aes};
  auto cmd = put_key(pk);
  ASSERT_TRUE(cmd);
  EXPECT_EQ(cmd->p1, 0x30);
  EXPECT_EQ(cmd->p2, 0x81);
  EXPECT_EQ(cmd->data.size(), 1u + 3 * 23);  // 88 11 10 <16> 03 <3>
  EXPECT_EQ(cmd->data[0], 0x31);
  EXPECT_FALSE(des_key_component(Bytes(15, 0), kcv));
  EXPECT_FALSE(aes_key_component(k16, 20, kcv));
  PutKey empty;
  EXPECT_FALSE(put_key(empty));
}

// The GlobalPlatform default test key 40..4F has the 3DES KCV 8BAF47 (printed by
// GlobalPlatformPro for its default key set, e.g. `gp --info` key listing).
TEST(GpCommands, KcvWrappers) {
  auto k = kcv_des(hex("404142434445464748494A4B4C4D4E4F"));
  ASSERT_TRUE(k);
  EXPECT_EQ(to_hex(*k), "8BAF47");
  EXPECT_EQ(kcv_sha1(hex("00")).size(), 3u);
  EXPECT_FALSE(kcv_aes(hex("0011")));
}

TEST(GpCommands, PutKeyResponse) {
  auto r = parse_put_key_response(hex("31AABBCCDDEEFF112233"));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->kvn, 0x31);
  ASSERT_EQ(r->kcvs.size(), 3u);
  EXPECT_EQ(to_hex(r->kcvs[2]), "112233");
  auto bad = parse_put_key_response(hex("31AABB"));
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error(), Errc::malformed);
  auto empty = parse_put_key_response({});
  ASSERT_FALSE(empty);
  EXPECT_EQ(empty.error(), Errc::truncated);
}

}  // namespace
}  // namespace gpram::gp
