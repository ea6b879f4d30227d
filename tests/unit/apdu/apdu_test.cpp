// C-APDU / R-APDU codec, status words, 61xx / 6Cxx follow-ups and logical channels.
// Known-answer APDUs come from public traces and test suites, cited per test; layouts not
// covered by a public vector are written by hand from ISO/IEC 7816-4 §5.1 Table 1.
#include <gtest/gtest.h>

#include "gpram/apdu/apdu.hpp"
#include "vectors.hpp"

using gpram::Bytes;
using gpram::hex;
using gpram::to_hex;
namespace test = gpram::test;
using namespace gpram::apdu;

namespace {

// decode(encode(x)) == x is checked by the callers; this checks encode(decode(bytes)) == bytes.
Capdu expect_capdu_round_trip(const std::string& hexstr) {
  const Bytes in = hex(hexstr);
  auto c = parse_capdu(in);
  EXPECT_TRUE(c) << hexstr << ": " << (c ? "" : c.error().message);
  if (!c) return {};
  EXPECT_EQ(to_hex(encode(*c)), hexstr);
  return *c;
}

}  // namespace

// osmocom/pysim tests/unittests/test_ota.py@597f1e03 (scp80.json, pysim-ota-3DES-SJA5-*):
// SELECT 3F00 = 00 A4 00 04 02 3F00 (case 3 short).
TEST(Capdu, ParsesPysimSelectCase3) {
  const auto v = test::vector("scp80.json", "pysim-ota-3DES-SJA5-CIPHERED-CC");
  const auto c = expect_capdu_round_trip(v["inputs"]["apdu"].get<std::string>());
  EXPECT_EQ(c.cla, 0x00);
  EXPECT_EQ(c.ins, 0xA4);
  EXPECT_EQ(c.p1, 0x00);
  EXPECT_EQ(c.p2, 0x04);
  EXPECT_EQ(to_hex(c.data), "3F00");
  EXPECT_FALSE(c.le);
  EXPECT_EQ(c.iso_case(), 3);
  EXPECT_FALSE(c.extended);
}

// FieldLog ("SCP81 / HTTP OTA live-card findings", live card): 80CAFF2100 GET DATA FF21
// (case 2, Le 00 = 256), 80F28002024F0000 GET STATUS (case 4), 00A4040008A000000003000000
// SELECT ISD (case 3).
TEST(Capdu, ParsesFieldLogCommands) {
  auto c = expect_capdu_round_trip("80CAFF2100");
  EXPECT_EQ(c.iso_case(), 2);
  EXPECT_EQ(c.le, 256u);
  EXPECT_EQ(c.ne(), 256u);

  c = expect_capdu_round_trip("80F28002024F0000");
  EXPECT_EQ(c.iso_case(), 4);
  EXPECT_EQ(to_hex(c.data), "4F00");
  EXPECT_EQ(c.le, 256u);

  c = expect_capdu_round_trip("00A4040008A000000003000000");
  EXPECT_EQ(c.iso_case(), 3);
  EXPECT_EQ(to_hex(c.data), "A000000003000000");
}

// ISO/IEC 7816-4 §5.1 Table 1: case 1 is the bare header.
TEST(Capdu, ParsesCase1) {
  auto c = expect_capdu_round_trip("00700000");
  EXPECT_EQ(c.iso_case(), 1);
  EXPECT_TRUE(c.data.empty());
  EXPECT_FALSE(c.le);
}

// ISO/IEC 7816-4 §5.1 Table 1, extended forms: 2E = 00 Le(2), 3E = 00 Lc(2) data,
// 4E = 00 Lc(2) data Le(2); Le 0000 = 65536.
TEST(Capdu, ParsesExtendedCases) {
  auto c = expect_capdu_round_trip("00B00000000100");
  EXPECT_TRUE(c.extended);
  EXPECT_EQ(c.iso_case(), 2);
  EXPECT_EQ(c.le, 256u);

  c = expect_capdu_round_trip("00B00000000000");
  EXPECT_EQ(c.le, 65536u);

  c = expect_capdu_round_trip("80E20000000003010203");
  EXPECT_TRUE(c.extended);
  EXPECT_EQ(c.iso_case(), 3);
  EXPECT_EQ(to_hex(c.data), "010203");

  c = expect_capdu_round_trip("80E200000000020A0B0000");
  EXPECT_EQ(c.iso_case(), 4);
  EXPECT_EQ(to_hex(c.data), "0A0B");
  EXPECT_EQ(c.le, 65536u);
}

