// Private state shared by config.cpp and session.cpp.
#pragma once

#include <gnutls/gnutls.h>

#include "gpram/tls/config.hpp"

namespace gpram::tls {

struct ConfigImpl {
  Role role = Role::server;
  Options options;
  std::string priority;
  gnutls_priority_t priority_cache = nullptr;
  std::string legacy_priority;                      // server with NULL suites and tls13
  gnutls_priority_t legacy_priority_cache = nullptr;
  gnutls_psk_server_credentials_t server_cred = nullptr;
  gnutls_psk_client_credentials_t client_cred = nullptr;
  std::shared_ptr<PskResolver> resolver;  // server
  std::string client_identity;            // client
  bool allows(Suite s) const noexcept;
  ~ConfigImpl();
};

/// `null_mode`: 0 = everything in `o`; 1 = leave the NULL suites out; 2 = leave TLS 1.3 out.
[[nodiscard]] Result<std::string> priority_string(const Options& o, int null_mode);

/// True if `s` is in `v`.
[[nodiscard]] bool suite_listed(const std::vector<Suite>& v, Suite s);

/// RFC 8446 §6 / RFC 5246 §7.2 / RFC 4279 alert name ("unknown_psk_identity").
[[nodiscard]] std::string_view alert_name(int alert) noexcept;

/// Builds an Error from a GnuTLS return code ("TLS: <context>: <gnutls_strerror>").
[[nodiscard]] Error gnutls_error(Errc code, std::string_view context, int rc);

}  // namespace gpram::tls
