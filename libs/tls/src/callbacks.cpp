// GnuTLS callbacks of a sans-IO session: the transport is two in-memory buffers behind
// gnutls_transport_set_vec_push_function / pull_function / pull_timeout_function, so GnuTLS
// never touches a socket and never blocks (GNUTLS_NONBLOCK: "no data" is EAGAIN). Also the PSK
// lookup, the key log, and the suite hook.
#include <fmt/format.h>

#include <cerrno>
#include <cstring>

#include "session_impl.hpp"

namespace gpram::tls {
namespace {

ssize_t vec_push(gnutls_transport_ptr_t p, const giovec_t* iov, int iovcnt) {
  auto* im = static_cast<SessionImpl*>(p);
  size_t total = 0;
  for (int i = 0; i < iovcnt; ++i) {
    const auto* b = static_cast<const uint8_t*>(iov[i].iov_base);
    im->out.insert(im->out.end(), b, b + iov[i].iov_len);
    total += iov[i].iov_len;
  }
  return static_cast<ssize_t>(total);
}

ssize_t pull(gnutls_transport_ptr_t p, void* buf, size_t len) {
  auto* im = static_cast<SessionImpl*>(p);
  const size_t avail = im->in.size() - im->in_pos;
  if (avail == 0) {
    gnutls_transport_set_errno(im->s, EAGAIN);
    return -1;
  }
  const size_t n = std::min(avail, len);
  std::memcpy(buf, im->in.data() + im->in_pos, n);
  im->in_pos += n;
  return static_cast<ssize_t>(n);
}

int pull_timeout(gnutls_transport_ptr_t p, unsigned int /*ms*/) {
  auto* im = static_cast<SessionImpl*>(p);
  return im->in.size() > im->in_pos ? 1 : 0;
}

int keylog_callback(gnutls_session_t session, const char* label, const gnutls_datum_t* secret) {
  auto* im = static_cast<SessionImpl*>(gnutls_session_get_ptr(session));
  if (im == nullptr || !im->cfg().options.keylog) return 0;
  gnutls_datum_t client_random{}, server_random{};
  gnutls_session_get_random(session, &client_random, &server_random);
  std::string line = fmt::format("{} ", label);
  for (unsigned i = 0; i < client_random.size; ++i) line += fmt::format("{:02x}", client_random.data[i]);
  line += ' ';
  for (unsigned i = 0; i < secret->size; ++i) line += fmt::format("{:02x}", secret->data[i]);
  im->cfg().options.keylog(line);
  return 0;
}

std::optional<Suite> from_code(uint16_t code) {
  switch (code) {
    case 0x00AE: return Suite::psk_aes128_cbc_sha256;
    case 0x008C: return Suite::psk_aes128_cbc_sha;
    case 0x008B: return Suite::psk_3des_ede_cbc_sha;
    case 0x00B0: return Suite::psk_null_sha256;
    case 0x002C: return Suite::psk_null_sha;
    case 0x1301:  // TLS_AES_128_GCM_SHA256
    case 0x1304:  // TLS_AES_128_CCM_SHA256
      return Suite::tls13;
    default: return {};
  }
}

// The suite check runs on the ServerHello body (RFC 5246 §7.4.1.3 / RFC 8446 §4.1.3: version 2,
// random 32, session_id <0..32>, cipher_suite 2), right after the server wrote it (before it is
// flushed) or the client read it. GnuTLS enables the cross product of the priority keywords; we
// allow exactly the listed suites. (gnutls_cipher_get/mac_get read the current record epoch,
// still NULL here, and gnutls_ciphersuite_get answers only after the handshake.)
int suite_hook(gnutls_session_t session, unsigned int /*htype*/, unsigned /*when*/,
               unsigned int /*incoming*/, const gnutls_datum_t* msg) {
  auto* im = static_cast<SessionImpl*>(gnutls_session_get_ptr(session));
  if (im == nullptr) return 0;
  uint16_t code = 0;
  if (msg != nullptr && msg->size >= 35) {
    const size_t sid = msg->data[34];
    if (msg->size >= 35 + sid + 2) code = gpram::load_u16(msg->data + 35 + sid);
  }
  im->suite = from_code(code);
  im->dhe = false;
  if (im->suite == Suite::tls13) {
    const auto kx = gnutls_kx_get(session);
    im->dhe = kx == GNUTLS_KX_ECDHE_PSK || kx == GNUTLS_KX_DHE_PSK;
  }
  if (im->check_suite()) return 0;
  im->suite_rejected = true;
  return GNUTLS_E_UNWANTED_ALGORITHM;
}

}  // namespace

// GnuTLS 3.7.9 turns TLS 1.3 off in a priority that enables the NULL cipher, so a config
// with NULL suites and tls13 keeps two priorities: the session starts with the TLS 1.3 one;
// once the version is negotiated below 1.3, the one with the NULL suites replaces it before the
// suite is selected.
int post_client_hello(gnutls_session_t session) {
  auto* im = static_cast<SessionImpl*>(gnutls_session_get_ptr(session));
  if (im == nullptr || im->cfg().legacy_priority_cache == nullptr) return 0;
  if (gnutls_protocol_get_version(session) == GNUTLS_TLS1_3) return 0;
  return gnutls_priority_set(session, im->cfg().legacy_priority_cache);
}

int server_psk_callback(gnutls_session_t session, const gnutls_datum_t* username,
                        gnutls_datum_t* key) {
  auto* im = static_cast<SessionImpl*>(gnutls_session_get_ptr(session));
  if (im == nullptr || !im->cfg().resolver) return -1;
  std::string_view id(reinterpret_cast<const char*>(username->data), username->size);
  auto psk = im->cfg().resolver->psk_for(id);
  if (!psk || psk->empty()) {
    im->unknown_identity = true;
    im->identity.assign(id);
    return -1;
  }
  im->unknown_identity = false;
  key->data = static_cast<unsigned char*>(gnutls_malloc(psk->size()));
  if (key->data == nullptr) return -1;
  std::memcpy(key->data, psk->data(), psk->size());
  key->size = static_cast<unsigned>(psk->size());
  secure_wipe(*psk);
  return 0;
}

Result<void> setup_transport(SessionImpl& im) {
  const ConfigImpl& c = im.cfg();
  int rc = 0;
  gnutls_session_set_ptr(im.s, &im);
  gnutls_transport_set_ptr(im.s, &im);
  gnutls_transport_set_vec_push_function(im.s, vec_push);
  gnutls_transport_set_pull_function(im.s, pull);
  gnutls_transport_set_pull_timeout_function(im.s, pull_timeout);
  gnutls_handshake_set_timeout(im.s, 0);  // the caller owns timeouts
  gnutls_handshake_set_hook_function(im.s, GNUTLS_HANDSHAKE_SERVER_HELLO,
                                     c.role == Role::server ? GNUTLS_HOOK_PRE : GNUTLS_HOOK_POST,
                                     suite_hook);
  if (c.role == Role::server && c.legacy_priority_cache != nullptr)
    gnutls_handshake_set_post_client_hello_function(im.s, post_client_hello);
  if (c.options.max_record_size != 0) {
    rc = static_cast<int>(gnutls_record_set_max_size(im.s, c.options.max_record_size));
    if (rc < 0) return fail(gnutls_error(Errc::bad_config, "setting the max record size", rc));
  }
  if (c.options.keylog) gnutls_session_set_keylog_function(im.s, keylog_callback);
  return {};
}

}  // namespace gpram::tls
