// TlsConnection: runs a tls::Session over a net::Connection (the glue used by the server, the
// agent and the fleet simulator). Header-only on purpose: gpram::tls does not link gpram::net
// and gpram::net knows no protocol; a target that includes this header links both.
//
// Derive from it, implement on_plaintext(), call send()/close(). Ciphertext from the socket goes
// into the Session, ciphertext out of the Session goes to the socket after every step.
#pragma once

#include <memory>
#include <optional>

#include "gpram/net/connection.hpp"
#include "gpram/net/event_loop.hpp"
#include "gpram/tls/session.hpp"

namespace gpram::tls {

class TlsConnection : public net::ConnectionHandler {
 public:
  /// `handshake_timeout` (zero = none) becomes a connection deadline cleared on completion.
  explicit TlsConnection(std::unique_ptr<Session> session,
                         Duration handshake_timeout = Duration::zero())
      : session_(std::move(session)), handshake_timeout_(handshake_timeout) {}

  // --- what the protocol above implements ---
  virtual void on_handshake() {}
  /// Decrypted bytes (consumed after the call returns).
  virtual void on_plaintext(ByteView data) = 0;
  /// Last call: `reason` null after an orderly close (close_notify or ours).
  virtual void on_end(const Error* /*reason*/) {}

  // --- what it calls ---
  void send(ByteView plaintext) {
    if (conn_ == nullptr) return;
    if (auto r = session_->write(plaintext); !r) {
      fail(r.error());
      return;
    }
    flush();
  }
  /// close_notify, flush, close the socket.
  void close() {
    if (conn_ == nullptr) return;
    session_->close();
    flush();
    if (conn_ != nullptr) conn_->close();
  }
  /// Deadline for the whole session, applied once the handshake deadline is cleared (and at
  /// once if the handshake is already complete).
  void set_session_deadline(std::optional<TimePoint> when) {
    session_deadline_ = when;
    if (conn_ != nullptr && (handshake_timeout_ == Duration::zero() ||
                             session_->handshake_complete()))
      conn_->set_deadline(when);
  }
  [[nodiscard]] Session& session() noexcept { return *session_; }
  [[nodiscard]] net::Connection* connection() noexcept { return conn_; }

  // --- net::ConnectionHandler ---
  void on_open(net::Connection& c) override {
    conn_ = &c;
    if (handshake_timeout_ != Duration::zero()) c.set_deadline(c.loop().now() + handshake_timeout_);
    if (auto r = session_->start(); !r) {
      fail(r.error());
      return;
    }
    flush();
  }
  void on_data(net::Connection& /*c*/, ByteView data) override {
    const bool was_complete = session_->handshake_complete();
    auto r = session_->feed(data);
    flush();
    if (!r) {
      fail(r.error());
      return;
    }
    if (!was_complete && session_->handshake_complete()) {
      if (conn_ != nullptr && handshake_timeout_ != Duration::zero())
        conn_->set_deadline(session_deadline_);
      on_handshake();
    }
    ByteView plain = session_->plaintext();
    if (!plain.empty()) {
      const size_t n = plain.size();
      on_plaintext(plain);
      session_->consume_plaintext(n);
    }
    if (session_->peer_closed() && conn_ != nullptr) {
      flush();
      conn_->close();
    }
  }
  void on_close(net::Connection& /*c*/, const Error* reason) override {
    conn_ = nullptr;
    if (reason == nullptr && error_) reason = &*error_;
    // A TCP EOF without close_notify counts as orderly: many cards just drop the link.
    on_end(reason);
  }

 private:
  void flush() {
    if (conn_ == nullptr) return;
    ByteView out = session_->pending_output();
    if (!out.empty()) {
      conn_->send(out);
      session_->consume_output(out.size());
    }
  }
  void fail(const Error& e) {
    error_ = e;
    flush();  // the alert
    if (conn_ != nullptr) conn_->close();
  }

  std::unique_ptr<Session> session_;
  Duration handshake_timeout_;
  std::optional<TimePoint> session_deadline_;
  net::Connection* conn_ = nullptr;
  std::optional<Error> error_;
};

}  // namespace gpram::tls
