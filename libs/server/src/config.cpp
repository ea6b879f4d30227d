#include "gpram/server/config.hpp"

#include <fmt/format.h>

#include <charconv>
#include <toml++/toml.h>

namespace gpram::server {
namespace {

enum class Errc { bad_config = 1 };

const char* msg(int) { return "gpramd: invalid configuration"; }

}  // namespace
}  // namespace gpram::server

template <>
struct std::is_error_code_enum<gpram::server::Errc> : std::true_type {};

namespace gpram::server {
namespace {
std::error_code make_error_code(Errc e) noexcept {
  static const SimpleCategory category("gpram.server.config", msg);
  return {static_cast<int>(e), category};
}
}  // namespace

Result<HostPort> parse_host_port(std::string_view text) {
  HostPort hp;
  std::string_view host, port;
  if (!text.empty() && text.front() == '[') {
    const size_t close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':')
      return fail(Errc::bad_config, fmt::format("\"{}\" is not [IPV6]:PORT", text));
    host = text.substr(1, close - 1);
    port = text.substr(close + 2);
  } else {
    const size_t colon = text.rfind(':');
    if (colon == std::string_view::npos)
      return fail(Errc::bad_config, fmt::format("\"{}\" is not HOST:PORT", text));
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
  }
  unsigned v = 0;
  auto [p, ec] = std::from_chars(port.data(), port.data() + port.size(), v);
  if (ec != std::errc() || p != port.data() + port.size() || v > 65535 || port.empty())
    return fail(Errc::bad_config, fmt::format("\"{}\": port must be 0..65535", text));
  hp.host = host.empty() ? "127.0.0.1" : std::string(host);
  hp.port = static_cast<uint16_t>(v);
  return hp;
}

Result<void> apply_toml(Config& cfg, const std::string& path) {
  toml::table t;
  try {
    t = toml::parse_file(path);
  } catch (const toml::parse_error& e) {
    return fail(Errc::bad_config, fmt::format("{}:{}:{}: {}", path, e.source().begin.line,
                                              e.source().begin.column, e.description()));
  }
  for (auto&& kv : t) {
    const auto& k = kv.first;
    auto& v = kv.second;
    std::string key(k.str());
    for (auto& c : key)
      if (c == '_') c = '-';
    auto str = [&]() -> Result<std::string> {
      if (auto s = v.value<std::string>()) return *s;
      return fail(Errc::bad_config, fmt::format("{}: \"{}\" must be a string", path, key));
    };
    auto num = [&]() -> Result<int64_t> {
      if (auto s = v.value<int64_t>()) return *s;
      return fail(Errc::bad_config, fmt::format("{}: \"{}\" must be an integer", path, key));
    };
    auto set_hp = [&](HostPort& hp) -> Result<void> {
      auto s = str();
      if (!s) return fail(s.error());
      auto r = parse_host_port(*s);
      if (!r) return fail(Errc::bad_config, fmt::format("{}: {}: {}", path, key, r.error().message));
      hp = *r;
      return {};
    };
    auto set_str = [&](std::string& out) -> Result<void> {
      auto s = str();
      if (!s) return fail(s.error());
      out = *s;
      return {};
    };
    auto set_uint = [&](unsigned& out) -> Result<void> {
      auto n = num();
      if (!n) return fail(n.error());
      if (*n < 0) return fail(Errc::bad_config, fmt::format("{}: \"{}\" must not be negative", path, key));
      out = static_cast<unsigned>(*n);
      return {};
    };
    Result<void> r;
    if (key == "card-listen") r = set_hp(cfg.card_listen);
    else if (key == "api-listen") r = set_hp(cfg.api_listen);
    else if (key == "db") r = set_str(cfg.db);
    else if (key == "admin-token-file") r = set_str(cfg.admin_token_file);
    else if (key == "master-key-file") r = set_str(cfg.master_key_file);
    else if (key == "pkcs11-module") r = set_str(cfg.pkcs11_module);
    else if (key == "pkcs11-pin-file") r = set_str(cfg.pkcs11_pin_file);
    else if (key == "smpp") r = set_str(cfg.smpp);
    else if (key == "smpp-system-id") r = set_str(cfg.smpp_system_id);
    else if (key == "smpp-password-file") r = set_str(cfg.smpp_password_file);
    else if (key == "admin-path") r = set_str(cfg.admin_path);
    else if (key == "log-level") r = set_str(cfg.log_level);
    else if (key == "log-format") r = set_str(cfg.log_format);
    else if (key == "tls-keylog-file") r = set_str(cfg.tls_keylog_file);
    else if (key == "default-profile") r = set_str(cfg.default_profile);
    else if (key == "ready-file") r = set_str(cfg.ready_file);
    else if (key == "threads") r = set_uint(cfg.threads);
    else if (key == "handshake-timeout") r = set_uint(cfg.handshake_timeout_s);
    else if (key == "idle-timeout") r = set_uint(cfg.idle_timeout_s);
    else if (key == "session-timeout") r = set_uint(cfg.session_timeout_s);
    else if (key == "max-connections") r = set_uint(cfg.max_connections);
    else if (key == "pkcs11-slot") {
      auto n = num();
      if (!n) return fail(n.error());
      cfg.pkcs11_slot = static_cast<int>(*n);
    } else if (key == "tls-suites") {
      cfg.tls_suites.clear();
      if (auto* arr = v.as_array()) {
        for (auto&& e : *arr) {
          auto s = e.value<std::string>();
          if (!s) return fail(Errc::bad_config, fmt::format("{}: tls-suites must hold strings", path));
          cfg.tls_suites.push_back(*s);
        }
      } else if (auto s = v.value<std::string>()) {
        size_t i = 0;
        while (i <= s->size()) {
          size_t j = s->find(',', i);
          if (j == std::string::npos) j = s->size();
          if (j > i) cfg.tls_suites.push_back(s->substr(i, j - i));
          i = j + 1;
        }
      } else {
        return fail(Errc::bad_config, fmt::format("{}: tls-suites must be a list or a string", path));
      }
    } else {
      return fail(Errc::bad_config, fmt::format("{}: unknown setting \"{}\"", path, k.str()));
    }
    if (!r) return r;
  }
  return {};
}

}  // namespace gpram::server
