// `gpram cap info` / `gpram cap load-file` (docs/interfaces.md) run as a process on every test
// CAP; AIDs from /work/shared/testdata/cap/SOURCES.md, the load file from cap.json
// pysim-cap-loadfile (osmocom/pysim tests/unittests/test_javacard.py @597f1e03).
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "gp_test_util.hpp"
#include "vectors.hpp"

namespace gpram::gp {
namespace {

struct ProcResult {
  int status = -1;
  std::string out;
};

ProcResult run(const std::string& args) {
  const std::string cmd = std::string(GPRAM_BIN_DIR) + "/gpram " + args + " 2>&1";
  ProcResult r;
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return r;
  std::array<char, 4096> buf{};
  size_t n = 0;
  while ((n = fread(buf.data(), 1, buf.size(), p)) > 0) r.out.append(buf.data(), n);
  const int st = pclose(p);
  r.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  return r;
}

TEST(GpramCapCli, InfoOnEveryCap) {
  const std::vector<std::tuple<std::string, std::string, std::string>> caps = {
      {"kaoh-helloworld.cap", "D0D1D2D3D4D501", "D0D1D2D3D4D50101"},
      {"pysim-test_javacard-hellostk.cap", "D07002CA44", "D07002CA44900101"},
      {"gppro-Empty_0102030405_8d5ac9e2_2.2.1.cap", "0102030405", "0102030405060708"},
      {"openjavacard-app-demo.cap", "A00000FFFFF0", "A00000FFFFF001"},
      {"openjavacard-lib-ber.cap", "A00000FFFFA0", ""},
      {"AlgTest_v1.7.1_supportOnly_jc221.cap", "4A43416C6754657374", "4A43416C675465737431"},
      {"AlgTest_v1.8.2_jc222.cap", "4A43416C6754657374", "4A43416C675465737431"},
      {"AlgTest_v1.8.2_jc305.cap", "4A43416C6754657374", "4A43416C675465737431"},
  };
  for (const auto& [file, pkg, applet] : caps) {
    const ProcResult r = run("cap info " + test::cap_path(file));
    ASSERT_EQ(r.status, 0) << file << ": " << r.out;
    const auto j = nlohmann::json::parse(r.out);
    EXPECT_EQ(j["package_aid"], pkg) << file;
    if (applet.empty()) {
      EXPECT_TRUE(j["applets"].empty()) << file;
    } else {
      ASSERT_EQ(j["applets"].size(), 1u) << file;
      EXPECT_EQ(j["applets"][0]["aid"], applet) << file;
    }
    EXPECT_TRUE(j["components"].is_array());
    EXPECT_GT(j["load_file_size"].get<size_t>(), 0u);
    EXPECT_EQ(j["cap_version"], "2.1");
  }
}

TEST(GpramCapCli, LoadFileMatchesPysim) {
  const auto v = gpram::test::vector("cap.json", "pysim-cap-loadfile");
  const ProcResult r = run("cap load-file --include-descriptor " +
                    test::cap_path("pysim-test_javacard-hellostk.cap"));
  ASSERT_EQ(r.status, 0) << r.out;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["load_file"], v["expected"]["load_file"]);
  EXPECT_EQ(j["sha1"].get<std::string>().size(), 40u);
  EXPECT_EQ(j["sha256"].get<std::string>().size(), 64u);
  const ProcResult plain = run("cap load-file " + test::cap_path("gppro-Empty_0102030405_8d5ac9e2_2.2.1.cap"));
  ASSERT_EQ(plain.status, 0) << plain.out;
  EXPECT_EQ(nlohmann::json::parse(plain.out)["sha256"].get<std::string>().substr(0, 8), "8D5AC9E2");
}

TEST(GpramCapCli, BadFileExitsTwoWithOneLineError) {
  const ProcResult r = run("cap info " + std::string(GPRAM_TESTDATA_DIR) + "/cap/SOURCES.md");
  EXPECT_EQ(r.status, 2) << r.out;
  EXPECT_EQ(r.out.rfind("error: ", 0), 0u) << r.out;
  EXPECT_NE(r.out.find("not a ZIP archive"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find('\n'), r.out.size() - 1) << r.out;
  const ProcResult missing = run("cap load-file /nonexistent.cap");
  EXPECT_EQ(missing.status, 2) << missing.out;
}

}  // namespace
}  // namespace gpram::gp
