// compile_install: INSTALL [for load] + LOAD + INSTALL [for install and make selectable]
// (GP 2.3 §9.3.5, §11.5, §11.6). Expected layouts are written by hand from the GP tables and the
// AIDs in /work/shared/testdata/cap/SOURCES.md.
#include <gtest/gtest.h>

#include "gp_test_util.hpp"
#include "gpram/gp/install.hpp"

namespace gpram::gp {
namespace {

using test::cap_path;
using test::capdu_hex;

TEST(CompileInstall, KaohHelloWorldDefaultSequence) {
  auto cap = CapFile::load(cap_path("kaoh-helloworld.cap"));
  ASSERT_TRUE(cap) << cap.error().message;
  InstallOptions o;
  o.block_size = 240;
  auto cmds = compile_install(*cap, o);
  ASSERT_TRUE(cmds) << cmds.error().message;
  // Load file 247 bytes -> LFDB C4 81 F7 + 247 = 250 bytes -> 2 LOAD blocks.
  ASSERT_EQ(cmds->size(), 4u);
  EXPECT_EQ(capdu_hex((*cmds)[0]), "80E602000C07D0D1D2D3D4D5010000000000");
  EXPECT_EQ((*cmds)[1].ins, 0xE8);
  EXPECT_EQ((*cmds)[1].p1, 0x00);
  EXPECT_EQ((*cmds)[1].p2, 0x00);
  EXPECT_EQ((*cmds)[1].data.size(), 240u);
  EXPECT_EQ(to_hex(Bytes((*cmds)[1].data.begin(), (*cmds)[1].data.begin() + 7)), "C481F7010011DE");
  EXPECT_EQ((*cmds)[2].p1, 0x80);
  EXPECT_EQ((*cmds)[2].p2, 0x01);
  EXPECT_EQ((*cmds)[2].data.size(), 10u);
  EXPECT_EQ(capdu_hex((*cmds)[3]), "80E60C002007D0D1D2D3D4D50108D0D1D2D3D4D5010108D0D1D2D3D4D50101"
                                   "01000" "2C9000000");
  Bytes joined;
  for (size_t i = 1; i <= 2; ++i) append(joined, (*cmds)[i].data);
  EXPECT_EQ(joined, cap->load_file_data_block());
}

TEST(CompileInstall, OptionsHashSdDescriptorAndApplets) {
  auto cap = CapFile::load(cap_path("pysim-test_javacard-hellostk.cap"));
  ASSERT_TRUE(cap) << cap.error().message;
  InstallOptions o;
  o.sd_aid = hex("A000000151000000");
  o.include_descriptor = true;
  o.hash = HashAlg::sha1;
  o.limits.secure_channel_overhead = 8;
  o.applets.push_back({hex("D07002CA44900101"), hex("D07002CA44900102"), hex("00"),
                       install_parameters({}, {256, 256, hex("0100"), {}})});
  auto cmds = compile_install(*cap, o);
  ASSERT_TRUE(cmds) << cmds.error().message;
  // 569-byte load file + C4 82 0239 = 573 bytes, 247-byte blocks -> 3 LOADs.
  ASSERT_EQ(cmds->size(), 5u);
  const auto& ifl = (*cmds)[0].data;
  EXPECT_EQ(to_hex(Bytes(ifl.begin(), ifl.begin() + 16)), "05D07002CA4408A00000015100000014");
  EXPECT_EQ(Bytes(ifl.begin() + 16, ifl.begin() + 36),
            cap->load_file_hash(HashAlg::sha1, true));
  EXPECT_EQ((*cmds)[1].data.size(), 247u);
  EXPECT_EQ((*cmds)[3].p1, 0x80);
  EXPECT_EQ((*cmds)[3].p2, 0x02);
  const auto& inst = (*cmds)[4].data;
  EXPECT_EQ(to_hex(Bytes(inst.begin(), inst.begin() + 24)),
            "05D07002CA4408D07002CA4490010108D07002CA44900102");
}

TEST(CompileInstall, LibraryPackageLoadsOnly) {
  auto cap = CapFile::load(cap_path("openjavacard-lib-ber.cap"));
  ASSERT_TRUE(cap) << cap.error().message;
  InstallOptions o;
  o.block_size = 200;
  auto cmds = compile_install(*cap, o);
  ASSERT_TRUE(cmds) << cmds.error().message;
  const size_t lfdb = cap->load_file_data_block().size();
  EXPECT_EQ(cmds->size(), 1 + (lfdb + 199) / 200);
  EXPECT_EQ(cmds->back().ins, 0xE8);
  EXPECT_EQ(cmds->back().p1, 0x80);
}

TEST(CompileInstall, RejectsUnknownAppletClass) {
  auto cap = CapFile::load(cap_path("kaoh-helloworld.cap"));
  ASSERT_TRUE(cap);
  InstallOptions o;
  o.applets.push_back({hex("D0D1D2D3D4D50199"), {}, hex("00"), hex("C900")});
  auto cmds = compile_install(*cap, o);
  ASSERT_FALSE(cmds);
  EXPECT_EQ(cmds.error(), Errc::unknown_applet);
  EXPECT_NE(cmds.error().message.find("D0D1D2D3D4D50199"), std::string::npos);
}

TEST(CompileInstall, LargestCapAtDefaultLimitsAndTooSmallBlocks) {
  auto cap = CapFile::load(cap_path("AlgTest_v1.8.2_jc305.cap"));
  ASSERT_TRUE(cap) << cap.error().message;
  InstallOptions o;
  o.block_size = 240;
  auto cmds = compile_install(*cap, o);
  ASSERT_TRUE(cmds) << cmds.error().message;
  const size_t lfdb = cap->load_file_data_block().size();
  EXPECT_EQ(cmds->size(), 2 + (lfdb + 239) / 240);
  o.block_size = 16;  // > 256 blocks
  auto small = compile_install(*cap, o);
  ASSERT_FALSE(small);
  EXPECT_EQ(small.error(), Errc::invalid_argument);
}

}  // namespace
}  // namespace gpram::gp

namespace gpram::gp {
namespace {

// The block-size calculator and libs/apdu's encoder agree: with max_capdu = 200 and 24 bytes of
// secure-channel overhead, every LOAD encodes to at most 200 - 24 bytes before wrapping.
TEST(CompileInstall, LoadsFitTheApduLimitWhenEncoded) {
  auto cap = CapFile::load(test::cap_path("AlgTest_v1.8.2_jc222.cap"));
  ASSERT_TRUE(cap) << cap.error().message;
  InstallOptions o;
  o.limits.max_capdu = 200;
  o.limits.secure_channel_overhead = 24;
  auto cmds = compile_install(*cap, o);
  ASSERT_TRUE(cmds) << cmds.error().message;
  for (const auto& c : *cmds) {
    const Bytes wire = apdu::encode(c);
    EXPECT_EQ(to_hex(wire), test::capdu_hex(c));
    if (c.ins == kInsLoad) {
      EXPECT_LE(wire.size() + 24, 200u);
    }
  }
}

}  // namespace
}  // namespace gpram::gp
