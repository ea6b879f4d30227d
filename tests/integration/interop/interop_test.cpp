// gpramd against independent peers (docs/protocols/interop.md). The real binary runs on
// 127.0.0.1 (port 0, memory DB, temp dir); a card is registered and a job queued through its REST
// API with a plain socket client; then gnutls-cli or openssl s_client, fed through a pipe, plays
// the admin agent with hand-written GP Amendment B requests (AmdB §3.3-3.4, protocol.md §1-§2):
// the first POST without a body, the 200 with X-Admin-Next-URI and an expanded command script
// (tag AA), the response script (tag AB) POSTed to that URI, the closing 204. The REST API then
// must show the job done with the R-APDU. tshark decodes a capture with gpramd's key log.
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cctype>
#include <csignal>
#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "process.hpp"

using namespace gpram::interop;
using nlohmann::json;
using namespace std::chrono_literals;

namespace {

constexpr const char* kIccid = "8988211000000000042";
constexpr const char* kIdentity = "interop-card-1";
constexpr const char* kPskHex = "000102030405060708090A0B0C0D0E0F";
constexpr const char* kWrongPskHex = "0F0E0D0C0B0A09080706050403020100";
constexpr const char* kApdu = "80CA006600";  // GET DATA 0066 (card data)
constexpr const char* kAdminProtocol = "globalplatform-remote-admin/1.0";
constexpr const char* kScriptType = "application/vnd.globalplatform.card-content-mgt;version=1.0";
constexpr const char* kResponseType =
    "application/vnd.globalplatform.card-content-mgt-response;version=1.0";

// gnutls-cli priorities (verified in tests/integration/tls_interop): from NONE, so exactly the
// suite under test is offered.
constexpr const char* kGnutlsAesSha256 = "NONE:+VERS-TLS1.2:+PSK:+AES-128-CBC:+SHA256:+COMP-NULL:+SIGN-ALL";
constexpr const char* kGnutlsAesSha = "NONE:+VERS-TLS1.2:+PSK:+AES-128-CBC:+SHA1:+COMP-NULL:+SIGN-ALL";
constexpr const char* kGnutlsTls13 =
    "NONE:+VERS-TLS1.3:+PSK:+AES-128-GCM:+AEAD:+SHA256:+COMP-NULL:+SIGN-ALL";
constexpr const char* kGnutlsTls13Dhe =
    "NONE:+VERS-TLS1.3:+ECDHE-PSK:+AES-128-GCM:+AEAD:+SHA256:+GROUP-X25519:+COMP-NULL:+SIGN-ALL";

std::string bin(const std::string& name) { return std::string(GPRAM_BIN_DIR) + "/" + name; }

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string hex_of(const std::string& bytes) {
  static const char* d = "0123456789ABCDEF";
  std::string out;
  for (char ch : bytes) {
    const auto c = static_cast<unsigned char>(ch);
    out += d[c >> 4];
    out += d[c & 15];
  }
  return out;
}

std::string bytes_of(const std::string& hexstr) {
  std::string out;
  for (size_t i = 0; i + 1 < hexstr.size(); i += 2)
    out += static_cast<char>(std::stoi(hexstr.substr(i, 2), nullptr, 16));
  return out;
}

// ---- HTTP/1.1 response parsing (Content-Length or chunked) ----

struct HttpResponse {
  int status = 0;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
  size_t end = 0;  // offset just past the message in the buffer
};

// Parses the first response at or after `from` ("HTTP/1.1 " marks it: the tools print banners
// before the data). nullopt while incomplete.
std::optional<HttpResponse> parse_response(const std::string& buf, size_t from) {
  const size_t start = buf.find("HTTP/1.1 ", from);
  if (start == std::string::npos) return std::nullopt;
  const size_t hend = buf.find("\r\n\r\n", start);
  if (hend == std::string::npos) return std::nullopt;
  HttpResponse r;
  r.status = std::atoi(buf.c_str() + start + 9);
  size_t line = buf.find("\r\n", start) + 2;
  while (line < hend) {
    const size_t eol = buf.find("\r\n", line);
    const std::string h = buf.substr(line, eol - line);
    const size_t colon = h.find(':');
    if (colon != std::string::npos) {
      std::string v = h.substr(colon + 1);
      while (!v.empty() && v.front() == ' ') v.erase(0, 1);
      r.headers[lower(h.substr(0, colon))] = v;
    }
    line = eol + 2;
  }
  size_t pos = hend + 4;
  if (lower(r.headers["transfer-encoding"]) == "chunked") {
    for (;;) {
      const size_t eol = buf.find("\r\n", pos);
      if (eol == std::string::npos) return std::nullopt;
      const size_t n = std::stoul(buf.substr(pos, eol - pos), nullptr, 16);
      if (buf.size() < eol + 2 + n + 2) return std::nullopt;
      r.body += buf.substr(eol + 2, n);
      pos = eol + 2 + n + 2;
      if (n == 0) break;
    }
  } else if (r.headers.count("content-length") != 0) {
    const size_t n = std::stoul(r.headers["content-length"]);
    if (buf.size() < pos + n) return std::nullopt;
    r.body = buf.substr(pos, n);
    pos += n;
  }
  r.end = pos;
  return r;
}

// Number of C-APDUs (tag 22) in an expanded definite-length command script (tag AA, TS 102 226).
int count_capdus(const std::string& script) {
  auto u = [&](size_t i) { return static_cast<unsigned char>(script[i]); };
  auto len = [&](size_t& i) -> size_t {
    size_t l = u(i++);
    if (l == 0x81) l = u(i++);
    else if (l == 0x82) { l = (size_t{u(i)} << 8) | u(i + 1); i += 2; }
    return l;
  };
  if (script.size() < 2 || u(0) != 0xAA) return -1;
  size_t i = 1;
  const size_t total = len(i);
  const size_t end = i + total;
  if (end > script.size()) return -1;
  int n = 0;
  while (i < end) {
    const unsigned tag = u(i++);
    const size_t l = len(i);
    if (tag == 0x22) ++n;
    i += l;
  }
  return i == end ? n : -1;
}

// ---- the REST API over a plain TCP socket ----

struct Rest {
  uint16_t port = 0;
  std::string token;

