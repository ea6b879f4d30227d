// CLI tests for `gpram ota encode|decode` and `gpram trigger encode|decode` (docs/interfaces:
// JSON on stdout, exit 0 / 1 (RC/CC failure) / 2 (bad input, one-line "error: ...")).
// Known answers: osmocom/pysim tests/unittests/test_ota.py@597f1e0398bb81d6832dc92ee4dfdcada59d3d82
// (AES-128 command and PoR vectors) and pySim/global_platform/http.py (85 08 04DEADBEEF 02 00 40).
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

struct Run {
  int code = -1;
  std::string out;
  std::string err;
};

std::string slurp(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

fs::path gpram_bin() { return fs::path(GPRAM_BIN_DIR) / "gpram"; }

Run run(const std::string& args, const std::string& stdin_text = "") {
  const fs::path dir = fs::temp_directory_path() / ("gpram-cli-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  std::ofstream(dir / "in") << stdin_text;
  const std::string cmd = "'" + gpram_bin().string() + "' " + args + " < '" + (dir / "in").string() +
                          "' > '" + (dir / "out").string() + "' 2> '" + (dir / "err").string() + "'";
  const int st = std::system(cmd.c_str());
  Run r;
  r.code = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  r.out = slurp(dir / "out");
  r.err = slurp(dir / "err");
  fs::remove_all(dir);
  return r;
}

#define REQUIRE_GPRAM()                                                          \
  if (!fs::exists(gpram_bin())) GTEST_SKIP() << "gpram not built at " << gpram_bin()

const char* kAesKeys =
    R"("kic":"22","kid":"22","kic_key":"200102030405060708090A0B0C0D0E0F",)"
    R"("kid_key":"201102030405060708090A0B0C0D0E0F","tar":"B00011")";

}  // namespace

// pysim-ota-aes128-cmd-ciphered-cc: SPI 0619, APDU 00A40004023F00.
TEST(GpramOtaCli, EncodesPySimAesVector) {
  REQUIRE_GPRAM();
  auto r = run("ota encode", std::string("{") + kAesKeys +
                                 R"(,"spi":"0619","counter":"0000000000","data":"00A40004023F00"})");
  ASSERT_EQ(r.code, 0) << r.err;
  const json j = json::parse(r.out);
  EXPECT_EQ(j["packet"], "00281506192222B00011E87CCEEBB2D93083011CE294F93FC4D8DE80DA1ABAE8C37CA3E72EC4432E5058");
  EXPECT_EQ(j["sms_user_data"][0].get<std::string>().substr(0, 6), "027000");
}

TEST(GpramOtaCli, DecodesCommandAndPor) {
  REQUIRE_GPRAM();
  auto c = run("ota decode", std::string("{") + kAesKeys +
                                 R"(,"spi":"0619","packet":"00281506192222B00011E87CCEEBB2D93083011CE294F93FC4D8DE80DA1ABAE8C37CA3E72EC4432E5058"})");
  ASSERT_EQ(c.code, 0) << c.err;
  json j = json::parse(c.out);
  EXPECT_EQ(j["data"], "00A40004023F00");
  EXPECT_EQ(j["cc_valid"], true);
  EXPECT_EQ(j["counter"], "0000000000");
  EXPECT_EQ(j["tar"], "B00011");
  // pysim-ota-aes128-resp-ciphered-cc
  auto p = run("ota decode", std::string("{") + kAesKeys +
                                 R"(,"spi":"0619","response":true,"packet":"027100002412B00011EBC6B497E2CAD7AEDF36ACE0E3A29B38853F0FE9CCDE81913BE5702B73ABCE1F"})");
  ASSERT_EQ(p.code, 0) << p.err;
  j = json::parse(p.out);
  EXPECT_EQ(j["status"], "00");
  EXPECT_EQ(j["data"], "016132");
  EXPECT_EQ(j["cc_valid"], true);
}

// pysim-ota-3des-resp-signed-bad-cc: exit 1, JSON still printed.
TEST(GpramOtaCli, BadCcExitsOne) {
  REQUIRE_GPRAM();
  auto r = run("ota decode",
               R"({"kic":"35","kid":"35","kic_key":"C21DD66ACAC13CB3BC8B331B24AFB57B",)"
               R"("kid_key":"12110C78E678C25408233076AA033615","spi":"0609","response":true,)"
               R"("packet":"027100001612B000110000000000000055F47118381175FB02612F"})");
  EXPECT_EQ(r.code, 1) << r.err;
  EXPECT_EQ(json::parse(r.out)["cc_valid"], false);
  EXPECT_NE(r.err.find("error: "), std::string::npos);
}

TEST(GpramOtaCli, BadInputExitsTwo) {
  REQUIRE_GPRAM();
  for (const std::string& in :
       {std::string("not json"), std::string(R"({"spi":"06"})"),
        std::string("{") + kAesKeys + R"(,"spi":"0619","packet":"0028"})",
        std::string("{") + kAesKeys + R"(,"spi":"0619","bogus":1})"}) {
    SCOPED_TRACE(in);
    auto r = run("ota encode", in);
    if (in.find("packet") != std::string::npos) r = run("ota decode", in);
    EXPECT_EQ(r.code, 2);
    EXPECT_EQ(r.err.rfind("error: ", 0), 0u) << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  }
}

TEST(GpramTriggerCli, RoundTripsJson) {
  REQUIRE_GPRAM();
  const json x = {
      {"connection",
       {{"bearer", "03"},
        {"buffer_size", 1400},
        {"apn", "internet"},
        {"transport", {{"protocol", "tcp_client"}, {"port", 8443}}},
        {"destination", "10.1.2.3"}}},
      {"security", {{"psk_identity", "3839"}, {"kvn", "40"}, {"kid", "01"}}},
      {"retry", {{"count", 1}, {"delay", "001000"}}},
      {"http_post", {{"host", "ras.example"}, {"agent_id", "8901"}, {"uri", "/ram?s=1"}}}};
  auto e = run("trigger encode", x.dump());
  ASSERT_EQ(e.code, 0) << e.err;
  const std::string tlv = json::parse(e.out)["tlv"];
  EXPECT_EQ(tlv.substr(0, 2), "81");
  auto d = run("trigger decode " + tlv);
  ASSERT_EQ(d.code, 0) << d.err;
  EXPECT_EQ(json::parse(d.out), x);
}

// pysim-scp81-SecurityParams-0 inside 81 83.
TEST(GpramTriggerCli, DecodesPySimSecurityParams) {
  REQUIRE_GPRAM();
  auto d = run("trigger decode 810C830A850804DEADBEEF020040");
  ASSERT_EQ(d.code, 0) << d.err;
  const json j = json::parse(d.out);
  EXPECT_EQ(j["security"]["psk_identity"], "DEADBEEF");
  EXPECT_EQ(j["security"]["kvn"], "00");
  EXPECT_EQ(j["security"]["kid"], "40");
}

TEST(GpramTriggerCli, BadInputExitsTwo) {
  REQUIRE_GPRAM();
  auto a = run("trigger decode 8203830100");
  EXPECT_EQ(a.code, 2);
  EXPECT_EQ(a.err.rfind("error: ", 0), 0u) << a.err;
  auto b = run("trigger decode ZZ");
  EXPECT_EQ(b.code, 2);
  auto c = run("trigger encode", R"({"retry":{"count":1,"delay":"0010"}})");
  EXPECT_EQ(c.code, 2);
  EXPECT_NE(c.err.find("3 bytes"), std::string::npos) << c.err;
  auto d = run("trigger encode", R"({"colour":"red"})");
  EXPECT_EQ(d.code, 2);
  EXPECT_NE(d.err.find("unknown field \"colour\""), std::string::npos) << d.err;
}
