// A sans-IO PSK-TLS session (server or client) over GnuTLS: ciphertext in through feed(),
// ciphertext out through pending_output()/consume_output(), plaintext in through
// plaintext()/consume_plaintext(), plaintext out through write(). No sockets, no clock: the
// caller owns timeouts (handshake_complete() tells when a handshake deadline can be cleared).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "gpram/base/bytes.hpp"
#include "gpram/tls/config.hpp"

namespace gpram::tls {

enum class State : uint8_t {
  handshaking,  // before the first Finished exchange completes
  open,         // application data flows
  closed,       // close_notify sent and/or received (check peer_closed())
  failed,       // fatal error: flush pending_output() (it may hold an alert), then drop
};

struct SessionImpl;

class Session {
 public:
  /// A new session in the role of `config`. Clients call start() to produce the ClientHello.
  [[nodiscard]] static Result<std::unique_ptr<Session>> create(
      std::shared_ptr<const Config> config);
  /// A client session with its own PSK (a fleet shares one Config::client(options)).
  [[nodiscard]] static Result<std::unique_ptr<Session>> create(
      std::shared_ptr<const Config> config, std::string_view identity, ByteView key);
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  /// Client: emits the ClientHello. Server: no-op (the handshake starts on the first feed()).
  [[nodiscard]] Result<void> start();

  /// Hands received ciphertext to the engine (all of it is kept). Drives the handshake, then
  /// decrypts into the plaintext buffer. On error the state is failed and pending_output() may
  /// hold an alert for the peer.
  [[nodiscard]] Result<void> feed(ByteView ciphertext);

  /// Ciphertext waiting for the transport.
  [[nodiscard]] ByteView pending_output() const noexcept;
  void consume_output(size_t n) noexcept;

  /// Decrypted application data not yet consumed.
  [[nodiscard]] ByteView plaintext() const noexcept;
  void consume_plaintext(size_t n) noexcept;

  /// Encrypts application data (queued until the handshake completes).
  [[nodiscard]] Result<void> write(ByteView plaintext);

  /// Sends close_notify (after any queued data); the transport may be closed once flushed.
  void close();

  [[nodiscard]] State state() const noexcept;
  [[nodiscard]] bool handshake_complete() const noexcept;
  [[nodiscard]] bool peer_closed() const noexcept;  // close_notify received
  /// The PSK identity presented by the peer (server) or used (client); empty before.
  [[nodiscard]] std::string_view psk_identity() const noexcept;
  [[nodiscard]] std::string version_name() const;  // "TLS1.2"
  [[nodiscard]] std::string suite_name() const;    // IANA name, "TLS_PSK_WITH_AES_128_CBC_SHA256"
  [[nodiscard]] std::optional<Suite> suite() const noexcept;
  /// True when TLS 1.3 used psk_dhe_ke ((EC)DHE key share), false for psk_ke or TLS <= 1.2.
  [[nodiscard]] bool tls13_dhe() const noexcept;
  /// Largest plaintext record this side accepts (gnutls_record_get_max_size: 512 on a client
  /// configured with max_record_size 512; the send limit negotiated by the peer is internal).
  [[nodiscard]] size_t max_record_size() const noexcept;
  /// The last error (valid when state() == failed).
  [[nodiscard]] const Error* error() const noexcept;

 private:
  explicit Session(std::unique_ptr<SessionImpl> impl);
  std::unique_ptr<SessionImpl> impl_;
};

}  // namespace gpram::tls