  std::pair<int, std::string> call(const std::string& method, const std::string& path,
                                   const std::string& body = {}) const {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) return {-1, "socket"};
    timeval tv{5, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
      ::close(fd);
      return {-1, "connect"};
    }
    std::string req = method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " +
                      token + "\r\nConnection: close\r\nContent-Type: application/json\r\n" +
                      "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
    (void)::send(fd, req.data(), req.size(), MSG_NOSIGNAL);
    std::string in;
    char buf[4096];
    for (;;) {
      const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
      if (n <= 0) break;
      in.append(buf, static_cast<size_t>(n));
      if (auto r = parse_response(in, 0)) {
        ::close(fd);
        return {r->status, r->body};
      }
    }
    ::close(fd);
    auto r = parse_response(in, 0);
    return r ? std::pair<int, std::string>{r->status, r->body} : std::pair<int, std::string>{-1, in};
  }

  json job(const std::string& id) const {
    auto [st, body] = call("GET", "/v1/jobs/" + id);
    if (st != 200) return json{{"http_status", st}, {"body", body}};
    return json::parse(body, nullptr, false);
  }
};

// ---- gpramd ----

class Gpramd {
 public:
  ~Gpramd() {
    proc_.reset();  // SIGTERM, then SIGKILL after 2 s
    if (!dir_.empty()) (void)std::system(("rm -rf '" + dir_ + "'").c_str());
  }

