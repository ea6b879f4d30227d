// GET STATUS parsing and paging, privileges, life cycles, key information. Public sources:
//  - martinpaljak/GlobalPlatformPro library/src/test/java/pro/javacard/gp/TestParseTags.java
//    @154ff224bbaf452a84359c20f17bf95c08464b53 (testParseISD, testParsePartialISD,
//    testPrivileges)
//  - martinpaljak/GlobalPlatformPro library/src/test/java/pro/javacard/gp/TestGPKeyInfo.java
//    @6e7db0a315a7893683d1d200593c8aa42d5e7d44 (key information templates)
//  - apdu.json pysim-keyinfo-* (osmocom/pysim pySim/global_platform/__init__.py
//    @597f1e0398bb81d6832dc92ee4dfdcada59d3d82)
// Legacy-format responses are written by hand from GP 2.3 Tables 11-37/11-38 (no public
// vector found).
#include <gtest/gtest.h>

#include "gpram/gp/registry.hpp"
#include "vectors.hpp"

namespace gpram::gp {
namespace {

// GPP testParseISD.
TEST(GpRegistry, ParsesGppIsdRecord) {
  auto r = parse_get_status(hex("E3144F07A00000015100009F700107C50180EA028000"), StatusKind::isd,
                            StatusFormat::tlv);
  ASSERT_TRUE(r) << r.error().message;
  ASSERT_EQ(r->size(), 1u);
  EXPECT_EQ(to_hex((*r)[0].aid), "A0000001510000");
  EXPECT_EQ((*r)[0].lifecycle, 0x07);
  EXPECT_EQ(lifecycle_name(LifecycleKind::card, (*r)[0].lifecycle), "INITIALIZED");
  EXPECT_EQ(privilege_names((*r)[0].privileges), std::vector<std::string>{"SecurityDomain"});
}

// GPP testParsePartialISD.
TEST(GpRegistry, ParsesGppPartialIsdRecord) {
  auto r = parse_get_status(
      hex("E3464F08A0000000030000009F700101C5039EFE80CF0140CF0141CF0142CF0143CF0180CF0181CF0182"
          "CF0183C40BD276000005AAFFCAFE0001CE020001CC08A000000003000000"),
      StatusKind::isd, StatusFormat::tlv);
  ASSERT_TRUE(r) << r.error().message;
  ASSERT_EQ(r->size(), 1u);
  const auto& e = (*r)[0];
  EXPECT_EQ(to_hex(e.aid), "A000000003000000");
  EXPECT_EQ(e.lifecycle, 0x01);
  EXPECT_EQ(to_hex(e.privileges), "9EFE80");
  EXPECT_EQ(e.implicit_selection.size(), 8u);
  EXPECT_EQ(to_hex(e.elf_aid), "D276000005AAFFCAFE0001");
  EXPECT_EQ(to_hex(e.elf_version), "0001");
  EXPECT_EQ(to_hex(e.sd_aid), "A000000003000000");
}

TEST(GpRegistry, ParsesSeveralTlvRecordsWithModules) {
  auto r = parse_get_status(hex("E3154F07A00000006201019F700101" "8406A00000006201"
                                "E30D4F07D0D1D2D3D4D5019F700101"),
                            StatusKind::load_files_and_modules, StatusFormat::tlv);
  ASSERT_TRUE(r) << r.error().message;
  ASSERT_EQ(r->size(), 2u);
  ASSERT_EQ((*r)[0].modules.size(), 1u);
  EXPECT_EQ(lifecycle_name(LifecycleKind::load_file, (*r)[1].lifecycle), "LOADED");
}

TEST(GpRegistry, ParsesLegacyFormats) {
  // Applications: L AID LCS priv, twice.
  auto apps = parse_get_status(hex("07A0000001510001" "0700" "08D0D1D2D3D4D50101" "0F80"),
                               StatusKind::applications, StatusFormat::legacy);
  ASSERT_TRUE(apps) << apps.error().message;
  ASSERT_EQ(apps->size(), 2u);
  EXPECT_EQ((*apps)[0].lifecycle, 0x07);
  EXPECT_EQ(to_hex((*apps)[1].privileges), "80");
  // Load files and modules: L AID LCS priv n {L AID}.
  auto elfs = parse_get_status(hex("07D0D1D2D3D4D501" "0100" "02" "08D0D1D2D3D4D50101"
                                   "08D0D1D2D3D4D50102"),
                               StatusKind::load_files_and_modules, StatusFormat::legacy);
  ASSERT_TRUE(elfs) << elfs.error().message;
  ASSERT_EQ(elfs->size(), 1u);
  ASSERT_EQ((*elfs)[0].modules.size(), 2u);
  EXPECT_EQ(to_hex((*elfs)[0].modules[1]), "D0D1D2D3D4D50102");
}

TEST(GpRegistry, RejectsMalformedLegacy) {
  auto t = parse_get_status(hex("07A00000015100"), StatusKind::applications,
                            StatusFormat::legacy);
  ASSERT_FALSE(t);
  EXPECT_EQ(t.error(), Errc::truncated);
  EXPECT_NE(t.error().message.find("offset 0 needs 10 bytes, 7 left"), std::string::npos)
      << t.error().message;
  auto z = parse_get_status(hex("000700"), StatusKind::applications, StatusFormat::legacy);
  ASSERT_FALSE(z);
  EXPECT_EQ(z.error(), Errc::malformed);
  auto m = parse_get_status(hex("05A0000001510100" "03" "05A000000151"),
                            StatusKind::load_files_and_modules, StatusFormat::legacy);
  ASSERT_FALSE(m);
  EXPECT_EQ(m.error(), Errc::truncated);
  EXPECT_NE(m.error().message.find("module 2 of 3"), std::string::npos) << m.error().message;
}

TEST(GpRegistry, RejectsMalformedTlv) {
  auto no_aid = parse_get_status(hex("E3049F700107"), StatusKind::isd, StatusFormat::tlv);
  ASSERT_FALSE(no_aid);
  EXPECT_NE(no_aid.error().message.find("no AID (4F)"), std::string::npos);
  auto no_lcs = parse_get_status(hex("E3074F05A000000151"), StatusKind::isd, StatusFormat::tlv);
  ASSERT_FALSE(no_lcs);
  EXPECT_NE(no_lcs.error().message.find("no life cycle"), std::string::npos);
  auto wrong = parse_get_status(hex("6F074F05A000000151"), StatusKind::isd, StatusFormat::tlv);
  ASSERT_FALSE(wrong);
  EXPECT_NE(wrong.error().message.find("tag 6F at offset 0 where E3"), std::string::npos)
      << wrong.error().message;
  auto overrun = parse_get_status(hex("E3204F05A000000151"), StatusKind::isd, StatusFormat::tlv);
  ASSERT_FALSE(overrun);
  EXPECT_EQ(overrun.error().code.category().name(), std::string("gpram.tlv"));
  auto inner = parse_get_status(hex("E3054F07A00000"), StatusKind::isd, StatusFormat::tlv);
  ASSERT_FALSE(inner);
  auto priv = parse_get_status(hex("E3114F05A0000001519F700107C50480000000"), StatusKind::isd,
                               StatusFormat::tlv);
  ASSERT_FALSE(priv);
  EXPECT_NE(priv.error().message.find("privileges (C5) of 4 bytes"), std::string::npos);
}

TEST(GpRegistry, PagerFollows6310) {
  GetStatusPager pager(StatusKind::applications, StatusFormat::tlv);
  auto first = pager.first_command();
  ASSERT_TRUE(first);
  EXPECT_EQ(first->p2, 0x02);
  auto more = pager.feed({hex("E30D4F07A00000015100019F700107"), 0x6310});
  ASSERT_TRUE(more);
  EXPECT_TRUE(*more);
  auto next = pager.next_command();
  ASSERT_TRUE(next);
  EXPECT_EQ(next->p2, 0x03);
  EXPECT_EQ(next->data, first->data);
  auto last = pager.feed({hex("E30D4F07A00000015100029F700107"), 0x9000});
  ASSERT_TRUE(last);
  EXPECT_FALSE(*last);
  ASSERT_EQ(pager.entries().size(), 2u);
  EXPECT_EQ(to_hex(pager.entries()[1].aid), "A0000001510002");
  EXPECT_FALSE(pager.feed({{}, 0x9000}));  // after the end
}

TEST(GpRegistry, PagerStopsOnErrorsAndBound) {
  GetStatusPager none(StatusKind::load_files, StatusFormat::tlv);
  auto nf = none.feed({{}, 0x6A88});
  ASSERT_TRUE(nf);
  EXPECT_FALSE(*nf);
  EXPECT_TRUE(none.entries().empty());
  GetStatusPager denied(StatusKind::isd, StatusFormat::tlv);
  auto d = denied.feed({{}, 0x6982});
  ASSERT_FALSE(d);
  EXPECT_EQ(d.error(), Errc::card_status);
  EXPECT_NE(d.error().message.find("6982"), std::string::npos);
  GetStatusPager loop(StatusKind::isd, StatusFormat::tlv, {}, 3);
  EXPECT_TRUE(*loop.feed({{}, 0x6310}));
  EXPECT_TRUE(*loop.feed({{}, 0x6310}));
  auto stop = loop.feed({{}, 0x6310});
  ASSERT_FALSE(stop);
  EXPECT_EQ(stop.error(), Errc::too_many_pages);
  GetStatusPager bad(StatusKind::isd, StatusFormat::tlv);
  auto b = bad.feed({hex("E301"), 0x9000});
  ASSERT_FALSE(b);
  EXPECT_EQ(b.error().message.substr(0, 7), "page 1:");
}

// GPP testPrivileges: 80C000 = 3 privileges; 9EFE80 = 13; both round-trip.
TEST(GpRegistry, PrivilegesMatchGpp) {
  const auto three = privilege_names(hex("80C000"));
  EXPECT_EQ(three, (std::vector<std::string>{"SecurityDomain", "TrustedPath",
                                             "AuthorizedManagement"}));
  EXPECT_EQ(to_hex(*privileges_from_names(three)), "80C000");
  const auto thirteen = privilege_names(hex("9EFE80"));
  EXPECT_EQ(thirteen.size(), 13u);
  EXPECT_EQ(to_hex(*privileges_from_names(thirteen)), "9EFE80");
  EXPECT_EQ(privilege_names(hex("C0")),
            (std::vector<std::string>{"SecurityDomain", "DAPVerification"}));
  auto bad = privileges_from_names({"SecurityDomain", "Superuser"});
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("'Superuser'"), std::string::npos);
}

TEST(GpRegistry, LifecycleNames) {
  EXPECT_EQ(lifecycle_name(LifecycleKind::card, 0x0F), "SECURED");
  EXPECT_EQ(lifecycle_name(LifecycleKind::card, 0xFF), "TERMINATED");
  EXPECT_EQ(lifecycle_name(LifecycleKind::application, 0x83), "LOCKED");
  EXPECT_EQ(lifecycle_name(LifecycleKind::application, 0x0F), "APP_SPECIFIC_0F");
  EXPECT_EQ(lifecycle_name(LifecycleKind::security_domain, 0x0F), "PERSONALIZED");
  EXPECT_EQ(lifecycle_name(LifecycleKind::load_file, 0x02), "UNKNOWN_02");
}

// apdu.json pysim-keyinfo-0..11: decode, then re-encode reproduces the input.
TEST(GpRegistry, KeyInfoMatchesPysimVectors) {
  const nlohmann::json all = gpram::test::load_vectors("apdu.json");
  int seen = 0;
  for (const auto& v : all["vectors"]) {
    const std::string id = v["id"];
    if (id.rfind("pysim-keyinfo-", 0) != 0) continue;
    ++seen;
    const Bytes in = hex(v["inputs"]["tlv"].get<std::string>());
    auto r = parse_key_information(in);
    ASSERT_TRUE(r) << id << ": " << r.error().message;
    ASSERT_EQ(r->size(), 1u) << id;
    const auto& k = (*r)[0];
    const auto& exp = v["expected"]["decoded"];
    EXPECT_EQ(k.kid, exp["key_identifier"].get<int>()) << id;
    EXPECT_EQ(k.kvn, exp["key_version_number"].get<int>()) << id;
    ASSERT_EQ(k.components.size(), exp["key_types"].size()) << id;
    for (size_t i = 0; i < k.components.size(); ++i) {
      EXPECT_EQ(k.components[i].length, exp["key_types"][i]["length"].get<int>()) << id;
      const std::string type = exp["key_types"][i]["type"];
      EXPECT_EQ(key_type_name(static_cast<uint8_t>(k.components[i].type)),
                type == "des" ? "DES" : type == "aes" ? "AES" : type) << id;
    }
    EXPECT_EQ(encode_key_information(k), in) << id;
  }
  EXPECT_EQ(seen, 12);
}

// GPP TestGPKeyInfo: template sizes 5, 4 and 14 entries.
TEST(GpRegistry, KeyInfoTemplatesFromGpp) {
  auto rsa = parse_key_information(
      hex("E020C00401018820C00402018820C00403018820C0060170A180A003C00401718010"));
  ASSERT_TRUE(rsa) << rsa.error().message;
  EXPECT_EQ(rsa->size(), 5u);
  EXPECT_EQ((*rsa)[3].components.size(), 2u);
  auto ext = parse_key_information(
      hex("E021C00401018010C00402018010C00403018010C00D0173FFA10080A0000301840100"));
  ASSERT_TRUE(ext) << ext.error().message;
  ASSERT_EQ(ext->size(), 4u);
  const auto& e = (*ext)[3];
  EXPECT_TRUE(e.extended);
  ASSERT_EQ(e.components.size(), 2u);
  EXPECT_EQ(e.components[0].type, 0xFFA1);
  EXPECT_EQ(e.components[0].length, 0x80);
  EXPECT_EQ(e.components[1].type, 0xA0);
  EXPECT_EQ(to_hex(*e.usage), "84");
  EXPECT_EQ(to_hex(*e.access), "00");
  EXPECT_EQ(to_hex(encode_key_information(e)), "C00D0173FFA10080A0000301840100");
  auto zero = parse_key_information(hex(
      "E081B0C00A0120FF80001001000100C00A0220FF80001001000100C00A0320FF80001001000100C00A0101FF80"
      "001001000100C00A0201FF80001001000100C00A0301FF80001001000100C00A0102FF88001001000100C00E02"
      "02FF880010FF10000101000100C00A0302FF88001001000100C00A0103FF88001001000100C00E0203FF880010"
      "FF10000101000100C00A0303FF88001001000100C00A1403FF85001001000100C00A1503FF88001001000100"));
  ASSERT_TRUE(zero) << zero.error().message;
  EXPECT_EQ(zero->size(), 14u);
}

TEST(GpRegistry, KeyInfoRejectsMalformed) {
  auto odd = parse_key_information(hex("C003017080"));
  ASSERT_FALSE(odd);
  EXPECT_EQ(odd.error(), Errc::malformed);
  auto short_ = parse_key_information(hex("C00101"));
  ASSERT_FALSE(short_);
  EXPECT_EQ(short_.error(), Errc::truncated);
  auto tag = parse_key_information(hex("C1020101"));
  ASSERT_FALSE(tag);
  EXPECT_NE(tag.error().message.find("tag C1"), std::string::npos);
  auto cut = parse_key_information(hex("C0050101FF8800"));
  ASSERT_FALSE(cut);
  EXPECT_EQ(cut.error(), Errc::truncated);
  auto usage = parse_key_information(hex("C0070101FF88001005"));
  ASSERT_FALSE(usage);
  EXPECT_NE(usage.error().message.find("usage of 5 bytes"), std::string::npos)
      << usage.error().message;
}

}  // namespace
}  // namespace gpram::gp
