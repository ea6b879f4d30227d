// ETSI TS 102 226 remote APDU scripts: expanded (§5.2) and compact (§5.1) formats.
//
// Sources of the known-answer vectors (expected bytes copied from them, never computed here):
//  [FieldLog]  public lab log of a live UICC doing SCP81, "SCP81 / HTTP OTA live-card findings"
//              (repository name not indexed; find it by that exact string): the 2019 reference
//              session trace HTTPOTA_session_3311_success1 (AE/AF bodies).
//  [ExpFork]   pySim ota.py fork with TS 102 226 expanded codecs (repository name not indexed;
//              find it by the string "ExpandedRemoteRespIndef"): its OTA unit tests
//              (ExpandedCmdTestCase, ExpandedRespTestCase, ExpandedSmsPipelineTestCase).
//  [ExpSrv]    the server tests of the same project (class ResponseScriptingTest, found by the
//              string "test_bad_format_tlv"): live-card response templates.
//  [pySim]     osmocom/pysim tests/unittests/test_ota.py@597f1e0398bb81d6832dc92ee4dfdcada59d3d82
//              (shared/testdata/vectors/scp80.json) and docs/smpp-ota-tool.rst (protocol.md §3).
#include <gtest/gtest.h>

#include "gpram/apdu/script.hpp"
#include "vectors.hpp"

using gpram::Bytes;
using gpram::hex;
using gpram::to_hex;
namespace test = gpram::test;
using namespace gpram::apdu;

namespace {

using Kind = ScriptItem::Kind;
using RKind = ResponseItem::Kind;

void expect_command_round_trip(const std::string& h, ScriptForm form) {
  auto s = decode_command_script(hex(h));
  ASSERT_TRUE(s) << h << ": " << s.error().message;
  EXPECT_EQ(to_hex(encode_command_script(*s, form)), h);
}

void expect_response_round_trip(const std::string& h, ScriptForm form) {
  auto s = decode_response_script(hex(h));
  ASSERT_TRUE(s) << h << ": " << s.error().message;
  EXPECT_EQ(to_hex(encode_response_script(*s, form)), h);
}

std::string fmt_sw(uint16_t sw) {
  return to_hex(Bytes{static_cast<uint8_t>(sw >> 8), static_cast<uint8_t>(sw)});
}

Bytes range_bytes(size_t n) {
  Bytes b(n);
  for (size_t i = 0; i < n; ++i) b[i] = static_cast<uint8_t>(i);
  return b;
}

}  // namespace

// [FieldLog] server script "ae 80 22 05 80 ca 00 85 00 00 00" (GET DATA 0085) and the second
// step "ae 80 22 08 80 f2 80 02 02 4f 00 00 00 00" (GET STATUS P1=80).
TEST(CommandScript, DecodesFieldLogIndefiniteScripts) {
  auto s = decode_command_script(hex("AE80220580CA0085000000"));
  ASSERT_TRUE(s) << s.error().message;
  ASSERT_EQ(s->items.size(), 1u);
  EXPECT_EQ(s->items[0].kind, Kind::capdu);
  EXPECT_EQ(to_hex(s->items[0].value), "80CA008500");
  const Bytes apdus[] = {hex("80CA008500")};
  EXPECT_EQ(to_hex(encode_command_script(command_script(apdus), ScriptForm::indefinite)),
            "AE80220580CA0085000000");

  expect_command_round_trip("AE80220880F28002024F00000000", ScriptForm::indefinite);
  const Bytes gs[] = {hex("80F28002024F0000")};
  EXPECT_EQ(to_hex(encode_command_script(command_script(gs), ScriptForm::indefinite)),
            "AE80220880F28002024F00000000");
}

// [ExpFork] test_single_capdu_golden / test_multi_capdu_golden.
TEST(CommandScript, EncodesExpForkDefiniteGoldens) {
  const Bytes one[] = {hex("80f24002024f0000")};
  EXPECT_EQ(to_hex(encode_command_script(command_script(one))), "AA0A220880F24002024F0000");
  const Bytes two[] = {hex("80f24002024f0000"), hex("00a40004023f0000")};
  EXPECT_EQ(to_hex(encode_command_script(command_script(two))),
            "AA14220880F24002024F0000220800A40004023F0000");
  auto s = decode_command_script(hex("aa14220880f24002024f0000220800a40004023f0000"));
  ASSERT_TRUE(s) << s.error().message;
  const auto c = s->capdus();
  ASSERT_EQ(c.size(), 2u);
  EXPECT_EQ(to_hex(c[0]), "80F24002024F0000");
  EXPECT_EQ(to_hex(c[1]), "00A40004023F0000");
}

