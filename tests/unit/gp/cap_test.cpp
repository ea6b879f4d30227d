// CAP file parsing and Load File construction. Public sources:
//  - /work/shared/testdata/cap/SOURCES.md: package/applet AIDs, versions and imports of the eight
//    CAP files (copied byte-for-byte from kaoh/globalplatform, osmocom/pysim,
//    martinpaljak/GlobalPlatformPro, OpenJavaCard/openjavacard-tools, crocs-muni/JCAlgTest).
//  - cap.json pysim-cap-loadfile: osmocom/pysim tests/unittests/test_javacard.py
//    @597f1e0398bb81d6832dc92ee4dfdcada59d3d82 (Load File WITH Descriptor, 569 bytes).
//  - martinpaljak/GlobalPlatformPro tests/Empty_0102030405_8d5ac9e2_2.2.1.cap
//    @236a610a63385e9171247485c000d0a96c5aff00: GPP names CAP files with the template
//    %n_%a_%h_%j where %h is the first 8 hex digits of the SHA-256 Load File Data Block hash
//    (CAPFile.getLoadFileDataHash("SHA-256"), Descriptor excluded) -> 8d5ac9e2.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>

#include <gtest/gtest.h>
#include <zip.h>

#include "gp_test_util.hpp"
#include "gpram/gp/cap.hpp"
#include "vectors.hpp"