TEST(Capdu, EncodesShortWhenItFitsAndExtendedOtherwise) {
  Capdu c{0x80, 0xE8, 0x00, 0x01, Bytes(255, 0xAA), std::nullopt, false};
  Bytes e = encode(c);
  ASSERT_EQ(e.size(), 5u + 255u);
  EXPECT_EQ(e[4], 0xFF);

  c.data.assign(256, 0xAA);  // Nc > 255 forces the extended form: 00 01 00
  e = encode(c);
  ASSERT_EQ(e.size(), 7u + 256u);
  EXPECT_EQ(to_hex(Bytes(e.begin(), e.begin() + 7)), "80E80001000100");

  Capdu g{0x00, 0xB0, 0x00, 0x00, {}, 257u, false};  // Ne > 256: extended Le
  EXPECT_EQ(to_hex(encode(g)), "00B00000000101");
  g.le = 256u;
  EXPECT_EQ(to_hex(encode(g)), "00B0000000");
  g.extended = true;
  EXPECT_EQ(to_hex(encode(g)), "00B00000000100");

  Capdu four{0x80, 0xCA, 0x00, 0x66, hex("01"), 65536u, false};
  EXPECT_EQ(to_hex(encode(four)), "80CA0066000001010000");
}

TEST(Capdu, DecodeOfEncodeIsIdentity) {
  const Capdu cases[] = {
      {0x80, 0xCA, 0x00, 0x66, {}, std::nullopt, false},
      {0x80, 0xCA, 0x00, 0x66, {}, 256u, false},
      {0x80, 0xCA, 0x00, 0x66, {}, 17u, false},
      {0x84, 0xE6, 0x0C, 0x00, Bytes(40, 0x11), std::nullopt, false},
      {0x84, 0xE6, 0x0C, 0x00, Bytes(40, 0x11), 256u, false},
      {0x00, 0x2A, 0x9E, 0x9A, Bytes(300, 0x22), 65536u, true},
      {0x00, 0x2A, 0x9E, 0x9A, Bytes(3, 0x22), 1000u, true},
      {0x00, 0x2A, 0x9E, 0x9A, Bytes(65535, 0x22), std::nullopt, true},
  };
  for (const auto& c : cases) {
    auto back = parse_capdu(encode(c));
    ASSERT_TRUE(back) << back.error().message;
    EXPECT_EQ(*back, c);
  }
}

TEST(Capdu, RejectsInconsistentLengthsNamingWhatWasFound) {
  auto r = parse_capdu(hex("00A4"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), Errc::too_short);

  r = parse_capdu(hex("00A40004053F00"));  // Lc=05, 2 data bytes
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), Errc::bad_length);
  EXPECT_NE(r.error().message.find("Lc=05"), std::string::npos) << r.error().message;
  EXPECT_NE(r.error().message.find("found 7"), std::string::npos) << r.error().message;

  r = parse_capdu(hex("00A40004023F000000"));  // Lc=02 + 3 extra bytes
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), Errc::bad_length);

  r = parse_capdu(hex("00B0000000AA"));  // 00 then a single byte: neither short nor extended
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), Errc::bad_length);
  EXPECT_NE(r.error().message.find("extended"), std::string::npos);

  r = parse_capdu(hex("00B000000000000102"));  // extended Lc 0000 with data
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("Lc=0000"), std::string::npos) << r.error().message;

  r = parse_capdu(hex("00B00000000005010203"));  // extended Lc=0005, 3 data bytes
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("Lc=0005"), std::string::npos) << r.error().message;
}