  // Starts the binary and waits (≤ 10 s) for its ready file.
  ::testing::AssertionResult start(const std::string& suites) {
    char tmpl[] = "/tmp/gpram-interop-XXXXXX";
    if (::mkdtemp(tmpl) == nullptr) return ::testing::AssertionFailure() << "mkdtemp";
    dir_ = tmpl;
    keylog = dir_ + "/tls.keys";
    log = dir_ + "/gpramd.log";
    const std::string ready = dir_ + "/ready.json";
    auto spawned = Process::spawn({bin("gpramd"), "--db", "memory:", "--card-listen", "127.0.0.1:0",
                            "--api-listen", "127.0.0.1:0", "--ready-file", ready,
                            "--admin-token-file", dir_ + "/admin.token", "--master-key-file",
                            dir_ + "/master.key", "--admin-path", "/ram", "--tls-suites", suites,
                            "--tls-keylog-file", keylog, "--log-format", "text", "--threads", "1"},
                           log);
    if (spawned) proc_.emplace(std::move(*spawned));
    if (!proc_) return ::testing::AssertionFailure() << "cannot start " << bin("gpramd");
    const auto deadline = Clock::now() + 10s;
    std::string r;
    while (Clock::now() < deadline) {
      r = slurp(ready);
      if (!r.empty()) break;
      std::this_thread::sleep_for(20ms);
    }
    auto j = json::parse(r, nullptr, false);
    if (j.is_discarded() || !j.contains("card"))
      return ::testing::AssertionFailure() << "no ready file; gpramd log:\n" << slurp(log);
    auto port_of = [](const std::string& hp) {
      return static_cast<uint16_t>(std::stoi(hp.substr(hp.rfind(':') + 1)));
    };
    card_port = port_of(j["card"].get<std::string>());
    rest.port = port_of(j["api"].get<std::string>());
    rest.token = slurp(dir_ + "/admin.token");
    while (!rest.token.empty() && std::isspace(static_cast<unsigned char>(rest.token.back())))
      rest.token.pop_back();
    return ::testing::AssertionSuccess();
  }

  // Registers the card and queues one job with `apdus`; returns the job id.
  std::string queue_job(const std::vector<std::string>& apdus) {
    auto [st, body] = rest.call(
        "POST", "/v1/cards",
        json{{"iccid", kIccid}, {"psk_identity", kIdentity}, {"psk", kPskHex}}.dump());
    EXPECT_EQ(st, 201) << body;
    auto [st2, body2] = rest.call(
        "POST", "/v1/jobs",
        json{{"iccid", kIccid}, {"operations", json::array({json{{"apdus", apdus}}})}}.dump());
    EXPECT_EQ(st2, 201) << body2;
    auto j = json::parse(body2, nullptr, false);
    return j.is_object() && j.contains("id") ? j["id"].get<std::string>() : std::string();
  }

  std::string dir() const { return dir_; }
  std::string server_log() const { return slurp(log); }

  uint16_t card_port = 0;
  Rest rest;
  std::string keylog;
  std::string log;

 private:
  std::string dir_;
  std::optional<Process> proc_;
};

// ---- the agent side, written by hand ----

std::vector<std::string> gnutls_cli(uint16_t port, const std::string& priority,
                                    const std::string& identity = kIdentity,
                                    const std::string& key = kPskHex) {
  return {"timeout", "20", "gnutls-cli", "--pskusername", identity, "--pskkey", key,
          "--priority", priority, "-p", std::to_string(port), "127.0.0.1"};
}

std::vector<std::string> s_client(uint16_t port, const std::vector<std::string>& extra,
                                  const std::string& identity = kIdentity,
                                  const std::string& key = kPskHex) {
  std::vector<std::string> v = {"timeout", "20", "openssl", "s_client", "-quiet", "-psk", key,
                                "-psk_identity", identity, "-connect",
                                "127.0.0.1:" + std::to_string(port)};
  v.insert(v.end(), extra.begin(), extra.end());
  return v;
}

std::string first_post() {
  // AmdB §3.3.4: the first POST carries no optional header and no body.
  return std::string("POST /ram HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Admin-Protocol: ") +
         kAdminProtocol + "\r\nX-Admin-From: " + kIccid + "\r\n\r\n";
}

std::string response_post(const std::string& uri, const std::string& body) {
  return "POST " + uri + " HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Admin-Protocol: " + kAdminProtocol +
         "\r\nX-Admin-From: " + kIccid + "\r\nContent-Type: " + kResponseType +
         "\r\nX-Admin-Script-Status: ok\r\nContent-Length: " + std::to_string(body.size()) +
         "\r\n\r\n" + body;
}

