// gpramd settings: defaults, then a TOML file (--config), then command-line flags (flags win).
// Names and defaults: ../shared/docs/interfaces.md; extensions are listed in
// docs/operator-guide.md.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "gpram/base/error.hpp"

namespace gpram::server {

struct HostPort {
  std::string host;
  uint16_t port = 0;
};

/// Parses "HOST:PORT", "[V6]:PORT" or ":PORT" (host 127.0.0.1). Port 0 = pick a free one.
[[nodiscard]] Result<HostPort> parse_host_port(std::string_view text);

struct Config {
  HostPort card_listen{"127.0.0.1", 8443};
  HostPort api_listen{"127.0.0.1", 8080};
  std::string db = "sqlite:gpram.db";
  std::string admin_token_file = "gpram-admin.token";
  std::string master_key_file = "gpram-master.key";
  std::string pkcs11_module;
  int pkcs11_slot = -1;
  std::string pkcs11_pin_file;
  std::string smpp;  // HOST:PORT, empty = off
  std::string smpp_system_id;
  std::string smpp_password_file;
  std::vector<std::string> tls_suites;  // empty = spec defaults without NULL and 3DES
  std::string admin_path = "/";
  // Extensions.
  unsigned threads = 0;                 // event loops; 0 = one per core
  std::string log_level = "info";
  std::string log_format = "json";      // json | text
  std::string tls_keylog_file;          // SSLKEYLOGFILE-style secrets for tshark (tests only!)
  std::string default_profile = "default";
  unsigned handshake_timeout_s = 30;
  unsigned idle_timeout_s = 60;
  unsigned session_timeout_s = 600;
  unsigned max_connections = 200000;
  std::string ready_file;               // written with the bound ports once both listeners accept
};

/// Applies a TOML document (keys as the long flag names without dashes, '-' or '_').
[[nodiscard]] Result<void> apply_toml(Config& cfg, const std::string& path);

}  // namespace gpram::server
