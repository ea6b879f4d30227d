// Registry management on the virtual card: INSTALL variants (install, make selectable,
// personalization, extradition), GET STATUS formats and 6310 paging, SET STATUS of
// applications and Security Domains.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include "card_test_util.hpp"
#include "gpram/gp/cap.hpp"
#include "gpram/gp/commands.hpp"
#include "gpram/gp/install.hpp"
#include "vectors.hpp"

namespace gpram::card::test {
namespace {

const Bytes kPkg = hex("D0D1D2D3D4D501");
const Bytes kApplet = hex("D0D1D2D3D4D50101");

// Loads kaoh-helloworld.cap (no instance).
void load_helloworld(VirtualCard& card, scp::SecureChannel& host) {
  auto cap = gp::CapFile::load(gpram::test::testdata("cap/kaoh-helloworld.cap"));
  ASSERT_TRUE(cap);
  gp::InstallOptions o;
  o.install_applets = false;
  auto script = gp::compile_install(*cap, o);
  ASSERT_TRUE(script);
  for (const auto& c : *script) ASSERT_EQ(send(card, host, c).sw, 0x9000);
}

apdu::Capdu install_instance(const Bytes& aid, Bytes priv, bool selectable, Bytes params = {0xC9, 0x00}) {
  gp::InstallForInstall in;
  in.elf_aid = kPkg;
  in.module_aid = kApplet;
  in.instance_aid = aid;
  in.privileges = std::move(priv);
  in.params = std::move(params);
  return *gp::install_for_install(in, selectable);
}

TEST(CardRegistry, InstallChecksParametersAndUniqueness) {
  VirtualCard card(CardConfig{}, 1);
  auto host = open_scp03(card, 0x03);
  load_helloworld(card, host);
  EXPECT_EQ(send(card, host, install_instance(kApplet, {0x00}, true, {0xEA, 0x00})).sw, 0x6A80);
  EXPECT_EQ(send(card, host, install_instance(kApplet, {0x00}, false)).sw, 0x9000);
  EXPECT_EQ(send(card, host, install_instance(kApplet, {0x00}, true)).sw, 0x6985);  // duplicate
  // INSTALLED, not yet selectable: SELECT fails until [for make selectable].
  EXPECT_EQ(tx(card, "0070000001"), "019000");
  EXPECT_EQ(tx(card, "01A4040008D0D1D2D3D4D50101"), "6A82");
  EXPECT_EQ(send(card, host, *gp::install_for_make_selectable(kApplet, Bytes{0x00})).sw, 0x9000);
  EXPECT_EQ(send(card, host, *gp::install_for_make_selectable(kApplet, Bytes{0x00})).sw, 0x6985);
  EXPECT_EQ(tx(card, "01A4040008D0D1D2D3D4D50101"), "9000");
  EXPECT_EQ(card.find_application(kApplet)->life_cycle, kAppSelectable);
  EXPECT_EQ(card.find_application(kApplet)->sd, hex("A000000151000000"));
}

TEST(CardRegistry, PersonalizationForwardsStoreDataToTheApplication) {
  VirtualCard card(CardConfig{}, 1);
  auto host = open_scp03(card, 0x03);
  load_helloworld(card, host);
  ASSERT_EQ(send(card, host, install_instance(kApplet, {0x00}, true)).sw, 0x9000);
  EXPECT_EQ(send(card, host, *gp::install_for_personalization(hex("D0D1D2D3D4D50199"))).sw, 0x6A88);
  EXPECT_EQ(send(card, host, *gp::install_for_personalization(kApplet)).sw, 0x9000);
  EXPECT_EQ(send(card, host, cmd("80E2000003010203")).sw, 0x9000);
  EXPECT_EQ(send(card, host, cmd("80E2800102AABB")).sw, 0x9000);
  const Application* a = card.find_application(kApplet);
  ASSERT_EQ(a->personalization.size(), 2u);
  EXPECT_EQ(to_hex(a->personalization[1]), "AABB");
  // After the last block, STORE DATA goes to the SD again.
  EXPECT_EQ(send(card, host, cmd("80E2900005850304DEAD")).sw, 0x9000);
  EXPECT_EQ(card.find_application(kApplet)->personalization.size(), 2u);
}

TEST(CardRegistry, GetStatusFormatsAndPaging) {
  CardConfig cfg;
  cfg.max_response = 64;
  VirtualCard card(cfg, 1);
  auto host = open_scp03(card, 0x03);
  load_helloworld(card, host);
  for (uint8_t n = 0; n < 5; ++n) {
    Bytes aid = kApplet;
    aid.push_back(n);
    ASSERT_EQ(send(card, host, install_instance(aid, {0x00}, true)).sw, 0x9000);
  }
  // Legacy format, ISD: L AID LCS privilege byte.
  EXPECT_EQ(to_hex(send(card, host, cmd("80F28000024F0000")).data), "08A0000001510000000F9E");
  // Legacy format, ELFs with modules.
  EXPECT_EQ(to_hex(send(card, host, cmd("80F21000024F0000")).data),
            "07D0D1D2D3D4D501010001" "08D0D1D2D3D4D50101");
  // TLV ELF entry: version 1.0, associated SD.
  EXPECT_EQ(to_hex(send(card, host, cmd("80F22002024F0000")).data),
            "E31B4F07D0D1D2D3D4D5019F700101CE020100CC08A000000151000000");
  // Five application entries of 41 bytes each: pages of one entry at 64 bytes.
  std::string all;
  apdu::Rapdu r = send(card, host, cmd("80F24002024F0000"));
  int pages = 1;
  while (r.sw == 0x6310 && pages < 10) {
    all += to_hex(r.data);
    r = send(card, host, cmd("80F24003024F0000"));
    ++pages;
  }
  all += to_hex(r.data);
  EXPECT_EQ(r.sw, 0x9000);
  EXPECT_EQ(pages, 5);
  for (uint8_t n = 0; n < 5; ++n)
    EXPECT_NE(all.find("4F09" + to_hex(kApplet) + fmt::format("{:02X}", n)), std::string::npos);
  // Next occurrence without a previous 6310.
  EXPECT_EQ(send(card, host, cmd("80F24003024F0000")).sw, 0x6985);
  // Search criteria: AID prefix, no match, bad criteria.
  EXPECT_EQ(send(card, host, cmd("80F24002054F03D0D1D200")).sw, 0x6310);
  EXPECT_EQ(send(card, host, cmd("80F24002054F03D0D1D900")).sw, 0x6A88);
  EXPECT_EQ(send(card, host, cmd("80F2400202500000")).sw, 0x6A80);
  EXPECT_EQ(send(card, host, cmd("80F20002024F0000")).sw, 0x6A86);
  EXPECT_EQ(send(card, host, cmd("80F24004024F0000")).sw, 0x6A86);
}

TEST(CardRegistry, SecurityDomainInstallExtraditionAndLocks) {
  VirtualCard card(CardConfig{}, 1);
  auto host = open_scp03(card, 0x03);
  load_helloworld(card, host);
  const Bytes ssd = hex("D0D1D2D3D4D50102");
  ASSERT_EQ(send(card, host, install_instance(ssd, {0x80, 0x00, 0x00}, true)).sw, 0x9000);
  ASSERT_EQ(send(card, host, install_instance(kApplet, {0x00}, true)).sw, 0x9000);
  ASSERT_TRUE(card.find_application(ssd)->domain);
  EXPECT_EQ(send(card, host, *gp::install_for_extradition(ssd, kApplet)).sw, 0x9000);
  EXPECT_EQ(card.find_application(kApplet)->sd, ssd);
  EXPECT_EQ(send(card, host, *gp::install_for_extradition(kApplet, ssd)).sw, 0x6A88);
  // The SSD has an associated application: DELETE needs P2 80.
  // Lock the SD and its applications, then unlock.
  EXPECT_EQ(send(card, host, *gp::set_status(gp::SetStatusScope::sd_and_applications, 0x80, ssd)).sw,
            0x9000);
  EXPECT_EQ(card.find_application(kApplet)->life_cycle, 0x87);
  EXPECT_EQ(tx(card, "0070000001"), "019000");
  EXPECT_EQ(tx(card, "01A4040008D0D1D2D3D4D50101"), "6A82");
  EXPECT_EQ(send(card, host, *gp::set_status(gp::SetStatusScope::sd_and_applications, 0x00, ssd)).sw,
            0x9000);
  EXPECT_EQ(tx(card, "01A4040008D0D1D2D3D4D50101"), "9000");
  // Application lock / unlock / unlock again; the ISD cannot be locked this way.
  EXPECT_EQ(send(card, host, *gp::set_status(gp::SetStatusScope::application, 0x80, kApplet)).sw, 0x9000);
  EXPECT_EQ(send(card, host, *gp::set_status(gp::SetStatusScope::application, 0x00, kApplet)).sw, 0x9000);
  EXPECT_EQ(send(card, host, *gp::set_status(gp::SetStatusScope::application, 0x00, kApplet)).sw, 0x6985);
  EXPECT_EQ(send(card, host, *gp::set_status(gp::SetStatusScope::application, 0x0F, kApplet)).sw, 0x9000);
  EXPECT_EQ(send(card, host, *gp::set_status(gp::SetStatusScope::application, 0x80,
                                             hex("A000000151000000"))).sw, 0x6985);
  EXPECT_EQ(send(card, host, *gp::set_status(gp::SetStatusScope::application, 0x80,
                                             hex("A0000001519999"))).sw, 0x6A88);
  EXPECT_EQ(send(card, host, *gp::delete_object(ssd, false)).sw, 0x6985);
  EXPECT_EQ(send(card, host, *gp::delete_object(ssd, true)).sw, 0x9000);
  EXPECT_EQ(card.find_application(kApplet)->sd, hex("A000000151000000"));
}

TEST(CardRegistry, SelectNextOccurrenceWalksMatchingApplications) {
  VirtualCard card(CardConfig{}, 1);
  auto host = open_scp03(card, 0x03);
  load_helloworld(card, host);
  for (uint8_t n = 1; n <= 2; ++n) {
    Bytes aid = kApplet;
    aid.push_back(n);
    ASSERT_EQ(send(card, host, install_instance(aid, {0x00}, true)).sw, 0x9000);
  }
  EXPECT_EQ(tx(card, "0070000001"), "019000");
  EXPECT_EQ(tx(card, "01A4040006D0D1D2D3D4D5"), "9000");  // first: ...0101 01
  EXPECT_EQ(tx(card, "01A4040206D0D1D2D3D4D5"), "9000");  // next:  ...0101 02
  EXPECT_EQ(tx(card, "01A4040206D0D1D2D3D4D5"), "6A82");
}

}  // namespace
}  // namespace gpram::card::test