// Response script (TS 102 226 expanded, definite length): AB L, 80 01 n, then n × (23 02 90 00).
std::string response_script(int n) {
  std::string inner = bytes_of("8001") + static_cast<char>(n);
  for (int i = 0; i < n; ++i) inner += bytes_of("23029000");
  return static_cast<char>(0xAB) + std::string(1, static_cast<char>(inner.size())) + inner;
}

// One whole admin session through `argv`'s stdin/stdout. Adds a GTest failure per broken step.
void run_session(const std::vector<std::string>& argv, const std::string& expect_in_output = {}) {
  auto client = Process::spawn(argv);
  ASSERT_TRUE(client) << argv[2];
  ASSERT_TRUE(client->write(first_post()));
  const bool got1 = client->read_until(
      [](const std::string& o) { return parse_response(o, 0).has_value(); }, 10s);
  ASSERT_TRUE(got1) << "no complete first answer; client output:\n" << client->output();
  const auto r1 = *parse_response(client->output(), 0);
  EXPECT_EQ(r1.status, 200);
  EXPECT_EQ(r1.headers.count("x-admin-next-uri"), 1u) << client->output();
  EXPECT_EQ(r1.headers.count("content-type") ? r1.headers.at("content-type") : "", kScriptType);
  EXPECT_EQ(r1.headers.count("x-admin-protocol") ? r1.headers.at("x-admin-protocol") : "",
            kAdminProtocol);
  ASSERT_FALSE(r1.body.empty());
  EXPECT_EQ(static_cast<unsigned char>(r1.body[0]), 0xAA) << hex_of(r1.body);
  const int n = count_capdus(r1.body);
  ASSERT_GE(n, 1) << "script: " << hex_of(r1.body);
  ASSERT_LE(n, 30) << "response_script() writes a one-byte length";
  EXPECT_NE(hex_of(r1.body).find(std::string("22") + "05" + kApdu), std::string::npos)
      << hex_of(r1.body);
  const std::string next = r1.headers.count("x-admin-next-uri") ? r1.headers.at("x-admin-next-uri") : "/ram";

  ASSERT_TRUE(client->write(response_post(next, response_script(n))));
  const size_t from = r1.end;
  const bool got2 = client->read_until(
      [from](const std::string& o) { return parse_response(o, from).has_value(); }, 10s);
  ASSERT_TRUE(got2) << "no complete second answer; client output:\n" << client->output();
  const auto r2 = *parse_response(client->output(), from);
  EXPECT_EQ(r2.status, 204) << client->output().substr(from);
  EXPECT_EQ(r2.headers.count("x-admin-next-uri"), 0u);
  EXPECT_TRUE(r2.body.empty());
  if (!expect_in_output.empty()) {
    EXPECT_NE(client->output().find(expect_in_output), std::string::npos) << client->output();
  }
  client->close_stdin();
  (void)client->wait(3s);
}

// Runs a client that must fail its handshake; returns its merged output.
std::string run_rejected(const std::vector<std::string>& argv) {
  auto client = Process::spawn(argv);
  if (!client) return "spawn failed";
  (void)client->write(first_post());
  (void)client->read_to_eof(10s);
  (void)client->wait(2s);
  return client->output();
}

void expect_job_done(const Rest& rest, const std::string& id) {
  json j;
  const auto deadline = Clock::now() + 5s;
  do {
    j = rest.job(id);
    if (j.value("state", "") == "done") break;
    std::this_thread::sleep_for(50ms);
  } while (Clock::now() < deadline);
  EXPECT_EQ(j.value("state", ""), "done") << j.dump();
  ASSERT_TRUE(j.contains("results") && j["results"].is_array() && !j["results"].empty()) << j.dump();
  const auto& last = j["results"].back();
  EXPECT_EQ(last.value("capdu", ""), kApdu) << j.dump();
  EXPECT_EQ(last.value("rapdu", ""), "9000") << j.dump();
}