TEST(Capdu, EncodeCheckedRejectsOversizedFields) {
  Capdu c{0x80, 0xE8, 0x00, 0x00, Bytes(65536, 0), std::nullopt, false};
  auto r = encode_checked(c);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), Errc::data_too_long);
  Capdu d{0x80, 0xE8, 0x00, 0x00, {}, 70000u, false};
  EXPECT_FALSE(encode_checked(d));
}

// FieldLog trace: R-APDU "6A88" (AF 80 23 02 6A88 00 00) and GET DATA FF21's
// FF210B81010D8202C5D683020962 9000.
TEST(Rapdu, ParsesAndEncodes) {
  auto r = parse_rapdu(hex("6A88"));
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->data.empty());
  EXPECT_EQ(r->sw, 0x6A88);
  r = parse_rapdu(hex("FF210B81010D8202C5D6830209629000"));
  ASSERT_TRUE(r);
  EXPECT_EQ(to_hex(r->data), "FF210B81010D8202C5D683020962");
  EXPECT_TRUE(r->ok());
  EXPECT_EQ(to_hex(encode(*r)), "FF210B81010D8202C5D6830209629000");
  auto bad = parse_rapdu(hex("90"));
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error(), Errc::bad_status_word);
}

// Status words: names from ISO/IEC 7816-4 §5.6 and the GlobalPlatform list in osmocom/pysim
// pySim/global_platform/__init__.py (protocol.md §7).
TEST(StatusWord, NamesIsoAndGlobalPlatformWords) {
  EXPECT_EQ(sw_describe(0x6A82), "6A82 (application not found)");
  EXPECT_EQ(sw_name(0x9000), "success");
  EXPECT_EQ(sw_name(0x6A88), "referenced data not found");
  EXPECT_EQ(sw_name(0x6310), "more data available");
  EXPECT_EQ(sw_name(0x6982), "security status not satisfied");
  EXPECT_EQ(sw_name(0x6985), "conditions of use not satisfied");
  EXPECT_EQ(sw_name(0x9484), "algorithm not supported");
  EXPECT_EQ(sw_name(0x9485), "invalid key check value");
  EXPECT_EQ(sw_name(0x6D00), "instruction not supported");
  EXPECT_EQ(sw_name(0x62F1), "response data truncated, script processing stopped");
}

TEST(StatusWord, DescribesFamilies) {
  EXPECT_EQ(sw_describe(0x6112), "6112 (18 more bytes available, use GET RESPONSE)");
  EXPECT_EQ(sw_describe(0x6100), "6100 (256 more bytes available, use GET RESPONSE)");
  EXPECT_EQ(sw_describe(0x6C10), "6C10 (wrong Le, resend with Le = 16)");
  EXPECT_EQ(sw_describe(0x63C2), "63C2 (verification failed, 2 retries left)");
  EXPECT_EQ(sw_describe(0x9F22), "9F22 (34 bytes of response data available, use GET RESPONSE)");
  EXPECT_EQ(sw_name(0x6AFF), "wrong parameters P1-P2");
  EXPECT_EQ(sw_name(0x6287), "warning (state unchanged)");
  EXPECT_EQ(sw_name(0xCAFE), "unknown status word");
  EXPECT_EQ(ins_name(0x80, 0xF2), "GET STATUS");
  EXPECT_EQ(ins_name(0x00, 0xA4), "SELECT");
}

// FieldLog: SELECT ISD 00A4040008A000000003000000 answered 6112, followed by GET RESPONSE
// 00C0000012.
TEST(FollowUp, GetResponseAfter61xxMatchesFieldLogTrace) {
  auto sent = parse_capdu(hex("00A4040008A000000003000000"));
  ASSERT_TRUE(sent);
  auto next = follow_up(*sent, Rapdu{{}, 0x6112});
  ASSERT_TRUE(next);
  EXPECT_EQ(to_hex(encode(*next)), "00C0000012");
}