// [ExpFork] test_multibyte_length_golden: a 200-byte C-APDU (80F24000 C3 + bytes 0..194) gives
// "aa 81 cb | 22 81 c8 | <capdu>".
TEST(CommandScript, UsesBerLongFormAbove127) {
  Bytes capdu = hex("80f24000C3");
  const Bytes body = range_bytes(195);
  capdu.insert(capdu.end(), body.begin(), body.end());
  ASSERT_EQ(capdu.size(), 200u);
  const Bytes one[] = {capdu};
  const Bytes out = encode_command_script(command_script(one));
  ASSERT_EQ(out.size(), 206u);
  EXPECT_EQ(to_hex(Bytes(out.begin(), out.begin() + 6)), "AA81CB2281C8");
  EXPECT_EQ(Bytes(out.begin() + 6, out.end()), capdu);
  auto back = decode_command_script(out);
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(back->capdus()[0], capdu);
}

// TS 102 226 §5.2.1: immediate action 81, error action 82, script chaining 83 (values after
// Njiwa src/io/njiwa/sr/ota/Ota.java: 01 / 11 / 02 / 03, protocol.md §3).
TEST(CommandScript, RoundTripsEveryItemKindInBothForms) {
  CommandScript s;
  s.items.push_back({Kind::chaining, hex("01")});
  s.items.push_back({Kind::immediate_action, hex("01")});
  s.items.push_back({Kind::error_action, {}});
  for (int i = 0; i < 20; ++i) {  // 20 LOAD blocks of 240 bytes: 82 xxxx template length
    Bytes load = hex("80E80000F0");
    load[2] = i == 19 ? 0x80 : 0x00;
    load[3] = static_cast<uint8_t>(i);
    const Bytes block(240, static_cast<uint8_t>(i));
    load.insert(load.end(), block.begin(), block.end());
    s.items.push_back({Kind::capdu, load});
  }
  for (auto form : {ScriptForm::definite, ScriptForm::indefinite}) {
    const Bytes enc = encode_command_script(s, form);
    auto back = decode_command_script(enc);
    ASSERT_TRUE(back) << back.error().message;
    EXPECT_EQ(*back, s);
    EXPECT_EQ(encode_command_script(*back, form), enc);
  }
  const Bytes def = encode_command_script(s);
  EXPECT_EQ(to_hex(Bytes(def.begin(), def.begin() + 4)), "AA821368");  // 4968 content bytes
}

TEST(CommandScript, AcceptsEmptyScripts) {
  auto a = decode_command_script(hex("AA00"));
  ASSERT_TRUE(a);
  EXPECT_TRUE(a->items.empty());
  auto b = decode_command_script(hex("AE800000"));
  ASSERT_TRUE(b);
  EXPECT_TRUE(b->items.empty());
}

struct Malformed {
  const char* hex;
  Errc code;
  const char* needle;  // must appear in the message
};