constexpr const char* kDefaultSuites = "psk-aes128-cbc-sha256,psk-aes128-cbc-sha,tls13";

// Full scenario with one client command line.
void full_session(const std::string& tool,
                  const std::function<std::vector<std::string>(uint16_t)>& argv,
                  const std::string& expect_in_output = {}) {
  Gpramd d;
  ASSERT_TRUE(d.start(kDefaultSuites));
  const std::string id = d.queue_job({kApdu});
  ASSERT_FALSE(id.empty());
  run_session(argv(d.card_port), expect_in_output);
  expect_job_done(d.rest, id);
  if (::testing::Test::HasFailure()) ADD_FAILURE() << tool << "; gpramd log:\n" << d.server_log();
}

// The handshake must fail and the job must keep its state.
void rejected_session(const std::function<std::vector<std::string>(uint16_t)>& argv,
                      const std::string& expect_in_output) {
  Gpramd d;
  ASSERT_TRUE(d.start(kDefaultSuites));
  const std::string id = d.queue_job({kApdu});
  ASSERT_FALSE(id.empty());
  const std::string before = d.rest.job(id).value("state", "?");
  EXPECT_NE(before, "done");
  const std::string out = run_rejected(argv(d.card_port));
  EXPECT_EQ(out.find("HTTP/1.1"), std::string::npos) << out;
  EXPECT_NE(out.find(expect_in_output), std::string::npos) << out;
  const json after = d.rest.job(id);
  EXPECT_EQ(after.value("state", "?"), before) << after.dump();
  EXPECT_TRUE(!after.contains("results") || after["results"].empty()) << after.dump();
}

#define REQUIRE_TOOL(t)                            \
  if (!have_tool(t)) {                             \
    GTEST_SKIP() << t << " not installed";         \
  }

}  // namespace

// ---- gnutls-cli (GnuTLS 3.7) ----

TEST(InteropGnutls, Tls12PskAes128CbcSha256) {
  REQUIRE_TOOL("gnutls-cli");
  full_session("gnutls-cli", [](uint16_t p) { return gnutls_cli(p, kGnutlsAesSha256); },
               "-(PSK)-(AES-128-CBC)-(SHA256)");
}

TEST(InteropGnutls, Tls12PskAes128CbcSha) {
  REQUIRE_TOOL("gnutls-cli");
  full_session("gnutls-cli", [](uint16_t p) { return gnutls_cli(p, kGnutlsAesSha); },
               "-(PSK)-(AES-128-CBC)-(SHA1)");
}

TEST(InteropGnutls, Tls13PskKe) {
  REQUIRE_TOOL("gnutls-cli");
  full_session("gnutls-cli", [](uint16_t p) { return gnutls_cli(p, kGnutlsTls13); },
               "(TLS1.3-X.509)--(AES-128-GCM)");
}

TEST(InteropGnutls, Tls13PskDheKe) {
  REQUIRE_TOOL("gnutls-cli");
  full_session("gnutls-cli", [](uint16_t p) { return gnutls_cli(p, kGnutlsTls13Dhe); },
               "(TLS1.3-X.509)--(AES-128-GCM)");
}

TEST(InteropGnutls, WrongKeyRejectedAtHandshake) {
  REQUIRE_TOOL("gnutls-cli");
  rejected_session(
      [](uint16_t p) { return gnutls_cli(p, kGnutlsAesSha256, kIdentity, kWrongPskHex); },
      "A TLS fatal alert has been received");
}

TEST(InteropGnutls, UnknownIdentityRejectedAtHandshake) {
  REQUIRE_TOOL("gnutls-cli");
  rejected_session([](uint16_t p) { return gnutls_cli(p, kGnutlsAesSha256, "stranger"); },
                   "The SRP/PSK username is missing or not known");
}

// ---- openssl s_client (OpenSSL 3.0) ----

TEST(InteropOpenssl, Tls12PskAes128CbcSha256) {
  REQUIRE_TOOL("openssl");
  full_session("openssl", [](uint16_t p) {
    return s_client(p, {"-tls1_2", "-cipher", "PSK-AES128-CBC-SHA256"});
  });
}

