// Interop of the PSK-TLS engine with GnuTLS's and OpenSSL's command-line clients. The server is
// our TlsConnection over a net::EventLoop on 127.0.0.1 (port 0) in a thread of this process; it
// answers "echo:" + data, closes (close_notify) after a line containing "bye", and adds 2000
// bytes after "big" (to check max_fragment_length 512 against OpenSSL, which rejects records
// over the negotiated limit).
#include <gtest/gtest.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <thread>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "gpram/net/event_loop.hpp"
#include "gpram/tls/tls_connection.hpp"

using namespace gpram;

namespace {

constexpr const char* kId = "card-0001";
constexpr const char* kKeyHex = "00112233445566778899AABBCCDDEEFF";

std::atomic<int> g_last_dhe{-1};  // TLS 1.3 mode of the last handshake (1 = psk_dhe_ke)

class EchoTls final : public tls::TlsConnection {
 public:
  using TlsConnection::TlsConnection;
  void on_handshake() override { g_last_dhe = session().tls13_dhe() ? 1 : 0; }
  void on_plaintext(ByteView data) override {
    std::string in(as_chars(data));
    std::string reply = "echo:" + in;
    if (in.find("big") != std::string::npos) reply += std::string(2000, 'x') + "\n";
    send(as_bytes(reply));
    if (in.find("bye") != std::string::npos) close();
  }
  void on_end(const Error* reason) override {
    if (reason != nullptr) std::fprintf(stderr, "server: %s\n", reason->message.c_str());
  }
};

struct Server {
  std::unique_ptr<net::LoopGroup> group;
  uint16_t port = 0;
  std::string keylog_path;

  explicit Server(tls::Options options) {
    auto resolver = std::make_shared<tls::MemoryPskResolver>();
    resolver->add(kId, hex(kKeyHex));
    keylog_path = ::testing::TempDir() + "gpram-tls-interop-" + std::to_string(::getpid()) + ".keys";
    std::remove(keylog_path.c_str());
    options.keylog = tls::keylog_file(keylog_path);
    auto config = tls::Config::server(std::move(options), resolver);
    EXPECT_TRUE(config) << config.error().message;
    auto g = net::LoopGroup::create(1);
    EXPECT_TRUE(g);
    group = std::move(*g);
    std::shared_ptr<const tls::Config> cfg = *config;
    auto bound = group->listen(*net::Endpoint::parse("127.0.0.1:0"),
                               [cfg](net::Connection&) -> std::unique_ptr<net::ConnectionHandler> {
                                 auto s = tls::Session::create(cfg);
                                 if (!s) return nullptr;
                                 return std::make_unique<EchoTls>(std::move(*s), std::chrono::seconds(10));
                               });
    EXPECT_TRUE(bound);
    port = bound->port();
    group->set_drain_timeout(std::chrono::milliseconds(200));
    group->start();
  }
  ~Server() {
    group->request_stop();
    group->join();
  }
};

tls::Options all_suites() {
  tls::Options o;
  o.suites = {tls::Suite::psk_aes128_cbc_sha256, tls::Suite::psk_aes128_cbc_sha,
              tls::Suite::psk_3des_ede_cbc_sha,  tls::Suite::psk_null_sha256,
              tls::Suite::psk_null_sha,          tls::Suite::tls13};
  return o;
}

bool have(const char* tool) {
  return std::system((std::string("command -v ") + tool + " >/dev/null 2>&1").c_str()) == 0;
}

struct Run {
  int status;
  std::string output;
};

// Feeds `input` then keeps stdin open 3 s (the server's close ends the client first).
Run run_client(const std::string& cmd, const std::string& input) {
  const std::string full = "(printf '" + input + "'; sleep 3) | timeout 15 " + cmd + " 2>&1";
  Run r{-1, {}};
  FILE* p = ::popen(full.c_str(), "r");
  if (p == nullptr) return r;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) r.output.append(buf, n);
  r.status = ::pclose(p);
  return r;
}

