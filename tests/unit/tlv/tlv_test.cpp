// BER-TLV and COMPREHENSION-TLV codec tests. Known-answer inputs come from public test suites,
// cited per row; expected values are read from those sources, never computed by our code.
#include <gtest/gtest.h>

#include "gpram/tlv/tlv.hpp"
#include "vectors.hpp"

using gpram::Bytes; using gpram::ByteView; using gpram::hex; using gpram::to_hex; using gpram::as_chars;
namespace test = gpram::test;
using namespace gpram::tlv;

namespace {

// Every vector must decode and re-encode to the same bytes (shared round-trip helper).
void expect_round_trip(const Bytes& in) {
  auto all = decode_all(in);
  ASSERT_TRUE(all) << all.error().message;
  Bytes out;
  for (const auto& t : *all) append(out, t.tag, t.value);
  EXPECT_EQ(to_hex(out), to_hex(in));
}

}  // namespace

// osmocom/pysim pySim/global_platform/http.py@597f1e03 (vector pysim-scp81-SecurityParams-0):
// 85 08 04DEADBEEF 02 00 40 -> psk_id DEADBEEF, kvn 00, kid 40 (pySim's field order).
TEST(Tlv, DecodesAmdBSecurityParams) {
  auto v = test::vector("scp81.json", "pysim-scp81-SecurityParams-0");
  Bytes in = hex(v["inputs"]["tlv"].get<std::string>());
  auto t = decode_one(in);
  ASSERT_TRUE(t) << t.error().message;
  EXPECT_EQ(t->tag, 0x85u);
  ASSERT_EQ(t->value.size(), 8u);
  EXPECT_EQ(t->value[0], 4);  // PSK identity length
  EXPECT_EQ(to_hex(t->value.subspan(1, 4)), v["expected"]["decoded"]["psk_id"].get<std::string>());
  expect_round_trip(in);
}

// osmocom/pysim pySim/global_platform/http.py@597f1e03: AdminHostParam / AdminUriParam.
TEST(Tlv, DecodesAmdBHostAndUri) {
  for (const char* id : {"pysim-scp81-AdminHostParam-0", "pysim-scp81-AdminUriParam-0"}) {
    auto v = test::vector("scp81.json", id);
    Bytes in = hex(v["inputs"]["tlv"].get<std::string>());
    auto t = decode_one(in);
    ASSERT_TRUE(t) << t.error().message;
    EXPECT_EQ(std::string(as_chars(t->value)), v["expected"]["decoded"].get<std::string>());
    expect_round_trip(in);
  }
}

// osmocom/pysim tests/unittests/test_globalplatform.py@597f1e03 (pysim-install-params-full):
// C9 00 EF 1C {C8 02 0100, C7 02 0100, CA 12 ...}.
TEST(Tlv, DecodesInstallParametersNested) {
  auto v = test::vector("apdu.json", "pysim-install-params-full");
  Bytes in = hex(v["expected"]["install_parameters"].get<std::string>());
  auto all = decode_all(in);
  ASSERT_TRUE(all) << all.error().message;
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[0].tag, 0xC9u);
  EXPECT_TRUE((*all)[0].value.empty());
  EXPECT_EQ((*all)[1].tag, 0xEFu);
  auto inner = decode_all((*all)[1].value);
  ASSERT_TRUE(inner);
  ASSERT_EQ(inner->size(), 3u);
  EXPECT_EQ((*inner)[0].tag, 0xC8u);
  EXPECT_EQ(to_hex((*inner)[0].value), "0100");
  EXPECT_EQ((*inner)[2].tag, 0xCAu);
  EXPECT_EQ(to_hex((*inner)[2].value), v["inputs"]["stk_parameter"].get<std::string>());
  expect_round_trip(in);
}

// osmocom/pysim pySim/global_platform/__init__.py@597f1e03 (pysim-keyinfo-*): C0 04 KID KVN type len.
TEST(Tlv, DecodesKeyInformationVectors) {
  const auto file = test::load_vectors("apdu.json");
  for (const auto& v : file["vectors"]) {
    const std::string id = v["id"];
    if (id.rfind("pysim-keyinfo-", 0) != 0) continue;
    Bytes in = hex(v["inputs"]["tlv"].get<std::string>());
    auto t = decode_one(in);
    ASSERT_TRUE(t) << id;
    EXPECT_EQ(t->tag, 0xC0u);
    EXPECT_EQ(t->value[0], v["expected"]["decoded"]["key_identifier"].get<int>()) << id;
    EXPECT_EQ(t->value[1], v["expected"]["decoded"]["key_version_number"].get<int>()) << id;
    expect_round_trip(in);
  }
}

TEST(Tlv, MultiByteTags) {
  // GET STATUS record tags (GP Card Spec 2.3 Table 11-36): 9F70 life cycle, BF3E (pySim SCP03
  // trace 80E2910006BF3E035C015A00).
  Bytes in = hex("9F700107BF3E035C015A");
  auto all = decode_all(in);
  ASSERT_TRUE(all);
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[0].tag, 0x9F70u);
  EXPECT_EQ((*all)[1].tag, 0xBF3Eu);
  EXPECT_TRUE((*all)[1].constructed());
  expect_round_trip(in);
}

TEST(Tlv, LongFormLengths) {
  Bytes value(300, 0xAB);
  Bytes enc = encode(0xC4, value);
  EXPECT_EQ(to_hex(ByteView(enc).first(4)), "C482012C");
  Bytes v200(200, 1);
  EXPECT_EQ(to_hex(ByteView(encode(0x22, v200)).first(3)), "2281C8");
  EXPECT_EQ(to_hex(encode(0x22, hex("00"))), "220100");
  auto t = decode_one(enc);
  ASSERT_TRUE(t);
  EXPECT_EQ(t->value.size(), 300u);
  EXPECT_EQ(t->header_size, 4u);
}

