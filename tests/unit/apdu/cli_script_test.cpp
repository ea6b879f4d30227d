// `gpram script encode|decode`: runs the built binary (GPRAM_BIN_DIR/gpram) and checks its JSON,
// exit codes and one-line errors (docs/protocols/scripts.md). Vectors as in script_test.cpp:
// [FieldLog] live SCP81 trace, [ExpSrv] live ISD bad-format answer, [pySim] compact formats.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

namespace {

struct Run {
  int status = -1;
  std::string out;
  std::string err;
};

std::string gpram_bin() { return std::string(GPRAM_BIN_DIR) + "/gpram"; }

// Runs `gpram ARGS` with `input` on stdin; captures stdout and stderr (via a temp file).
Run run(const std::string& args, const std::string& input = "") {
  namespace fs = std::filesystem;
  const fs::path dir = fs::temp_directory_path() /
                       ("gpram-cli-script-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const fs::path in = dir / "stdin";
  const fs::path err = dir / "stderr";
  std::ofstream(in) << input;
  const std::string cmd =
      gpram_bin() + " " + args + " < '" + in.string() + "' 2> '" + err.string() + "'";
  Run r;
  FILE* p = ::popen(cmd.c_str(), "r");
  if (!p) return r;
  std::array<char, 4096> buf{};
  size_t n = 0;
  while ((n = std::fread(buf.data(), 1, buf.size(), p)) > 0) r.out.append(buf.data(), n);
  const int st = ::pclose(p);
  r.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  std::ifstream e(err);
  r.err.assign(std::istreambuf_iterator<char>(e), std::istreambuf_iterator<char>());
  fs::remove_all(dir);
  return r;
}

class ScriptCli : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!std::filesystem::exists(gpram_bin())) GTEST_SKIP() << "gpram not built: " << gpram_bin();
  }
};

}  // namespace

// [FieldLog] AE 80 22 05 80CA008500 00 00.
TEST_F(ScriptCli, EncodesIndefiniteCommandScript) {
  auto r = run("script encode --indefinite", R"({"commands":["80ca008500"]})");
  ASSERT_EQ(r.status, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["script"], "AE80220580CA0085000000");
  r = run("script encode", R"({"commands":["80f24002024f0000","00a40004023f0000"]})");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(nlohmann::json::parse(r.out)["script"], "AA14220880F24002024F0000220800A40004023F0000");
  r = run("script encode --compact", R"({"commands":["A0A40000027F20","A0C0000016"]})");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(nlohmann::json::parse(r.out)["script"], "A0A40000027F20A0C0000016");
}

TEST_F(ScriptCli, EncodesResponseScripts) {
  auto r = run("script encode --indefinite", R"({"responses":["6A88"]})");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(nlohmann::json::parse(r.out)["script"], "AF8023026A880000");
  r = run("script encode", R"({"responses":["6132"]})");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(nlohmann::json::parse(r.out)["script"], "AB0780010123026132");
  r = run("script encode --compact", R"({"responses":["612F"]})");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(nlohmann::json::parse(r.out)["script"], "01612F");
}

TEST_F(ScriptCli, DecodesCommandScript) {
  auto r = run("script decode AE80220580CA0085000000");
  ASSERT_EQ(r.status, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["kind"], "command");
  EXPECT_EQ(j["format"], "expanded-indefinite");
  ASSERT_EQ(j["items"].size(), 1u);
  const auto& it = j["items"][0];
  EXPECT_EQ(it["type"], "capdu");
  EXPECT_EQ(it["hex"], "80CA008500");
  EXPECT_EQ(it["cla"], "80");
  EXPECT_EQ(it["ins"], "CA");
  EXPECT_EQ(it["p1"], "00");
  EXPECT_EQ(it["p2"], "85");
  EXPECT_EQ(it["name"], "GET DATA");
  EXPECT_EQ(it["case"], 2);
  EXPECT_EQ(it["le"], 256);
}

// [FieldLog] AF 80 23 02 6A88 00 00; [ExpSrv] AB06800100900102.
TEST_F(ScriptCli, DecodesResponseScripts) {
  auto r = run("script decode af8023026a880000");
  ASSERT_EQ(r.status, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["kind"], "response");
  EXPECT_EQ(j["format"], "expanded-indefinite");
  EXPECT_FALSE(j.contains("executed"));
  EXPECT_EQ(j["items"][0]["type"], "rapdu");
  EXPECT_EQ(j["items"][0]["sw"], "6A88");
  EXPECT_EQ(j["items"][0]["sw_name"], "referenced data not found");

  r = run("script decode AB06800100900102");
  ASSERT_EQ(r.status, 0) << r.err;
  j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["format"], "expanded-definite");
  EXPECT_EQ(j["executed"], 0);
  EXPECT_EQ(j["items"][1]["type"], "bad_format");
  EXPECT_EQ(j["items"][1]["value"], "02");
  EXPECT_EQ(j["items"][1]["meaning"], "wrong length");
  EXPECT_EQ(j["bad_format"]["meaning"], "wrong length");
}

TEST_F(ScriptCli, DecodesCompactFormsOnRequest) {
  auto r = run("script decode --compact-command A0A40000027F20A0C0000016");
  ASSERT_EQ(r.status, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["format"], "compact");
  ASSERT_EQ(j["items"].size(), 2u);
  EXPECT_EQ(j["items"][1]["hex"], "A0C0000016");
  r = run("script decode --compact-response 01612F");
  ASSERT_EQ(r.status, 0) << r.err;
  j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["executed"], 1);
  EXPECT_EQ(j["last_sw"], "612F");
}

TEST_F(ScriptCli, RejectsBadInputWithOneLineError) {
  auto r = run("script decode AE80220580CA008500");
  EXPECT_EQ(r.status, 2);
  EXPECT_TRUE(r.out.empty());
  EXPECT_EQ(r.err.rfind("error: command script: input ends at offset 9 without the 00 00", 0), 0u)
      << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1);

  r = run("script decode 01612F");
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("--compact-response"), std::string::npos) << r.err;

  r = run("script decode ZZ");
  EXPECT_EQ(r.status, 2);

  r = run("script encode", R"({"commands":["80CA00"]})");
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("commands[0]: C-APDU"), std::string::npos) << r.err;

  r = run("script encode --compact --indefinite", R"({"commands":["80CA008500"]})");
  EXPECT_EQ(r.status, 2);
}
