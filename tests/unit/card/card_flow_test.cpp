// End-to-end flows: gpram::scp host side + gpram::gp CAP/INSTALL builders driving the virtual
// card as the OTA server's scripts would (open SCP03/SCP02, load and install a real CAP, select
// the applet, list it, delete it), persistence round trip, fault hooks.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include "card_test_util.hpp"
#include "gpram/tlv/tlv.hpp"
#include "gpram/gp/cap.hpp"
#include "gpram/gp/commands.hpp"
#include "gpram/gp/install.hpp"
#include "vectors.hpp"

namespace gpram::card::test {
namespace {

std::vector<apdu::Capdu> install_script(const std::string& cap_name, gp::HashAlg hash) {
  auto cap = gp::CapFile::load(gpram::test::testdata("cap/" + cap_name));
  EXPECT_TRUE(cap) << cap.error().message;
  gp::InstallOptions o;
  o.hash = hash;
  o.block_size = 200;
  auto script = gp::compile_install(*cap, o);
  EXPECT_TRUE(script) << script.error().message;
  return *script;
}

bool status_lists(VirtualCard& card, scp::SecureChannel& host, gp::StatusKind kind, ByteView aid) {
  auto c = gp::get_status(kind, gp::StatusFormat::tlv);
  const apdu::Rapdu r = send(card, host, *c);
  if (r.sw != 0x9000) return false;
  const std::string body = to_hex(r.data);
  return body.find("4F" + fmt::format("{:02X}", aid.size()) + to_hex(aid)) != std::string::npos;
}

void install_select_delete(VirtualCard& card, scp::SecureChannel& host, const std::string& cap,
                           const Bytes& package, const Bytes& applet, gp::HashAlg hash) {
  for (const auto& c : install_script(cap, hash)) {
    const apdu::Rapdu r = send(card, host, c);
    ASSERT_EQ(r.sw, 0x9000) << "INS " << int(c.ins) << " P1 " << int(c.p1) << " P2 " << int(c.p2);
  }
  ASSERT_NE(card.find_load_file(package), nullptr);
  EXPECT_EQ(card.find_load_file(package)->modules.front(), applet);
  EXPECT_TRUE(status_lists(card, host, gp::StatusKind::applications, applet));
  EXPECT_TRUE(status_lists(card, host, gp::StatusKind::load_files_and_modules, package));

  // The applet answers on a second logical channel; its echo proves the instance exists.
  EXPECT_EQ(tx(card, "0070000001"), "019000");
  apdu::Capdu sel = *gp::select(applet);
  sel.cla = 0x01;
  EXPECT_EQ(card.transmit(sel).sw, 0x9000);
  EXPECT_EQ(tx(card, "8101000003CAFE0100"), "CAFE019000");
  EXPECT_EQ(tx(card, "0070800100"), "9000");

  // Delete the package and its instance; GET STATUS no longer lists them.
  EXPECT_EQ(send(card, host, *gp::delete_object(package, false)).sw, 0x6985);  // has an instance
  EXPECT_EQ(send(card, host, *gp::delete_object(package, true)).sw, 0x9000);
  EXPECT_EQ(card.find_load_file(package), nullptr);
  EXPECT_EQ(card.find_application(applet), nullptr);
  EXPECT_FALSE(status_lists(card, host, gp::StatusKind::applications, applet));
  EXPECT_EQ(send(card, host, *gp::get_status(gp::StatusKind::load_files, gp::StatusFormat::tlv)).sw,
            0x6A88);
  EXPECT_EQ(send(card, host, *gp::delete_object(package, false)).sw, 0x6A88);
}

TEST(CardFlow, Scp03Level03InstallsSelectsListsDeletesKaohHelloWorld) {
  VirtualCard card(CardConfig{}, 7);
  auto host = open_scp03(card, 0x03);
  install_select_delete(card, host, "kaoh-helloworld.cap", hex("D0D1D2D3D4D501"),
                        hex("D0D1D2D3D4D50101"), gp::HashAlg::sha256);
}

TEST(CardFlow, Scp03Level33InstallsHelloStk) {
  VirtualCard card(CardConfig{}, 8);
  auto host = open_scp03(card, 0x33);
  install_select_delete(card, host, "pysim-test_javacard-hellostk.cap", hex("D07002CA44"),
                        hex("D07002CA44900101"), gp::HashAlg::sha1);
}

TEST(CardFlow, Scp02Level03InstallsSelectsListsDeletes) {
  VirtualCard card(CardConfig::scp02(), 9);
  auto host = open_scp02(card, 0x03);
  install_select_delete(card, host, "gppro-Empty_0102030405_8d5ac9e2_2.2.1.cap",
                        hex("0102030405"), hex("0102030405060708"), gp::HashAlg::none);
}

TEST(CardFlow, LoadFileOfPysimVectorRegistersPackageAndApplet) {
  // osmocom/pysim tests/unittests/test_javacard.py@597f1e03 (shared vectors cap.json): the
  // HelloSTK Load File as pySim builds it (Descriptor included), loaded without a hash.
  const nlohmann::json v = gpram::test::vector("cap.json", "pysim-cap-loadfile");
  const Bytes lf = hex(v["expected"]["load_file"].get<std::string>());
  VirtualCard card(CardConfig{}, 3);
  auto host = open_scp03(card, 0x01);
  EXPECT_EQ(send(card, host, cmd("80E602000A05D07002CA4400000000")).sw, 0x9000);
  Bytes lfdb{0xC4};
  tlv::append_length(lfdb, lf.size());
  append(lfdb, lf);
  auto loads = gp::load_commands(lfdb, 240);
  ASSERT_TRUE(loads);
  for (const auto& c : *loads) EXPECT_EQ(send(card, host, c).sw, 0x9000);
  const LoadFile* e = card.find_load_file(hex("D07002CA44"));
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(to_hex(e->version), "0100");
  ASSERT_EQ(e->modules.size(), 1u);
  EXPECT_EQ(to_hex(e->modules[0]), "D07002CA44900101");
}

TEST(CardState, JsonRoundTripKeepsRegistryKeysAndCounters) {
  VirtualCard card(CardConfig{}, 11);
  {
    auto host = open_scp03(card, 0x03);
    for (const auto& c : install_script("kaoh-helloworld.cap", gp::HashAlg::none))
      ASSERT_EQ(send(card, host, c).sw, 0x9000);
    EXPECT_EQ(send(card, host, cmd("80E2900005850304DEAD")).sw, 0x9000);  // STORE DATA 85
  }
  const nlohmann::json state = card.to_json();
  auto restored = VirtualCard::from_json(nlohmann::json::parse(state.dump()),
                                         std::make_unique<SeededRandom>(12));
  ASSERT_TRUE(restored) << restored.error().message;
  EXPECT_EQ(restored->to_json(), state);
  EXPECT_EQ(tx(*restored, "80CA00C100"), "C1030000019000");
  EXPECT_EQ(tx(*restored, "80CA008500"), "850304DEAD9000");
  EXPECT_EQ(tx(*restored, "00A4040008D0D1D2D3D4D50101"), "9000");
  // The next session continues the sequence counter.
  EXPECT_EQ(tx(*restored, "00A4040000").substr(0, 2), "6F");
  auto host = open_scp03(*restored, 0x01);
  EXPECT_EQ(tx(*restored, "80CA00C100"), "C1030000029000");
}

TEST(CardState, FromJsonRejectsMalformedState) {
  EXPECT_FALSE(VirtualCard::from_json(nlohmann::json::object()));
  nlohmann::json s = VirtualCard(CardConfig{}, 1).to_json();
  s["applications"][0]["domain"]["keys"][0]["value"] = "XYZ";
  auto r = VirtualCard::from_json(s);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, make_error_code(Errc::bad_state));
  EXPECT_NE(r.error().message.find("applications[0].domain.keys[0]"), std::string::npos)
      << r.error().message;
  s = VirtualCard(CardConfig{}, 1).to_json();
  s["applications"] = nlohmann::json::array();
  EXPECT_FALSE(VirtualCard::from_json(s));
}

TEST(CardFaults, StatusWordByInsAndByCountDropAndDelay) {
  VirtualCard card(CardConfig{}, 1);
  FaultPlan f;
  f.sw_on_ins = 0xCA;
  f.sw = 0x6A84;
  f.delay_ms = 250;
  f.drop_after = 3;
  card.set_faults(f);
  auto x = card.exchange(hex("80CA006600"));
  EXPECT_EQ(to_hex(x.response), "6A84");
  EXPECT_EQ(x.delay_ms, 250u);
  EXPECT_FALSE(x.drop);
  EXPECT_EQ(tx(card, "00A4040000").substr(0, 2), "6F");
  EXPECT_TRUE(card.exchange(hex("00A4040000")).drop);
  EXPECT_EQ(card.apdu_count(), 3u);
  FaultPlan g;
  g.sw_on_command = 5;
  g.sw = 0x6F00;
  card.set_faults(g);
  EXPECT_NE(tx(card, "00A4040000"), "6F00");
  EXPECT_EQ(tx(card, "00A4040000"), "6F00");
}

TEST(CardFaults, CorruptedRmacIsDetectedByTheHost) {
  VirtualCard card(CardConfig{}, 1);
  auto host = open_scp03(card, 0x13);
  FaultPlan f;
  f.corrupt_next_rmac = true;
  card.set_faults(f);
  auto w = host.wrap(cmd("80CA006600"));
  ASSERT_TRUE(w);
  const apdu::Rapdu r = card.transmit(*w);
  EXPECT_EQ(r.sw, 0x9000);
  EXPECT_FALSE(host.unwrap(r));
}

}  // namespace
}  // namespace gpram::card::test