TEST(InteropOpenssl, Tls13Aes128GcmSha256) {
  REQUIRE_TOOL("openssl");
  full_session("openssl", [](uint16_t p) {
    return s_client(p, {"-tls1_3", "-ciphersuites", "TLS_AES_128_GCM_SHA256"});
  });
}

TEST(InteropOpenssl, WrongKeyRejectedAtHandshake) {
  REQUIRE_TOOL("openssl");
  rejected_session(
      [](uint16_t p) {
        return s_client(p, {"-tls1_2", "-cipher", "PSK-AES128-CBC-SHA256"}, kIdentity, kWrongPskHex);
      },
      "alert bad record mac");
}

TEST(InteropOpenssl, UnknownIdentityRejectedAtHandshake) {
  REQUIRE_TOOL("openssl");
  rejected_session(
      [](uint16_t p) {
        return s_client(p, {"-tls1_2", "-cipher", "PSK-AES128-CBC-SHA256"}, "stranger");
      },
      "unknown psk identity");
}

// ---- tshark: capture one exchange and decrypt it with gpramd's key log ----

TEST(InteropTshark, CaptureDecryptsToWellFormedHttp) {
  REQUIRE_TOOL("tshark");
  REQUIRE_TOOL("dumpcap");
  REQUIRE_TOOL("gnutls-cli");
  Gpramd d;
  ASSERT_TRUE(d.start(kDefaultSuites));
  const std::string id = d.queue_job({kApdu});
  ASSERT_FALSE(id.empty());
  const std::string port = std::to_string(d.card_port);
  const std::string pcap = d.dir() + "/card.pcap";
  // dumpcap is tshark's capture engine (tshark -i runs it); it reports "Capturing on" once live.
  auto cap = Process::spawn({"timeout", "30", "dumpcap", "-i", "lo", "-f", "tcp port " + port,
                             "-w", pcap});
  ASSERT_TRUE(cap);
  if (!cap->read_until([](const std::string& o) { return o.find("Capturing on") != std::string::npos; },
                       10s)) {
    GTEST_SKIP() << "cannot capture on lo (needs root or CAP_NET_RAW): " << cap->output();
  }
  std::this_thread::sleep_for(300ms);
  run_session(gnutls_cli(d.card_port, kGnutlsAesSha256));
  expect_job_done(d.rest, id);
  std::this_thread::sleep_for(300ms);
  cap->signal(SIGINT);
  (void)cap->read_to_eof(5s);
  (void)cap->wait(5s);

  const std::vector<std::string> base = {"timeout", "20", "tshark", "-n", "-r", pcap,
                                         "-o", "tls.keylog_file:" + d.keylog,
                                         "-d", "tcp.port==" + port + ",tls"};
  auto with = [&](std::vector<std::string> extra) {
    auto v = base;
    v.insert(v.end(), extra.begin(), extra.end());
    return v;
  };
  auto [st, http] = run(with({"-Y", "http", "-T", "fields", "-e", "http.request.method",
                              "-e", "http.request.uri", "-e", "http.response.code"}),
                        20s);
  EXPECT_EQ(st, 0) << http;
  EXPECT_NE(http.find("POST\t/ram\t"), std::string::npos) << http;
  EXPECT_NE(http.find("\t\t200"), std::string::npos) << http;
  EXPECT_NE(http.find("\t\t204"), std::string::npos) << http;
  size_t posts = 0;
  for (size_t p = http.find("POST\t"); p != std::string::npos; p = http.find("POST\t", p + 1)) ++posts;
  EXPECT_EQ(posts, 2u) << http;
  auto [st2, bad] = run(with({"-Y", "_ws.malformed || _ws.expert.severity == error"}), 20s);
  EXPECT_EQ(st2, 0) << bad;
  std::string lines;
  std::istringstream is(bad);
  for (std::string l; std::getline(is, l);)
    if (l.find("Running as user") == std::string::npos && !l.empty()) lines += l + "\n";
  EXPECT_TRUE(lines.empty()) << "malformed or error frames:\n" << lines;
}