Run run_cmd(const std::string& cmd) {
  Run r{-1, {}};
  FILE* p = ::popen(("timeout 30 " + cmd + " 2>/dev/null").c_str(), "r");
  if (p == nullptr) return r;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) r.output.append(buf, n);
  r.status = ::pclose(p);
  return r;
}

std::string gnutls_cli(uint16_t port, const std::string& priority, const char* id = kId) {
  return "gnutls-cli --pskusername " + std::string(id) + " --pskkey " + kKeyHex +
         " --priority '" + priority + "' -p " + std::to_string(port) + " 127.0.0.1";
}

std::string s_client(uint16_t port, const std::string& args, const char* id = kId) {
  return "openssl s_client -quiet -ign_eof -psk " + std::string(kKeyHex) + " -psk_identity " +
         id + " -connect 127.0.0.1:" + std::to_string(port) + " " + args;
}

}  // namespace

struct GnutlsCase {
  const char* name;
  const char* priority;
  const char* expect_suite;
  int expect_dhe = 0;
};

class GnutlsCli : public ::testing::TestWithParam<GnutlsCase> {};

TEST_P(GnutlsCli, EchoesOverPsk) {
  if (!have("gnutls-cli")) GTEST_SKIP() << "gnutls-cli not installed (Debian package gnutls-bin)";
  Server server(all_suites());
  const auto& tc = GetParam();
  g_last_dhe = -1;
  auto r = run_client(gnutls_cli(server.port, tc.priority), "hello bye\\n");
  EXPECT_NE(r.output.find("echo:hello bye"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find(tc.expect_suite), std::string::npos) << r.output;
  EXPECT_EQ(g_last_dhe.load(), tc.expect_dhe);
}

INSTANTIATE_TEST_SUITE_P(
    Suites, GnutlsCli,
    ::testing::Values(
        GnutlsCase{"AesCbcSha256", "NONE:+VERS-TLS1.2:+PSK:+AES-128-CBC:+SHA256:+COMP-NULL:+SIGN-ALL", "(PSK)-(AES-128-CBC)-(SHA256)"},
        GnutlsCase{"AesCbcSha", "NONE:+VERS-TLS1.2:+PSK:+AES-128-CBC:+SHA1:+COMP-NULL:+SIGN-ALL", "(PSK)-(AES-128-CBC)-(SHA1)"},
        GnutlsCase{"TripleDes", "NONE:+VERS-TLS1.2:+PSK:+3DES-CBC:+SHA1:+COMP-NULL:+SIGN-ALL", "(PSK)-(3DES-CBC)-(SHA1)"},
        GnutlsCase{"NullSha256", "NONE:+VERS-TLS1.2:+PSK:+NULL:+SHA256:+COMP-NULL:+SIGN-ALL", "(PSK)-(NULL)-(SHA256)"},
        GnutlsCase{"NullSha", "NONE:+VERS-TLS1.2:+PSK:+NULL:+SHA1:+COMP-NULL:+SIGN-ALL", "(PSK)-(NULL)-(SHA1)"},
        GnutlsCase{"Tls13PskKe", "NONE:+VERS-TLS1.3:+PSK:+AES-128-GCM:+AEAD:+SHA256:+COMP-NULL:+SIGN-ALL", "(TLS1.3-X.509)--(AES-128-GCM)"},
        GnutlsCase{"Tls13PskDheKe", "NONE:+VERS-TLS1.3:+ECDHE-PSK:+AES-128-GCM:+AEAD:+SHA256:+GROUP-X25519:+COMP-NULL:+SIGN-ALL", "(TLS1.3-X.509)--(AES-128-GCM)", 1},
        GnutlsCase{"Tls13Ccm", "NONE:+VERS-TLS1.3:+PSK:+AES-128-CCM:+AEAD:+SHA256:+COMP-NULL:+SIGN-ALL", "(TLS1.3-X.509)--(AES-128-CCM)"}),
    [](const ::testing::TestParamInfo<GnutlsCase>& p) { return std::string(p.param.name); });

TEST(GnutlsCliInterop, UnknownIdentityRejected) {
  if (!have("gnutls-cli")) GTEST_SKIP() << "gnutls-cli not installed (Debian package gnutls-bin)";
  Server server(all_suites());
  auto r = run_client(gnutls_cli(server.port, "NONE:+VERS-TLS1.2:+PSK:+AES-128-CBC:+SHA256:+COMP-NULL:+SIGN-ALL", "stranger"),
                      "hello\\n");
  EXPECT_EQ(r.output.find("echo:"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("The SRP/PSK username is missing or not known"), std::string::npos)
      << r.output;
}

TEST(GnutlsCliInterop, DefaultServerRefusesNull) {
  if (!have("gnutls-cli")) GTEST_SKIP() << "gnutls-cli not installed (Debian package gnutls-bin)";
  Server server(tls::Options{});
  auto r = run_client(gnutls_cli(server.port, "NONE:+VERS-TLS1.2:+PSK:+NULL:+SHA256:+COMP-NULL:+SIGN-ALL"),
                      "hello\\n");
  EXPECT_EQ(r.output.find("echo:"), std::string::npos) << r.output;
}

TEST(OpensslInterop, Tls12AesCbcSha256) {
  if (!have("openssl")) GTEST_SKIP() << "openssl not installed";
  Server server(all_suites());
  auto r = run_client(s_client(server.port, "-tls1_2 -cipher PSK-AES128-CBC-SHA256"), "hello bye\\n");
  EXPECT_NE(r.output.find("echo:hello bye"), std::string::npos) << r.output;
}

TEST(OpensslInterop, Tls12AesCbcSha) {
  if (!have("openssl")) GTEST_SKIP() << "openssl not installed";
  Server server(all_suites());
  auto r = run_client(s_client(server.port, "-tls1_2 -cipher PSK-AES128-CBC-SHA"), "hello bye\\n");
  EXPECT_NE(r.output.find("echo:hello bye"), std::string::npos) << r.output;
}

TEST(OpensslInterop, Tls12NullSha256) {
  if (!have("openssl")) GTEST_SKIP() << "openssl not installed";
  Server server(all_suites());
  auto r = run_client(s_client(server.port, "-tls1_2 -cipher PSK-NULL-SHA256@SECLEVEL=0"),
                      "hello bye\\n");
  EXPECT_NE(r.output.find("echo:hello bye"), std::string::npos) << r.output;
}

TEST(OpensslInterop, Tls13Psk) {
  if (!have("openssl")) GTEST_SKIP() << "openssl not installed";
  Server server(tls::Options{});
  auto r = run_client(s_client(server.port, "-tls1_3 -ciphersuites TLS_AES_128_GCM_SHA256"),
                      "hello bye\\n");
  EXPECT_NE(r.output.find("echo:hello bye"), std::string::npos) << r.output;
}

TEST(OpensslInterop, MaxFragmentLength512) {
  if (!have("openssl")) GTEST_SKIP() << "openssl not installed";
  Server server(all_suites());
  // OpenSSL refuses records longer than the negotiated 512 bytes (record_overflow), so a
  // complete 2 KB answer proves the server honours the RFC 6066 extension.
  auto r = run_client(s_client(server.port, "-tls1_2 -cipher PSK-AES128-CBC-SHA256 -maxfraglen 512"),
                      "big bye\\n");
  EXPECT_NE(r.output.find("echo:big bye"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find(std::string(2000, 'x')), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find("overflow"), std::string::npos) << r.output;
}

TEST(OpensslInterop, UnknownIdentityGetsAlert115) {
  if (!have("openssl")) GTEST_SKIP() << "openssl not installed";
  Server server(all_suites());
  auto r = run_client(s_client(server.port, "-tls1_2 -cipher PSK-AES128-CBC-SHA256", "stranger"),
                      "hello\\n");
  EXPECT_EQ(r.output.find("echo:"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("unknown psk identity"), std::string::npos) << r.output;
}

TEST(OpensslInterop, KeylogWritten) {
  if (!have("openssl")) GTEST_SKIP() << "openssl not installed";
  std::string path;
  {
    Server server(tls::Options{});
    path = server.keylog_path;
    auto r = run_client(s_client(server.port, "-tls1_2 -cipher PSK-AES128-CBC-SHA256"), "hi bye\\n");
    EXPECT_NE(r.output.find("echo:hi bye"), std::string::npos) << r.output;
  }
  std::ifstream f(path);
  std::stringstream ss;
  ss << f.rdbuf();
  EXPECT_EQ(ss.str().rfind("CLIENT_RANDOM ", 0), 0u) << ss.str();
  std::remove(path.c_str());
}

// Capture one TLS 1.2 session on lo with tshark, decrypt it with our key log, and check the
// dissector finds nothing malformed.
TEST(TsharkInterop, CaptureDecryptsWithoutMalformedPackets) {
  if (!have("tshark") || !have("openssl")) GTEST_SKIP() << "tshark or openssl not installed";
  if (::geteuid() != 0) GTEST_SKIP() << "capturing on lo needs root";
  Server server(all_suites());
  const std::string dir = ::testing::TempDir();
  const std::string tag = std::to_string(::getpid());
  const std::string pcap = dir + "gpram-tls-interop-" + tag + ".pcap";
  const std::string log = dir + "gpram-tshark-" + tag + ".log";
  std::remove(pcap.c_str());
  std::remove(log.c_str());
  const std::string filter = "tcp port " + std::to_string(server.port);
  const pid_t pid = ::fork();
  if (pid == 0) {
    FILE* f = std::freopen(log.c_str(), "w", stderr);
    (void)f;
    ::execlp("timeout", "timeout", "20", "tshark", "-i", "lo", "-f", filter.c_str(), "-w",
             pcap.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  ASSERT_GT(pid, 0);
  bool started = false;
  for (int i = 0; i < 100 && !started; ++i) {
    std::ifstream f(log);
    std::stringstream ss;
    ss << f.rdbuf();
    started = ss.str().find("Capture started") != std::string::npos;
    if (!started) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  if (!started) {
    ::kill(pid, SIGKILL);
    ::waitpid(pid, nullptr, 0);
    GTEST_SKIP() << "tshark did not start capturing on lo";
  }
  auto r = run_client(s_client(server.port, "-tls1_2 -cipher PSK-AES128-CBC-SHA256"), "hello bye\\n");
  EXPECT_NE(r.output.find("echo:hello bye"), std::string::npos) << r.output;
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  ::kill(pid, SIGINT);  // `timeout` forwards it to tshark, which flushes the file
  ::waitpid(pid, nullptr, 0);
  const std::string read = "tshark -r " + pcap + " -o tls.keylog_file:" + server.keylog_path +
                           " -d tcp.port==" + std::to_string(server.port) + ",tls";
  auto hello = run_cmd(read + " -Y tls.handshake.type==2");
  EXPECT_NE(hello.output.find("Server Hello"), std::string::npos) << hello.output;
  // Decrypted application data, as hex: "echo:hello bye".
  auto decrypted = run_cmd(read + " -Y tls.app_data -T fields -e data.data");
  EXPECT_NE(decrypted.output.find("6563686f3a68656c6c6f20627965"), std::string::npos)
      << decrypted.output;
  auto bad = run_cmd(read + " -Y '_ws.malformed || _ws.expert.severity >= error'");
  EXPECT_EQ(bad.output.find("127.0.0.1"), std::string::npos) << bad.output;
  std::remove(pcap.c_str());
  std::remove(log.c_str());
  std::remove(server.keylog_path.c_str());
}
