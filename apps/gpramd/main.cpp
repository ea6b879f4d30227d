// gpramd: the Amendment B remote administration server. Thin: parse the configuration, open the
// store, start gpram::server::Server, wait for SIGTERM.
#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <iterator>

#include "gpram/crypto/crypto.hpp"
#include "gpram/server/config.hpp"
#include "gpram/server/server.hpp"
#include "gpram/store/postgres_store.hpp"
#include "gpram/store/sqlite_store.hpp"

namespace {

gpram::server::Server* g_server = nullptr;

extern "C" void on_signal(int) {
  if (g_server != nullptr) g_server->request_stop();
}

[[noreturn]] void die(int code, const std::string& msg) {
  std::fprintf(stderr, "error: %s\n", msg.c_str());
  std::exit(code);
}

std::string load_or_create_token(const std::string& path) {
  std::ifstream in(path);
  if (in) {
    std::string t((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    while (!t.empty() && (t.back() == '\n' || t.back() == '\r' || t.back() == ' ')) t.pop_back();
    if (t.size() < 16) die(2, "admin token in " + path + " is shorter than 16 characters");
    return t;
  }
  uint8_t raw[24];
  gpram::crypto::random_bytes(raw);
  std::string token = gpram::to_hex(raw);
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL, 0600);
  if (fd < 0) die(2, "cannot create admin token file " + path);
  const std::string line = token + "\n";
  if (::write(fd, line.data(), line.size()) != static_cast<ssize_t>(line.size()))
    die(2, "cannot write admin token file " + path);
  ::close(fd);
  return token;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace gpram;
  server::Config cfg;
  // --config is applied first so that flags given on the command line win.
  for (int i = 1; i + 1 < argc; ++i)
    if (std::string_view(argv[i]) == "--config")
      if (auto r = server::apply_toml(cfg, argv[i + 1]); !r) die(2, r.error().message);

  CLI::App app{"gpramd: GlobalPlatform Amendment B remote application management server"};
  app.set_version_flag("--version", std::string("gpramd ") + GPRAM_VERSION);
  std::string card_listen, api_listen, suites, config_file;
  app.add_option("--config", config_file, "TOML file with the same settings (flags win)");
  app.add_option("--card-listen", card_listen, "PSK-TLS HTTP endpoint for cards (HOST:PORT)")
      ->default_str("127.0.0.1:8443");
  app.add_option("--api-listen", api_listen, "REST API, /metrics, /healthz (HOST:PORT)")
      ->default_str("127.0.0.1:8080");
  app.add_option("--db", cfg.db, "sqlite:PATH, memory: or postgresql://...")->capture_default_str();
  app.add_option("--admin-token-file", cfg.admin_token_file, "operator bearer token (created if missing)")
      ->capture_default_str();
  app.add_option("--master-key-file", cfg.master_key_file, "key sealing secrets at rest (created if missing, 0600)")
      ->capture_default_str();
  app.add_option("--pkcs11-module", cfg.pkcs11_module, "PKCS#11 module holding secrets instead");
  app.add_option("--pkcs11-slot", cfg.pkcs11_slot, "PKCS#11 slot");
  app.add_option("--pkcs11-pin-file", cfg.pkcs11_pin_file, "PKCS#11 user PIN file");
  app.add_option("--smpp", cfg.smpp, "SMSC for push triggers (HOST:PORT)");
  app.add_option("--smpp-system-id", cfg.smpp_system_id, "SMPP system_id");
  app.add_option("--smpp-password-file", cfg.smpp_password_file, "SMPP password file");
  app.add_option("--tls-suites", suites, "allowed suites: psk-aes128-cbc-sha256,psk-aes128-cbc-sha,"
                                         "psk-3des-ede-cbc-sha,psk-null-sha256,psk-null-sha,tls13");
  app.add_option("--admin-path", cfg.admin_path, "path prefix of a session's first POST")->capture_default_str();
  app.add_option("--threads", cfg.threads, "event loops (0 = one per core)")->capture_default_str();
  app.add_option("--log-level", cfg.log_level, "trace|debug|info|warn|error")->capture_default_str();
  app.add_option("--log-format", cfg.log_format, "json|text")->capture_default_str();
  app.add_option("--tls-keylog-file", cfg.tls_keylog_file, "write TLS secrets for tshark (tests only)");
  app.add_option("--default-profile", cfg.default_profile, "card profile for cards without one")
      ->capture_default_str();
  app.add_option("--handshake-timeout", cfg.handshake_timeout_s, "seconds")->capture_default_str();
  app.add_option("--idle-timeout", cfg.idle_timeout_s, "seconds between a response and the next POST")
      ->capture_default_str();
  app.add_option("--session-timeout", cfg.session_timeout_s, "seconds for a whole admin session")
      ->capture_default_str();
  app.add_option("--max-connections", cfg.max_connections, "card connections")->capture_default_str();
  app.add_option("--ready-file", cfg.ready_file, "written with the bound addresses once both listeners accept");
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    die(2, e.what());
  }
  if (!card_listen.empty()) {
    auto hp = server::parse_host_port(card_listen);
    if (!hp) die(2, "--card-listen: " + hp.error().message);
    cfg.card_listen = *hp;
  }
  if (!api_listen.empty()) {
    auto hp = server::parse_host_port(api_listen);
    if (!hp) die(2, "--api-listen: " + hp.error().message);
    cfg.api_listen = *hp;
  }
  if (!suites.empty()) {
    cfg.tls_suites.clear();
    size_t i = 0;
    while (i <= suites.size()) {
      size_t j = suites.find(',', i);
      if (j == std::string::npos) j = suites.size();
      if (j > i) cfg.tls_suites.push_back(suites.substr(i, j - i));
      i = j + 1;
    }
  }
  if (cfg.log_format == "json")
    spdlog::set_pattern(R"({"ts":"%Y-%m-%dT%H:%M:%S.%e","level":"%l","data":%v})");
  else if (cfg.log_format != "text")
    die(2, "--log-format must be json or text");
  spdlog::set_level(spdlog::level::from_str(cfg.log_level));
  if (!cfg.pkcs11_module.empty()) die(2, "--pkcs11-module: the PKCS#11 key store is not built in yet");
  if (!cfg.smpp.empty()) die(2, "--smpp: SMS push is not built in yet");

  std::unique_ptr<store::Store> db;
  if (cfg.db.rfind("sqlite:", 0) == 0) {
    auto key = store::load_or_create_master_key(cfg.master_key_file);
    if (!key) die(2, key.error().message);
    auto s = store::SqliteStore::open(cfg.db.substr(7), std::move(*key));
    if (!s) die(2, s.error().message);
    db = std::move(*s);
  } else if (cfg.db == "memory:") {
    db = std::make_unique<store::MemoryStore>();
  } else if (cfg.db.rfind("postgresql://", 0) == 0 || cfg.db.rfind("postgres://", 0) == 0) {
    auto key = store::load_or_create_master_key(cfg.master_key_file);
    if (!key) die(2, key.error().message);
    auto s = store::PostgresStore::open(cfg.db, std::move(*key));
    if (!s) die(2, s.error().message);
    db = std::move(*s);
  } else {
    die(2, "--db must be sqlite:PATH, memory: or postgresql://...");
  }
  const std::string token = load_or_create_token(cfg.admin_token_file);

  auto srv = server::Server::create(cfg, *db, token);
  if (!srv) die(2, srv.error().message);
  g_server = srv->get();
  std::signal(SIGPIPE, SIG_IGN);
  std::signal(SIGTERM, on_signal);
  std::signal(SIGINT, on_signal);
  (*srv)->start();
  spdlog::info(R"({{"event":"listening","card":"{}","api":"{}","db":"{}"}})",
               (*srv)->card_endpoint().to_string(), (*srv)->api_endpoint().to_string(), store::redact_url(cfg.db));
  (*srv)->wait();
  spdlog::info(R"({{"event":"stopped"}})");
  g_server = nullptr;
  return 0;
}