TEST(CommandScript, RejectsMalformedInputPrecisely) {
  const Malformed cases[] = {
      {"", Errc::truncated, "empty input"},
      {"AB0780010123026132", Errc::bad_template, "response script"},
      {"A00122", Errc::bad_template, "found A0"},
      {"AA80220580CA0085000000", Errc::bad_template, "indefinite length"},
      {"AE0722058" "0CA008500", Errc::bad_template, "must use indefinite length 80, found 07"},
      {"AA03240100", Errc::unknown_tag, "item 1 at offset 2: unknown tag 24"},
      {"AA0A220880F24002024F0000" "FF", Errc::trailing_data, "offset 12"},
      {"AA0A220880F24002024F00", Errc::truncated, "announces 10 bytes but 9 follow"},
      {"AA03220580", Errc::truncated, "item 1 (tag 22 at offset 2): length 5 but only 1"},
      {"AE80220580CA008500", Errc::missing_terminator, "without the 00 00"},
      {"AE80220580CA00850000", Errc::missing_terminator, "single 00"},
      {"AE80220580CA0085000001", Errc::bad_encoding, "found 00 01"},
      {"AE80220580CA008500000000", Errc::trailing_data, "unexpected bytes after the 00 00"},
      {"AA0722028000220100", Errc::bad_item, "item 1 (tag 22 at offset 2): C-APDU"},
      {"AA0C220580CA008500220300A407", Errc::bad_item, "item 2 (tag 22 at offset 9)"},
      {"AA0483020102", Errc::bad_item, "script chaining must be 1 byte"},
      {"AE80228000000000", Errc::bad_encoding, "indefinite length (80) not allowed"},
      {"AA039F7000", Errc::unknown_tag, "unknown tag 9F70"},
      {"AA0282", Errc::truncated, ""},
      {"AA", Errc::missing_length, "expected a length at offset 1"},
      {"AA0122", Errc::missing_length, "item 1 (tag 22 at offset 2)"},
  };
  for (const auto& m : cases) {
    auto r = decode_command_script(hex(m.hex));
    ASSERT_FALSE(r) << m.hex;
    EXPECT_EQ(r.error(), m.code) << m.hex << ": " << r.error().message;
    EXPECT_NE(r.error().message.find(m.needle), std::string::npos)
        << m.hex << ": " << r.error().message;
  }
}

// TS 102 226 table 5.12: the bad-format type a card answers for a rejected command script.
TEST(CommandScript, MapsDecoderErrorsToBadFormatCodes) {
  auto code = [](const char* h) {
    auto r = decode_command_script(hex(h));
    EXPECT_FALSE(r) << h;
    return r ? uint8_t{0} : bad_format_code(r.error());
  };
  EXPECT_EQ(code("AA03240100"), 0x01);          // unknown tag
  EXPECT_EQ(code("A00122"), 0x01);              // not a command template
  EXPECT_EQ(code("AA03220580"), 0x02);          // item longer than the template
  EXPECT_EQ(code("AA0122"), 0x03);              // no length after the tag
  EXPECT_EQ(code("AE80220580CA008500"), 0x02);  // no end-of-contents
}

// [FieldLog] card answers "af 80 23 02 6a 88 00 00" and "23 02 6d 00" (no count item: TS 102 226
// table 5.10a).
TEST(ResponseScript, DecodesFieldLogIndefiniteResponses) {
  auto r = decode_response_script(hex("AF8023026A880000"));
  ASSERT_TRUE(r) << r.error().message;
  ASSERT_EQ(r->items.size(), 1u);
  EXPECT_EQ(r->items[0].kind, RKind::rapdu);
  EXPECT_EQ(to_hex(r->rapdus()[0]), "6A88");
  EXPECT_FALSE(r->executed());
  EXPECT_FALSE(r->bad_format());
  const Bytes one[] = {hex("6A88")};
  EXPECT_EQ(to_hex(encode_response_script(response_script(one, std::nullopt, false),
                                          ScriptForm::indefinite)),
            "AF8023026A880000");
  expect_response_round_trip("AF8023026D000000", ScriptForm::indefinite);
}

// [ExpSrv] test_bad_format_tlv: the live ISD's "ab06800100900102" = 0 executed, bad format 02
// (wrong length); [ExpFork] test_bad_format / test_immediate_action_error /
// test_script_chaining_error.
TEST(ResponseScript, DecodesErrorItems) {
  auto r = decode_response_script(hex("ab06800100900102"));
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->executed(), 0u);
  EXPECT_EQ(r->bad_format(), 0x02);
  EXPECT_TRUE(r->rapdus().empty());
  EXPECT_EQ(bad_format_name(*r->bad_format()), "wrong length");
  expect_response_round_trip("AB06800100900102", ScriptForm::definite);

  r = decode_response_script(hex("ab06800101900101"));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->bad_format(), 0x01);

  r = decode_response_script(hex("ab06800101810101"));
  ASSERT_TRUE(r);
  ASSERT_EQ(r->items.size(), 2u);
  EXPECT_EQ(r->items[1].kind, RKind::immediate_action_response);
  EXPECT_EQ(immediate_action_response_name(r->items[1].value[0]), "suspension error");

  r = decode_response_script(hex("ab06800101830102"));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->items[1].kind, RKind::chaining_response);
  EXPECT_EQ(chaining_response_name(r->items[1].value[0]), "script chaining not supported");
}

