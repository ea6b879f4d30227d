// Driving GnuTLS: handshake, record reading/writing, suite checks and error reporting (GnuTLS
// message + RFC alert name; the alert we send stays in the output for the caller to flush).
#include <fmt/format.h>

#include "session_impl.hpp"

namespace gpram::tls {

bool SessionImpl::check_suite() {
  if (!suite || !cfg().allows(*suite)) return false;
  if (*suite == Suite::tls13)
    return dhe ? cfg().options.tls13_psk_dhe_ke : cfg().options.tls13_psk_ke;
  return true;
}

Result<void> SessionImpl::fail_err(Error e, int alert) {
  if (alert >= 0 && state != State::failed)
    (void)gnutls_alert_send(s, GNUTLS_AL_FATAL, static_cast<gnutls_alert_description_t>(alert));
  state = State::failed;
  error = e;
  return fail(std::move(e));
}

Result<void> SessionImpl::fail_rc(int rc, std::string_view context) {
  const char* peer = cfg().role == Role::server ? "client" : "server";
  if (rc == GNUTLS_E_FATAL_ALERT_RECEIVED) {
    // The alert byte is the peer's: it may be outside gnutls_alert_description_t's range, so it
    // is never stored in or cast back to that enum.
    const int a = static_cast<int>(gnutls_alert_get(s)) & 0xFF;
    return fail_err(Error{make_error_code(Errc::peer_alert),
                          fmt::format("TLS: {}: {} sent fatal alert {} ({})", context, peer,
                                      alert_name(a), a)},
                    -1);
  }
  if (unknown_identity) {
    return fail_err(Error{make_error_code(Errc::unknown_psk_identity),
                          fmt::format("TLS: unknown PSK identity '{}' (sent alert "
                                      "unknown_psk_identity)",
                                      identity)},
                    GNUTLS_A_UNKNOWN_PSK_IDENTITY);
  }
  if (suite_rejected) {
    std::string got = suite ? std::string(suite_name(*suite)) : std::string("other");
    if (suite == Suite::tls13) got += dhe ? " (psk_dhe_ke)" : " (psk_ke)";
    return fail_err(
        Error{make_error_code(Errc::suite_not_allowed),
              fmt::format("TLS: {} negotiated {} {} ({}), not in the allowed list '{}' (sent "
                          "alert handshake_failure)",
                          peer, or_unknown(gnutls_protocol_get_name(gnutls_protocol_get_version(s))),
                          got,
                          gnutls_ciphersuite_get(s) != nullptr ? gnutls_ciphersuite_get(s) : "?",
                          suites_to_string(cfg().options.suites))},
        GNUTLS_A_HANDSHAKE_FAILURE);
  }
  int alert_sent = -1;
  std::string alert_text;
  if (state != State::failed) {
    int level = 0;
    const int a = gnutls_error_to_alert(rc, &level);
    if (a >= 0) {
      alert_sent = a;
      alert_text = fmt::format(" (sent alert {})", alert_name(a));
    }
  }
  const Errc code = state == State::handshaking ? Errc::handshake_failed : Errc::record_error;
  return fail_err(Error{make_error_code(code), fmt::format("TLS: {}: {} ({}){}", context,
                                                           gnutls_strerror(rc), rc, alert_text)},
                  alert_sent);
}

Result<void> SessionImpl::send_plain(ByteView data) {
  size_t off = 0;
  while (off < data.size()) {
    const ssize_t r = gnutls_record_send(s, data.data() + off, data.size() - off);
    if (r == GNUTLS_E_AGAIN || r == GNUTLS_E_INTERRUPTED) continue;  // push never blocks
    if (r < 0) return fail_rc(static_cast<int>(r), "sending a record");
    off += static_cast<size_t>(r);
  }
  return {};
}

Result<void> SessionImpl::drive() {
  if (state == State::handshaking) {
    for (;;) {
      const int rc = gnutls_handshake(s);
      if (rc == 0) break;
      if (rc == GNUTLS_E_AGAIN || rc == GNUTLS_E_INTERRUPTED) {
        compact(in, in_pos);
        return {};
      }
      if (gnutls_error_is_fatal(rc) == 0) continue;  // warning alert: carry on
      return fail_rc(rc, "handshake");
    }
    if (!check_suite()) {  // belt and braces: the hook already ran
      suite_rejected = true;
      return fail_rc(GNUTLS_E_UNWANTED_ALGORITHM, "handshake");
    }
    state = State::open;
    // GnuTLS 3.7.9 acknowledges a client's max_fragment_length (RFC 6066) and lowers its receive
    // limit, but keeps sending 16 KiB records (the send path uses the user limit): apply the
    // negotiated size as our send limit too. Cards ask for 512.
    if (const size_t mfl = gnutls_record_get_max_size(s); mfl < 16384)
      (void)gnutls_record_set_max_size(s, mfl);
    if (cfg().role == Role::server) {
      gnutls_datum_t user{};
      if (gnutls_psk_server_get_username2(s, &user) == 0)
        identity.assign(reinterpret_cast<const char*>(user.data), user.size);
    }
    if (!queued.empty()) {
      Bytes q;
      q.swap(queued);
      if (auto r = send_plain(q); !r) return r;
    }
  }
  while (state == State::open || (state == State::closed && !peer_closed)) {
    gnutls_packet_t packet = nullptr;
    const ssize_t r = gnutls_record_recv_packet(s, &packet);
    if (r > 0) {
      gnutls_datum_t d{};
      gnutls_packet_get(packet, &d, nullptr);
      plain.insert(plain.end(), d.data, d.data + d.size);
      gnutls_packet_deinit(packet);
      continue;
    }
    if (packet != nullptr) gnutls_packet_deinit(packet);
    if (r == 0) {  // close_notify: answer with ours (RFC 5246 §7.2.1)
      peer_closed = true;
      if (state == State::open) (void)gnutls_bye(s, GNUTLS_SHUT_WR);
      state = State::closed;
      break;
    }
    if (r == GNUTLS_E_AGAIN || r == GNUTLS_E_INTERRUPTED) break;
    if (r == GNUTLS_E_REHANDSHAKE) {  // no renegotiation in this profile
      (void)gnutls_alert_send(s, GNUTLS_AL_WARNING, GNUTLS_A_NO_RENEGOTIATION);
      continue;
    }
    if (gnutls_error_is_fatal(static_cast<int>(r)) == 0) continue;
    return fail_rc(static_cast<int>(r), "reading a record");
  }
  compact(in, in_pos);
  return {};
}

}  // namespace gpram::tls