TEST(Tlv, AppendConstructedPatchesLongLength) {
  Bytes out;
  append_constructed(out, 0xAA, [](Bytes& o) { append(o, 0x22, Bytes(150, 0)); });
  EXPECT_EQ(to_hex(ByteView(out).first(6)), "AA8199228196");
  auto t = decode_one(out);
  ASSERT_TRUE(t);
  EXPECT_EQ(t->value.size(), 153u);
}

TEST(Tlv, RejectsTruncatedValue) {
  auto r = decode_one(hex("4F0501020304"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::value_overruns);
  EXPECT_NE(r.error().message.find("tag 4F at offset 0 has length 5 but only 4 bytes follow"),
            std::string::npos)
      << r.error().message;
}

TEST(Tlv, RejectsTruncatedTagAndLength) {
  EXPECT_EQ(decode_one(hex("9F")).error().code, Errc::truncated_tag);
  EXPECT_EQ(decode_one(hex("4F")).error().code, Errc::truncated_length);
  EXPECT_EQ(decode_one(hex("4F82")).error().code, Errc::truncated_length);
  EXPECT_EQ(decode_one(hex("4F8201")).error().code, Errc::truncated_length);
}

TEST(Tlv, RejectsOverlongLengthField) {
  auto r = decode_one(hex("4F850000000001AA"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::bad_length);
}

TEST(Tlv, RejectsIndefiniteWhereDefiniteRequired) {
  auto r = decode_one(hex("AE80220180000000"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::indefinite_length);
}

TEST(Tlv, RejectsTagLongerThanThreeBytes) {
  auto r = decode_one(hex("9F8181010100"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::tag_too_long);
}

TEST(Tlv, RejectsTrailingBytesInDecodeOne) {
  auto r = decode_one(hex("4F0101FF"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::trailing_data);
}

TEST(Tlv, StrictModeRejectsNonMinimalLength) {
  EXPECT_TRUE(decode_one(hex("4F8101AA")));
  ReadOptions strict;
  strict.strict_length = true;
  auto r = decode_one(hex("4F8101AA"), strict);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::bad_length);
}

TEST(Tlv, ReaderExpectNamesBothTags) {
  Bytes in = hex("4F01AA");
  Reader r(in);
  auto t = r.expect(0x84);
  ASSERT_FALSE(t);
  EXPECT_EQ(t.error().code, Errc::unexpected_tag);
  EXPECT_NE(t.error().message.find("expected tag 84"), std::string::npos);
  EXPECT_NE(t.error().message.find("found 4F"), std::string::npos);
  auto ok = r.expect(0x4F);
  ASSERT_TRUE(ok);
  EXPECT_TRUE(r.done());
}

// osmocom/pysim pySim/cat.py@597f1e03 via tests/unittests/test_tlvs.py (vectors pysim-cat-*):
// COMPREHENSION-TLVs of OPEN CHANNEL used in Amendment B connection parameters (tag 84).
TEST(ComprehensionTlv, DecodesCatVectors) {
  struct Row {
    const char* id;
    uint16_t tag;
    bool cr;
    const char* value;
  };
  const Row rows[] = {
      {"pysim-cat-BearerDescription-0", 0x35, true, "03"},
      {"pysim-cat-OtherAddress-0", 0x3E, true, "2101020304"},
      {"pysim-cat-UiccTransportLevel-0", 0x3C, true, "028000"},
      {"pysim-cat-NetworkAccessName-0", 0x47, true, "036E6161"},
  };
  for (const auto& row : rows) {
    auto v = test::vector("scp81.json", row.id);
    Bytes in = hex(v["inputs"]["tlv"].get<std::string>());
    size_t pos = 0;
    auto t = read_ctlv(in, pos);
    ASSERT_TRUE(t) << row.id << ": " << t.error().message;
    EXPECT_EQ(t->tag, row.tag) << row.id;
    EXPECT_EQ(t->comprehension_required, row.cr) << row.id;
    EXPECT_EQ(to_hex(t->value), row.value) << row.id;
    EXPECT_EQ(pos, in.size());
    Bytes out;
    append_ctlv(out, t->tag, t->comprehension_required, t->value);
    EXPECT_EQ(to_hex(out), to_hex(in)) << row.id;
  }
}

TEST(ComprehensionTlv, ThreeByteTagAndLongLength) {
  Bytes value(200, 0x5A);
  Bytes out;
  append_ctlv(out, 0x0123, true, value);
  EXPECT_EQ(to_hex(ByteView(out).first(5)), "7F812381C8");
  size_t pos = 0;
  auto t = read_ctlv(out, pos);
  ASSERT_TRUE(t) << t.error().message;
  EXPECT_TRUE(t->three_byte_tag);
  EXPECT_TRUE(t->comprehension_required);
  EXPECT_EQ(t->tag, 0x0123);
  EXPECT_EQ(t->value.size(), 200u);
}

TEST(ComprehensionTlv, RejectsMalformed) {
  size_t pos = 0;
  EXPECT_EQ(read_ctlv(hex("80"), pos).error().code, Errc::bad_tag);
  pos = 0;
  EXPECT_EQ(read_ctlv(hex("B5"), pos).error().code, Errc::truncated_length);
  pos = 0;
  EXPECT_EQ(read_ctlv(hex("B58105"), pos).error().code, Errc::bad_length);  // must be short form
  pos = 0;
  EXPECT_EQ(read_ctlv(hex("B503AA"), pos).error().code, Errc::value_overruns);
  pos = 0;
  EXPECT_EQ(read_ctlv(hex("7F01"), pos).error().code, Errc::truncated_tag);
}