// [ExpFork] test_status_only_golden "ab0780010123026132"; [ExpSrv] live "ab0780010123029000" and
// test_definite_template_from_a_live_response AB12 800101 230D 08A0000000030000000F80 9000.
TEST(ResponseScript, DecodesDefiniteResponses) {
  const Bytes st[] = {hex("6132")};
  EXPECT_EQ(to_hex(encode_response_script(response_script(st))), "AB0780010123026132");
  expect_response_round_trip("AB0780010123029000", ScriptForm::definite);

  auto r = decode_response_script(hex("AB12800101230D08A0000000030000000F809000"));
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->executed(), 1u);
  ASSERT_EQ(r->rapdus().size(), 1u);
  auto rapdu = parse_rapdu(r->rapdus()[0]);
  ASSERT_TRUE(rapdu);
  EXPECT_EQ(to_hex(rapdu->data), "08A0000000030000000F80");
  EXPECT_EQ(rapdu->sw, 0x9000);
}

// [ExpFork] test_registry_golden: a 198-byte registry + 9000 gives "ab 81 ce 80 01 01 23 81 c8".
TEST(ResponseScript, UsesBerLongFormAbove127) {
  Bytes rapdu = range_bytes(198);
  rapdu.push_back(0x90);
  rapdu.push_back(0x00);
  const Bytes one[] = {rapdu};
  const Bytes out = encode_response_script(response_script(one));
  EXPECT_EQ(to_hex(Bytes(out.begin(), out.begin() + 9)), "AB81CE8001012381C8");
  auto back = decode_response_script(out);
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(back->rapdus()[0], rapdu);
  EXPECT_EQ(back->executed(), 1u);
}

// [ExpSrv] test_indefinite_template_and_plain_data: AF 80 | 80 01 02 | 23 04 AABB9000 | 00 00
// (a count inside AF, accepted: protocol.md §3).
TEST(ResponseScript, AcceptsCountInsideIndefiniteTemplate) {
  const std::string h = "AF80800102230" "4AABB90000000";
  auto r = decode_response_script(hex(h));
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->executed(), 2u);
  EXPECT_EQ(to_hex(r->rapdus()[0]), "AABB9000");
  expect_response_round_trip(h, ScriptForm::indefinite);
}

TEST(ResponseScript, RoundTripsLargeScripts) {
  std::vector<Bytes> rapdus;
  for (int i = 0; i < 20; ++i) {
    Bytes r(static_cast<size_t>(i * 13), static_cast<uint8_t>(i));
    r.push_back(0x90);
    r.push_back(0x00);
    rapdus.push_back(r);
  }
  auto s = response_script(rapdus, 300u);
  s.items.push_back({RKind::chaining_response, hex("03")});
  for (auto form : {ScriptForm::definite, ScriptForm::indefinite}) {
    const Bytes enc = encode_response_script(s, form);
    auto back = decode_response_script(enc);
    ASSERT_TRUE(back) << back.error().message;
    EXPECT_EQ(*back, s);
    EXPECT_EQ(back->executed(), 300u);
    EXPECT_EQ(back->rapdus(), rapdus);
  }
}

TEST(ResponseScript, RejectsMalformedInputPrecisely) {
  const Malformed cases[] = {
      {"AA0A220880F24002024F0000", Errc::bad_template, "command script"},
      {"AB0423026A88", Errc::bad_template, "must start with the number of executed commands"},
      {"AB00", Errc::bad_template, "empty"},
      {"AF8023026A88800101" "0000", Errc::bad_item, "item 2 (tag 80 at offset 6)"},
      {"AB06800101230190", Errc::bad_item, "R-APDU of 1 byte"},
      {"AB078001019002010" "2", Errc::bad_item, "bad format must be 1 byte, found 2"},
      {"AB0880050000000001" "", Errc::truncated, ""},
      {"AB078005000000000" "1", Errc::bad_item, "1 to 4"},
      {"AB06800100100102", Errc::unknown_tag, "item 2 at offset 5: unknown tag 10"},
      {"AF8023026A88", Errc::missing_terminator, "00 00"},
      {"AB0780010123026132" "00", Errc::trailing_data, "offset 9"},
  };
  for (const auto& m : cases) {
    auto r = decode_response_script(hex(m.hex));
    ASSERT_FALSE(r) << m.hex;
    EXPECT_EQ(r.error(), m.code) << m.hex << ": " << r.error().message;
    EXPECT_NE(r.error().message.find(m.needle), std::string::npos)
        << m.hex << ": " << r.error().message;
  }
}

