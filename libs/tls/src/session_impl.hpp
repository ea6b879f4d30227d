// SessionImpl: the state behind tls::Session, shared by session.cpp (public API),
// engine.cpp (handshake/record driving, errors) and callbacks.cpp (GnuTLS callbacks).
#pragma once

#include <gnutls/gnutls.h>

#include <optional>
#include <string>

#include "gpram/tls/session.hpp"
#include "internal.hpp"

namespace gpram::tls {

struct SessionImpl {
  std::shared_ptr<const Config> config;
  gnutls_session_t s = nullptr;
  Bytes in;  // ciphertext received, not yet read by GnuTLS (from in_pos)
  size_t in_pos = 0;
  Bytes out;  // ciphertext produced (from out_pos)
  size_t out_pos = 0;
  Bytes plain;  // decrypted application data (from plain_pos)
  size_t plain_pos = 0;
  Bytes queued;  // plaintext written before the handshake completed
  State state = State::handshaking;
  bool peer_closed = false;
  bool unknown_identity = false;
  bool suite_rejected = false;
  bool dhe = false;
  std::optional<Suite> suite;
  std::string identity;
  std::optional<Error> error;

  gnutls_psk_client_credentials_t own_cred = nullptr;  // per-session client PSK

  ~SessionImpl() {
    if (s != nullptr) gnutls_deinit(s);
    if (own_cred != nullptr) gnutls_psk_free_client_credentials(own_cred);
  }
  const ConfigImpl& cfg() const { return config->impl(); }
  Result<void> drive();
  Result<void> fail_rc(int rc, std::string_view context);
  Result<void> fail_err(Error e, int alert);
  Result<void> send_plain(ByteView data);
  bool check_suite();
};

inline constexpr size_t kShrinkAbove = 16 * 1024;

// GnuTLS name lookups return NULL for values they do not know; fmt must never see a null.
inline const char* or_unknown(const char* s) { return s != nullptr ? s : "unknown"; }

// Drops consumed bytes; releases the allocation when a burst left a large buffer behind.
inline void compact(Bytes& buf, size_t& pos) {
  if (pos < buf.size()) return;
  buf.clear();
  pos = 0;
  if (buf.capacity() > kShrinkAbove) buf.shrink_to_fit();
}

/// Transport callbacks, hooks and per-session options common to every constructor.
[[nodiscard]] Result<void> setup_transport(SessionImpl& im);

}  // namespace gpram::tls