// ISO/IEC 7816-4 §5.4.1: GET RESPONSE keeps the logical channel: 81 (GP, channel 1) -> 01;
// C1 (GP, channel 5) -> 41; 6Cxx re-sends the command with the corrected Le.
TEST(FollowUp, KeepsChannelAndResendsOn6Cxx) {
  Capdu gs{0x81, 0xF2, 0x80, 0x02, hex("4F00"), 256u, false};
  auto next = follow_up(gs, Rapdu{{}, 0x6100});
  ASSERT_TRUE(next);
  EXPECT_EQ(to_hex(encode(*next)), "01C0000000");
  gs.cla = 0xE1;  // further interindustry form with SM, channel 5
  next = follow_up(gs, Rapdu{{}, 0x6120});
  ASSERT_TRUE(next);
  EXPECT_EQ(to_hex(encode(*next)), "41C0000020");

  Capdu rb{0x00, 0xB0, 0x00, 0x00, {}, 256u, false};
  next = follow_up(rb, Rapdu{{}, 0x6C10});
  ASSERT_TRUE(next);
  EXPECT_EQ(to_hex(encode(*next)), "00B0000010");
  EXPECT_FALSE(follow_up(rb, Rapdu{{}, 0x9000}));
  EXPECT_FALSE(follow_up(rb, Rapdu{{}, 0x6A82}));
}

TEST(ResponseChain, ConcatenatesChainedData) {
  ResponseChain chain(Capdu{0x00, 0xB0, 0x00, 0x00, {}, 256u, false});
  auto n1 = chain.feed(Rapdu{{}, 0x6C04});  // wrong Le: resend with 04
  ASSERT_TRUE(n1 && *n1);
  EXPECT_EQ(to_hex(encode(**n1)), "00B0000004");
  auto n2 = chain.feed(Rapdu{hex("0102"), 0x6102});
  ASSERT_TRUE(n2 && *n2);
  EXPECT_EQ(to_hex(encode(**n2)), "00C0000002");
  auto n3 = chain.feed(Rapdu{hex("0304"), 0x9000});
  ASSERT_TRUE(n3);
  EXPECT_FALSE(*n3);
  EXPECT_TRUE(chain.done());
  EXPECT_EQ(to_hex(encode(chain.result())), "010203049000");
  EXPECT_EQ(chain.rounds(), 3u);
}

TEST(ResponseChain, StopsALoopingCard) {
  ResponseChain chain(Capdu{0x00, 0xB0, 0x00, 0x00, {}, 256u, false}, 4);
  gpram::Result<std::optional<Capdu>> r = std::optional<Capdu>();
  for (int i = 0; i < 10; ++i) {
    r = chain.feed(Rapdu{hex("00"), 0x6101});
    if (!r) break;
  }
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), Errc::bad_length);
}

// ISO/IEC 7816-4 §5.4.1 and GP Card Spec §11.1.4: channels 0-3 in b2b1, 4-19 as 4 + b4..b1 with
// b7 set; GP's 84 (SM) on channel 4 is E0.
TEST(LogicalChannel, EncodesAndDecodesClassBits) {
  EXPECT_EQ(cla_channel(0x00), 0u);
  EXPECT_EQ(cla_channel(0x83), 3u);
  EXPECT_EQ(cla_channel(0x40), 4u);
  EXPECT_EQ(cla_channel(0xCF), 19u);
  EXPECT_EQ(with_channel(0x80, 2), 0x82);
  EXPECT_EQ(with_channel(0x84, 4), 0xE0);
  EXPECT_EQ(with_channel(0xE0, 1), 0x85);
  EXPECT_EQ(with_channel(0x00, 19), 0x4F);
  EXPECT_EQ(with_channel(0x0C, 4), 0x60);
  EXPECT_EQ(with_channel(0x60, 0), 0x08);
  EXPECT_FALSE(with_channel(0x00, 20));
  EXPECT_TRUE(cla_secure_messaging(0x84));
  EXPECT_FALSE(cla_secure_messaging(0xC0));
}