namespace gpram::gp {
namespace {

using test::cap_path;

Bytes read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return Bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

/// Every entry of a ZIP archive (name -> bytes), read with libzip.
std::vector<std::pair<std::string, Bytes>> zip_entries(const std::string& path) {
  std::vector<std::pair<std::string, Bytes>> out;
  int err = 0;
  zip_t* z = zip_open(path.c_str(), ZIP_RDONLY, &err);
  if (!z) return out;
  for (zip_int64_t i = 0; i < zip_get_num_entries(z, 0); ++i) {
    zip_stat_t st;
    zip_stat_index(z, static_cast<zip_uint64_t>(i), 0, &st);
    Bytes data(static_cast<size_t>(st.size));
    zip_file_t* f = zip_fopen_index(z, static_cast<zip_uint64_t>(i), 0);
    if (!data.empty()) zip_fread(f, data.data(), data.size());
    zip_fclose(f);
    out.emplace_back(st.name, std::move(data));
  }
  zip_discard(z);
  return out;
}

/// Writes a new archive from entries and returns its bytes.
Bytes make_zip(const std::vector<std::pair<std::string, Bytes>>& entries) {
  const auto dir = std::filesystem::temp_directory_path();
  const std::string path =
      (dir / ("gp_cap_test_" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) +
              "_" + ::testing::UnitTest::GetInstance()->current_test_info()->name() + ".zip"))
          .string();
  int err = 0;
  zip_t* z = zip_open(path.c_str(), ZIP_CREATE | ZIP_TRUNCATE, &err);
  EXPECT_NE(z, nullptr);
  std::vector<Bytes> keep;  // buffers must live until zip_close
  keep.reserve(entries.size());
  for (const auto& [name, data] : entries) {
    keep.push_back(data);
    zip_source_t* s = zip_source_buffer(z, keep.back().data(), keep.back().size(), 0);
    zip_file_add(z, name.c_str(), s, ZIP_FL_OVERWRITE);
  }
  EXPECT_EQ(zip_close(z), 0);
  Bytes out = read_all(path);
  std::filesystem::remove(path);
  return out;
}

struct Expected {
  const char* file;
  const char* package_aid;
  const char* version;
  std::vector<std::string> applets;
  std::vector<std::pair<std::string, std::string>> imports;
  uint8_t flags;
};

// Table of /work/shared/testdata/cap/SOURCES.md.
const std::vector<Expected>& expected() {
  static const std::vector<Expected> kTable = {
      {"kaoh-helloworld.cap", "D0D1D2D3D4D501", "1.0", {"D0D1D2D3D4D50101"},
       {{"A0000000620101", "1.0"}}, 0x04},
      {"pysim-test_javacard-hellostk.cap", "D07002CA44", "1.0", {"D07002CA44900101"},
       {{"A0000000620101", "1.2"}, {"A0000000090003FFFFFFFF8910710002", "2.6"},
        {"A0000000620001", "1.0"}}, 0x04},
      {"gppro-Empty_0102030405_8d5ac9e2_2.2.1.cap", "0102030405", "0.0", {"0102030405060708"},
       {{"A0000000620101", "1.2"}, {"A0000000620102", "1.2"}, {"A0000000620001", "1.0"}}, 0x04},
      {"openjavacard-app-demo.cap", "A00000FFFFF0", "0.0", {"A00000FFFFF001"},
       {{"A0000000620001", "1.0"}, {"A00000FFFFA0", "0.0"}, {"A0000000620101", "1.3"},
        {"A00000FFFFA3", "0.0"}, {"A00000FFFFA2", "0.0"}}, 0x04},
      {"openjavacard-lib-ber.cap", "A00000FFFFA0", "0.0", {},
       {{"A0000000620001", "1.0"}, {"A0000000620101", "1.3"}}, 0x02},
      {"AlgTest_v1.7.1_supportOnly_jc221.cap", "4A43416C6754657374", "1.0",
       {"4A43416C675465737431"},
       {{"A0000000620001", "1.0"}, {"A0000000620201", "1.2"}, {"A0000000620102", "1.2"},
        {"A0000000620101", "1.2"}}, 0x04},
      {"AlgTest_v1.8.2_jc222.cap", "4A43416C6754657374", "0.0", {"4A43416C675465737431"},
       {{"A0000000620001", "1.0"}, {"A0000000620102", "1.3"}, {"A0000000620101", "1.3"},
        {"A0000000620201", "1.3"}}, 0x04},
      {"AlgTest_v1.8.2_jc305.cap", "4A43416C6754657374", "0.0", {"4A43416C675465737431"},
       {{"A0000000620001", "1.0"}, {"A0000000620102", "1.6"}, {"A0000000620101", "1.6"},
        {"A0000000620201", "1.6"}}, 0x04},
  };
  return kTable;
}

TEST(CapFile, ParsesEveryTestCapAsListedInSources) {
  for (const auto& e : expected()) {
    auto cap = CapFile::load(cap_path(e.file));
    ASSERT_TRUE(cap) << e.file << ": " << cap.error().message;
    EXPECT_EQ(to_hex(cap->package_aid()), e.package_aid) << e.file;
    EXPECT_EQ(cap->package_version().str(), e.version) << e.file;
    EXPECT_EQ(cap->header().cap_version.str(), "2.1") << e.file;
    EXPECT_EQ(cap->header().flags, e.flags) << e.file;
    std::vector<std::string> applets;
    for (const auto& a : cap->applets()) applets.push_back(to_hex(a.aid));
    EXPECT_EQ(applets, e.applets) << e.file;
    std::vector<std::pair<std::string, std::string>> imports;
    for (const auto& i : cap->imports()) imports.emplace_back(to_hex(i.aid), i.version.str());
    EXPECT_EQ(imports, e.imports) << e.file;
    EXPECT_EQ(cap->has_export(), e.flags == 0x02) << e.file;
    ASSERT_NE(cap->component("Descriptor"), nullptr) << e.file;
    EXPECT_EQ(cap->component("Debug"), nullptr) << e.file;
    // Load file = concatenation in load order; Descriptor only on request.
    const Bytes lf = cap->load_file();
    EXPECT_EQ(lf.size() + cap->component("Descriptor")->data.size(), cap->load_file(true).size());
    EXPECT_EQ(lf[0], 0x01);  // starts with the Header component
  }
}

// cap.json pysim-cap-loadfile: pySim includes the Descriptor.
TEST(CapFile, LoadFileMatchesPysimVector) {
  const auto v = gpram::test::vector("cap.json", "pysim-cap-loadfile");
  auto cap = CapFile::load(cap_path("pysim-test_javacard-hellostk.cap"));
  ASSERT_TRUE(cap) << cap.error().message;
  EXPECT_EQ(to_hex(cap->load_file(true)), v["expected"]["load_file"].get<std::string>());
  EXPECT_EQ(to_hex(cap->package_aid()), v["expected"]["load_file_aid"].get<std::string>());
  EXPECT_EQ(to_hex(cap->applets().at(0).aid), v["expected"]["applet_aid"].get<std::string>());
  const Bytes lfdb = cap->load_file_data_block(true);
  EXPECT_EQ(to_hex(Bytes(lfdb.begin(), lfdb.begin() + 4)), "C4820239");  // 569 = 0x239
}

// GPP's file name carries the first 4 bytes of SHA-256 over the Load File without Descriptor.
TEST(CapFile, Sha256MatchesGppFileNameHash) {
  auto cap = CapFile::load(cap_path("gppro-Empty_0102030405_8d5ac9e2_2.2.1.cap"));
  ASSERT_TRUE(cap) << cap.error().message;
  EXPECT_EQ(to_hex(cap->load_file_hash(HashAlg::sha256)).substr(0, 8), "8D5AC9E2");
  EXPECT_EQ(cap->load_file_hash(HashAlg::sha1).size(), 20u);
  EXPECT_TRUE(cap->load_file_hash(HashAlg::none).empty());
}

TEST(CapFile, RejectsGarbageAndTruncatedZip) {
  auto g = CapFile::parse(as_bytes("this is not a zip file at all, just text"));
  ASSERT_FALSE(g);
  EXPECT_EQ(g.error(), Errc::not_a_zip);
  EXPECT_NE(g.error().message.find("not a ZIP archive"), std::string::npos) << g.error().message;
  auto tiny = CapFile::parse(hex("504B0304"));
  ASSERT_FALSE(tiny);
  EXPECT_EQ(tiny.error(), Errc::not_a_zip);
  const Bytes full = read_all(cap_path("kaoh-helloworld.cap"));
  auto half = CapFile::parse(ByteView(full).first(full.size() / 2));
  ASSERT_FALSE(half);
  EXPECT_EQ(half.error(), Errc::not_a_zip);
  auto missing = CapFile::load("/nonexistent/x.cap");
  ASSERT_FALSE(missing);
}

TEST(CapFile, RejectsMissingHeader) {
  auto entries = zip_entries(cap_path("kaoh-helloworld.cap"));
  std::erase_if(entries, [](const auto& e) { return e.first.ends_with("/Header.cap"); });
  auto cap = CapFile::parse(make_zip(entries));
  ASSERT_FALSE(cap);
  EXPECT_EQ(cap.error(), Errc::missing_component);
  EXPECT_NE(cap.error().message.find("missing Header component"), std::string::npos)
      << cap.error().message;
}

TEST(CapFile, RejectsMissingAppletWhenFlagged) {
  auto entries = zip_entries(cap_path("kaoh-helloworld.cap"));
  std::erase_if(entries, [](const auto& e) { return e.first.ends_with("/Applet.cap"); });
  auto cap = CapFile::parse(make_zip(entries));
  ASSERT_FALSE(cap);
  EXPECT_NE(cap.error().message.find("missing Applet component"), std::string::npos);
}

TEST(CapFile, RejectsBadMagic) {
  auto entries = zip_entries(cap_path("kaoh-helloworld.cap"));
  for (auto& [name, data] : entries)
    if (name.ends_with("/Header.cap")) {
      data[3] = 0xCA;
      data[4] = 0xFE;
      data[5] = 0xBA;
      data[6] = 0xBE;
    }
  auto cap = CapFile::parse(make_zip(entries));
  ASSERT_FALSE(cap);
  EXPECT_EQ(cap.error(), Errc::bad_magic);
  EXPECT_NE(cap.error().message.find("bad magic CAFEBABE at offset 3"), std::string::npos)
      << cap.error().message;
}

TEST(CapFile, RejectsTruncatedAppletComponent) {
  auto entries = zip_entries(cap_path("kaoh-helloworld.cap"));
  Bytes applet;
  for (auto& [name, data] : entries)
    if (name.ends_with("/Applet.cap")) {
      applet = data;
      data.resize(data.size() - 3);
    }
  auto cap = CapFile::parse(make_zip(entries));
  ASSERT_FALSE(cap);
  EXPECT_EQ(cap.error(), Errc::bad_component);
  EXPECT_NE(cap.error().message.find("Applet component"), std::string::npos)
      << cap.error().message;
  // The component parser on its own: size field kept, bytes cut.
  ASSERT_GT(applet.size(), 6u);
  auto direct = parse_applet_component(ByteView(applet).first(applet.size() - 3));
  ASSERT_FALSE(direct);
  EXPECT_EQ(direct.error(), Errc::truncated);
  EXPECT_NE(direct.error().message.find("Applet component truncated"), std::string::npos)
      << direct.error().message;
  // And with a consistent size field but a count announcing more applets than present.
  Bytes more = applet;
  more[3] = 2;
  auto count = parse_applet_component(more);
  ASSERT_FALSE(count);
  EXPECT_EQ(count.error(), Errc::truncated);
}

TEST(CapFile, RejectsDuplicateComponent) {
  auto entries = zip_entries(cap_path("kaoh-helloworld.cap"));
  Bytes header;
  for (const auto& [name, data] : entries)
    if (name.ends_with("/Header.cap")) header = data;
  entries.emplace_back("other/javacard/Header.cap", header);
  auto cap = CapFile::parse(make_zip(entries));
  ASSERT_FALSE(cap);
  EXPECT_EQ(cap.error(), Errc::duplicate_component);
  EXPECT_NE(cap.error().message.find("duplicate Header component"), std::string::npos);
}

TEST(CapFile, IgnoresDebugAndExtraEntries) {
  auto entries = zip_entries(cap_path("kaoh-helloworld.cap"));
  std::string dir;
  for (const auto& e : entries)
    if (e.first.ends_with("/Header.cap")) dir = e.first.substr(0, e.first.size() - 10);
  entries.emplace_back(dir + "Debug.cap", hex("0C0003010203"));
  entries.emplace_back("META-INF/MANIFEST.MF", Bytes(as_bytes("Manifest-Version: 1.0\n").begin(),
                                                     as_bytes("Manifest-Version: 1.0\n").end()));
  entries.emplace_back("APPLET-INF/classes/x/Y.class", hex("CAFEBABE"));
  auto cap = CapFile::parse(make_zip(entries));
  ASSERT_TRUE(cap) << cap.error().message;
  auto orig = CapFile::load(cap_path("kaoh-helloworld.cap"));
  ASSERT_TRUE(orig);
  EXPECT_EQ(cap->load_file(true), orig->load_file(true));
  EXPECT_EQ(cap->component("Debug"), nullptr);
}

TEST(CapFile, HeaderParserBounds) {
  auto cap = CapFile::load(cap_path("kaoh-helloworld.cap"));
  ASSERT_TRUE(cap);
  const Bytes h = cap->component("Header")->data;
  for (size_t n = 0; n < h.size(); ++n) {
    auto r = parse_header_component(ByteView(h).first(n));
    EXPECT_FALSE(r) << "prefix " << n;
  }
  EXPECT_TRUE(parse_header_component(h));
  Bytes wrong_tag = h;
  wrong_tag[0] = 2;
  auto t = parse_header_component(wrong_tag);
  ASSERT_FALSE(t);
  EXPECT_NE(t.error().message.find("tag 2 at offset 0, expected 1"), std::string::npos);
  auto imports = parse_import_component(hex("040008" "01" "0001" "04A0000000"));
  ASSERT_FALSE(imports);
  EXPECT_NE(imports.error().message.find("imported package AID length 4 at offset 6"), std::string::npos)
      << imports.error().message;
}

}  // namespace
}  // namespace gpram::gp
