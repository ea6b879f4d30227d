// tls::Session public API (see session.hpp); the engine is in engine.cpp and callbacks.cpp.
#include "gpram/tls/session.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "session_impl.hpp"

namespace gpram::tls {

Session::Session(std::unique_ptr<SessionImpl> impl) : impl_(std::move(impl)) {}
Session::~Session() = default;

Result<std::unique_ptr<Session>> Session::create(std::shared_ptr<const Config> config) {
  if (!config) return fail(Errc::bad_config, "TLS: session needs a config");
  auto im = std::make_unique<SessionImpl>();
  im->config = std::move(config);
  const ConfigImpl& c = im->cfg();
  unsigned flags = (c.role == Role::server ? GNUTLS_SERVER : GNUTLS_CLIENT) | GNUTLS_NONBLOCK;
  if (!c.options.session_tickets) flags |= GNUTLS_NO_TICKETS;
  int rc = gnutls_init(&im->s, flags);
  if (rc < 0) return fail(gnutls_error(Errc::internal, "gnutls_init", rc));
  rc = gnutls_priority_set(im->s, c.priority_cache);
  if (rc < 0) return fail(gnutls_error(Errc::bad_config, "setting the priority", rc));
  if (c.role == Role::server) {
    rc = gnutls_credentials_set(im->s, GNUTLS_CRD_PSK, c.server_cred);
  } else if (c.client_cred != nullptr) {
    rc = gnutls_credentials_set(im->s, GNUTLS_CRD_PSK, c.client_cred);
  } else {
    return fail(Errc::bad_config,
                "TLS: this client config has no PSK: use Session::create(config, identity, key)");
  }
  if (rc < 0) return fail(gnutls_error(Errc::bad_config, "setting the PSK credentials", rc));
  if (c.role == Role::client) im->identity = c.client_identity;
  if (auto r = setup_transport(*im); !r) return fail(r.error());
  return std::unique_ptr<Session>(new Session(std::move(im)));
}

Result<std::unique_ptr<Session>> Session::create(std::shared_ptr<const Config> config,
                                                 std::string_view identity, ByteView key) {
  if (!config || config->role() != Role::client)
    return fail(Errc::bad_config, "TLS: a per-session PSK needs a client config");
  if (key.empty()) return fail(Errc::bad_config, "TLS: empty PSK");
  auto im = std::make_unique<SessionImpl>();
  int rc = gnutls_psk_allocate_client_credentials(&im->own_cred);
  if (rc < 0) return fail(gnutls_error(Errc::internal, "allocating PSK client credentials", rc));
  const gnutls_datum_t id{reinterpret_cast<unsigned char*>(const_cast<char*>(identity.data())),
                          static_cast<unsigned>(identity.size())};
  const gnutls_datum_t k{const_cast<unsigned char*>(key.data()), static_cast<unsigned>(key.size())};
  rc = gnutls_psk_set_client_credentials2(im->own_cred, &id, &k, GNUTLS_PSK_KEY_RAW);
  if (rc < 0) return fail(gnutls_error(Errc::bad_config, "setting the PSK client credentials", rc));
  // Reuse the common path with the config's (absent) credentials swapped for ours.
  im->config = std::move(config);
  const ConfigImpl& c = im->cfg();
  unsigned flags = GNUTLS_CLIENT | GNUTLS_NONBLOCK;
  if (!c.options.session_tickets) flags |= GNUTLS_NO_TICKETS;
  rc = gnutls_init(&im->s, flags);
  if (rc < 0) return fail(gnutls_error(Errc::internal, "gnutls_init", rc));
  rc = gnutls_priority_set(im->s, c.priority_cache);
  if (rc < 0) return fail(gnutls_error(Errc::bad_config, "setting the priority", rc));
  rc = gnutls_credentials_set(im->s, GNUTLS_CRD_PSK, im->own_cred);
  if (rc < 0) return fail(gnutls_error(Errc::bad_config, "setting the PSK credentials", rc));
  im->identity.assign(identity);
  if (auto r = setup_transport(*im); !r) return fail(r.error());
  return std::unique_ptr<Session>(new Session(std::move(im)));
}

Result<void> Session::start() {
  if (impl_->cfg().role == Role::server || impl_->state != State::handshaking) return {};
  return impl_->drive();
}

Result<void> Session::feed(ByteView ciphertext) {
  auto& im = *impl_;
  if (im.state == State::failed) return fail(*im.error);
  if (im.state == State::closed && im.peer_closed) {
    if (ciphertext.empty()) return {};
    return fail(Errc::closed, fmt::format("TLS: {} bytes received after close_notify",
                                          ciphertext.size()));
  }
  im.in.insert(im.in.end(), ciphertext.begin(), ciphertext.end());
  return im.drive();
}

ByteView Session::pending_output() const noexcept {
  return ByteView(impl_->out).subspan(impl_->out_pos);
}

void Session::consume_output(size_t n) noexcept {
  impl_->out_pos = std::min(impl_->out.size(), impl_->out_pos + n);
  compact(impl_->out, impl_->out_pos);
}

ByteView Session::plaintext() const noexcept {
  return ByteView(impl_->plain).subspan(impl_->plain_pos);
}

void Session::consume_plaintext(size_t n) noexcept {
  impl_->plain_pos = std::min(impl_->plain.size(), impl_->plain_pos + n);
  compact(impl_->plain, impl_->plain_pos);
}

Result<void> Session::write(ByteView plaintext) {
  auto& im = *impl_;
  switch (im.state) {
    case State::handshaking: append(im.queued, plaintext); return {};
    case State::open: return im.send_plain(plaintext);
    case State::closed:
      return fail(Errc::closed, "TLS: write after close_notify");
    case State::failed: return fail(*im.error);
  }
  return {};
}

void Session::close() {
  auto& im = *impl_;
  if (im.state == State::open) {
    (void)gnutls_bye(im.s, GNUTLS_SHUT_WR);
    im.state = State::closed;
  } else if (im.state == State::handshaking) {
    (void)gnutls_alert_send(im.s, GNUTLS_AL_WARNING, GNUTLS_A_USER_CANCELED);
    im.state = State::closed;
  }
}

State Session::state() const noexcept { return impl_->state; }
bool Session::handshake_complete() const noexcept {
  return impl_->state == State::open || (impl_->state == State::closed && impl_->suite);
}
bool Session::peer_closed() const noexcept { return impl_->peer_closed; }
std::string_view Session::psk_identity() const noexcept {
  return handshake_complete() ? std::string_view(impl_->identity) : std::string_view();
}
std::string Session::version_name() const {
  const char* n = gnutls_protocol_get_name(gnutls_protocol_get_version(impl_->s));
  return n != nullptr ? n : "";
}
std::string Session::suite_name() const {
  const char* n = gnutls_ciphersuite_get(impl_->s);
  return n != nullptr ? n : "";
}
std::optional<Suite> Session::suite() const noexcept { return impl_->suite; }
bool Session::tls13_dhe() const noexcept { return impl_->dhe; }
size_t Session::max_record_size() const noexcept { return gnutls_record_get_max_size(impl_->s); }
const Error* Session::error() const noexcept { return impl_->error ? &*impl_->error : nullptr; }

}  // namespace gpram::tls

