// Error codes of the PSK-TLS engine (gpram::tls).
#pragma once

#include "gpram/base/error.hpp"

namespace gpram::tls {

enum class Errc {
  bad_config = 1,        // suite list, priority string or credentials rejected
  unknown_psk_identity,  // the peer's PSK identity is not known (alert 115 sent)
  handshake_failed,      // GnuTLS handshake error (message carries GnuTLS's text / alert name)
  suite_not_allowed,     // the negotiated suite/version is outside the configured selection
  peer_alert,            // the peer sent a fatal alert
  record_error,          // bad record after the handshake (MAC, decryption, length)
  closed,                // write/feed after close or after a fatal error
  internal,              // GnuTLS failed for a local reason (memory)
};

}  // namespace gpram::tls

GPRAM_DECLARE_ERRC(gpram::tls);