// [pySim] docs/smpp-ota-tool.rst (protocol.md §3): the compact command "A0A40000027F20"
// followed by "A0C0000016" (SELECT 7F20, GET RESPONSE 22 bytes).
TEST(CompactScript, SplitsPysimConcatenation) {
  const Bytes apdus[] = {hex("A0A40000027F20"), hex("A0C0000016")};
  const Bytes enc = encode_compact_command(apdus);
  EXPECT_EQ(to_hex(enc), "A0A40000027F20A0C0000016");
  auto c = decode_compact_command(enc);
  ASSERT_TRUE(c) << c.error().message;
  ASSERT_EQ(c->size(), 2u);
  EXPECT_EQ(to_hex(encode((*c)[0])), "A0A40000027F20");
  EXPECT_EQ((*c)[0].iso_case(), 3);
  EXPECT_EQ(to_hex(encode((*c)[1])), "A0C0000016");
  EXPECT_EQ((*c)[1].le, 0x16u);
}

// [pySim] scp80.json pysim-ota-3DES-SJA5-*: the compact command is the single C-APDU
// 00A40004023F00.
TEST(CompactScript, DecodesSingleCommandFromPysimVector) {
  const auto v = test::vector("scp80.json", "pysim-ota-3DES-SJA5-UNCIPHERED-NOCC");
  const Bytes in = hex(v["inputs"]["apdu"].get<std::string>());
  auto c = decode_compact_command(in);
  ASSERT_TRUE(c) << c.error().message;
  ASSERT_EQ(c->size(), 1u);
  EXPECT_EQ(encode((*c)[0]), in);
}

// [pySim] scp80.json pysim-ota-3des-resp-none: the PoR user data ends with the compact response
// "01 612F" = 1 command executed, last SW 612F, no data.
TEST(CompactScript, DecodesPysimCompactResponse) {
  const auto v = test::vector("scp80.json", "pysim-ota-3des-resp-none");
  const std::string ud = v["inputs"]["response_user_data"].get<std::string>();
  const Bytes tail = hex(ud.substr(ud.size() - 6));
  auto r = decode_compact_response(tail);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->executed, v["expected"]["number_of_commands"].get<int>());
  EXPECT_EQ(fmt_sw(r->last_sw), v["expected"]["last_status_word"].get<std::string>());
  EXPECT_TRUE(r->last_data.empty());
  EXPECT_EQ(encode_compact_response(*r), tail);
}

TEST(CompactScript, RoundTripsAndPrefersLcReadings) {
  // Case 2 and case 3 commands mixed, and a case 4 command (with Le) at the end.
  const Bytes apdus[] = {hex("80CAFF2100"), hex("00A40004023F00"), hex("80E60C0003010203"),
                         hex("00B0000010"), hex("80F28002024F0000")};
  auto c = decode_compact_command(encode_compact_command(apdus));
  ASSERT_TRUE(c) << c.error().message;
  ASSERT_EQ(c->size(), 5u);
  for (size_t i = 0; i < 5; ++i) EXPECT_EQ(encode((*c)[i]), apdus[i]);
  // A bare 4-byte header (case 1) is not a compact command: T=0 always sends P3.
  EXPECT_FALSE(decode_compact_command(hex("00A40004023F0000700000")));

  CompactResponse r{3, 0x6A82, hex("0102")};
  auto back = decode_compact_response(encode_compact_response(r));
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, r);
}

TEST(CompactScript, RejectsUnsplittableInput) {
  auto r = decode_compact_command({});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), Errc::truncated);
  r = decode_compact_command(hex("00A40004023F00A0C0"));
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("offset 7"), std::string::npos) << r.error().message;
  r = decode_compact_command(hex("00A400"));
  ASSERT_FALSE(r);
  auto cr = decode_compact_response(hex("0190"));
  ASSERT_FALSE(cr);
  EXPECT_EQ(cr.error(), Errc::truncated);
}
