// Suite selection and the shared GnuTLS objects. Suites: GP Amendment B v1.1.3 §3.3.2 and v1.2
// Table 3-2 (see docs/protocols/tls.md for the priority string and why each keyword is there).
#include <fmt/format.h>

#include <algorithm>
#include <cstdio>

#include "internal.hpp"

namespace gpram::tls {

KeylogSink keylog_file(std::string path) {
  auto mu = std::make_shared<std::mutex>();
  return [path = std::move(path), mu](std::string_view line) {
    std::lock_guard lock(*mu);
    if (std::FILE* f = std::fopen(path.c_str(), "a")) {
      std::fwrite(line.data(), 1, line.size(), f);
      std::fputc('\n', f);
      std::fclose(f);
    }
  };
}

void MemoryPskResolver::add(std::string identity, Bytes key) {
  std::lock_guard lock(mu_);
  keys_[std::move(identity)] = std::move(key);
}

void MemoryPskResolver::remove(std::string_view identity) {
  std::lock_guard lock(mu_);
  if (auto it = keys_.find(identity); it != keys_.end()) keys_.erase(it);
}

std::optional<Bytes> MemoryPskResolver::psk_for(std::string_view identity) {
  std::lock_guard lock(mu_);
  auto it = keys_.find(identity);
  if (it == keys_.end()) return std::nullopt;
  return it->second;
}

bool ConfigImpl::allows(Suite s) const noexcept { return suite_listed(options.suites, s); }

ConfigImpl::~ConfigImpl() {
  if (priority_cache != nullptr) gnutls_priority_deinit(priority_cache);
  if (legacy_priority_cache != nullptr) gnutls_priority_deinit(legacy_priority_cache);
  if (server_cred != nullptr) gnutls_psk_free_server_credentials(server_cred);
  if (client_cred != nullptr) gnutls_psk_free_client_credentials(client_cred);
}

Config::Config(std::unique_ptr<ConfigImpl> impl) : impl_(std::move(impl)) {}
Config::~Config() = default;
Role Config::role() const noexcept { return impl_->role; }
const Options& Config::options() const noexcept { return impl_->options; }
const std::string& Config::priority() const noexcept { return impl_->priority; }

namespace {

Result<std::unique_ptr<ConfigImpl>> make_impl(Options options) {
  if (options.max_record_size != 0 &&
      (options.max_record_size < 512 || options.max_record_size > 16384))
    return fail(Errc::bad_config, fmt::format("TLS: max record size {} outside 512..16384",
                                              options.max_record_size));
  auto impl = std::make_unique<ConfigImpl>();
  auto prio = priority_string(options);
  if (!prio) return fail(prio.error());
  impl->priority = *prio;
  impl->options = std::move(options);
  const char* err_pos = nullptr;
  int rc = gnutls_priority_init2(&impl->priority_cache, impl->priority.c_str(), &err_pos,
                                 0);
  if (rc < 0)
    return fail(Errc::bad_config,
                fmt::format("TLS: GnuTLS rejects priority '{}' near '{}': {}", impl->priority,
                            err_pos != nullptr ? err_pos : "", gnutls_strerror(rc)));
  const auto& su = impl->options.suites;
  const bool null = suite_listed(su, Suite::psk_null_sha256) || suite_listed(su, Suite::psk_null_sha);
  const bool legacy = std::any_of(su.begin(), su.end(), [](Suite x) { return x != Suite::tls13; });
  if (null && legacy && suite_listed(su, Suite::tls13) && (impl->options.tls10 || impl->options.tls11 ||
                                                  impl->options.tls12)) {
    auto lp = priority_string(impl->options, 2);
    if (!lp) return fail(lp.error());
    impl->legacy_priority = *lp;
    rc = gnutls_priority_init2(&impl->legacy_priority_cache, impl->legacy_priority.c_str(),
                               &err_pos, 0);
    if (rc < 0)
      return fail(Errc::bad_config,
                  fmt::format("TLS: GnuTLS rejects priority '{}' near '{}': {}",
                              impl->legacy_priority, err_pos != nullptr ? err_pos : "",
                              gnutls_strerror(rc)));
  }
  return impl;
}

}  // namespace

// Called by GnuTLS for the identity in ClientKeyExchange (TLS 1.2) or the pre_shared_key
// extension (TLS 1.3). Defined in session.cpp (needs the session's state).
int server_psk_callback(gnutls_session_t session, const gnutls_datum_t* username,
                        gnutls_datum_t* key);

Result<std::shared_ptr<const Config>> Config::server(Options options,
                                                     std::shared_ptr<PskResolver> resolver) {
  if (!resolver) return fail(Errc::bad_config, "TLS: server config needs a PSK resolver");
  auto impl = make_impl(std::move(options));
  if (!impl) return fail(impl.error());
  (*impl)->role = Role::server;
  (*impl)->resolver = std::move(resolver);
  int rc = gnutls_psk_allocate_server_credentials(&(*impl)->server_cred);
  if (rc < 0) return fail(gnutls_error(Errc::internal, "allocating PSK server credentials", rc));
  gnutls_psk_set_server_credentials_function2((*impl)->server_cred, server_psk_callback);
  return std::shared_ptr<const Config>(new Config(std::move(*impl)));
}

Result<std::shared_ptr<const Config>> Config::client(Options options) {
  auto impl = make_impl(std::move(options));
  if (!impl) return fail(impl.error());
  (*impl)->role = Role::client;
  return std::shared_ptr<const Config>(new Config(std::move(*impl)));
}

Result<std::shared_ptr<const Config>> Config::client(Options options, std::string identity,
                                                     Bytes key) {
  if (key.empty()) return fail(Errc::bad_config, "TLS: empty PSK");
  auto impl = make_impl(std::move(options));
  if (!impl) return fail(impl.error());
  (*impl)->role = Role::client;
  (*impl)->client_identity = identity;
  int rc = gnutls_psk_allocate_client_credentials(&(*impl)->client_cred);
  if (rc < 0) return fail(gnutls_error(Errc::internal, "allocating PSK client credentials", rc));
  const gnutls_datum_t id{reinterpret_cast<unsigned char*>(identity.data()),
                          static_cast<unsigned>(identity.size())};
  const gnutls_datum_t k{key.data(), static_cast<unsigned>(key.size())};
  rc = gnutls_psk_set_client_credentials2((*impl)->client_cred, &id, &k, GNUTLS_PSK_KEY_RAW);
  secure_wipe(key);
  if (rc < 0) return fail(gnutls_error(Errc::bad_config, "setting the PSK client credentials", rc));
  return std::shared_ptr<const Config>(new Config(std::move(*impl)));
}

}  // namespace gpram::tls
