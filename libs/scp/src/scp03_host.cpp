// SCP03 host side (GP Amd D v1.1.x §7.1 INITIALIZE UPDATE, §7.2 EXTERNAL AUTHENTICATE, §6.2).
#include <fmt/format.h>

#include "gpram/crypto/crypto.hpp"
#include "gpram/scp/keys.hpp"
#include "scp03_session.hpp"

namespace gpram::scp {

struct Scp03Host::Session {
  detail::Scp03State state;
  bool open = false;
};

Scp03Host::Scp03Host(StaticKeys keys, Scp03HostOptions options)
    : keys_(std::move(keys)), options_(options) {}
Scp03Host::Scp03Host(Scp03Host&&) noexcept = default;
Scp03Host& Scp03Host::operator=(Scp03Host&&) noexcept = default;
Scp03Host::~Scp03Host() = default;

Result<Scp03Host> Scp03Host::create(StaticKeys keys, Scp03HostOptions options) {
  if (auto c = detail::check_aes_keys(keys); !c) return fail(c.error());
  if (options.s_mode_override && *options.s_mode_override != 8 && *options.s_mode_override != 16)
    return fail(Errc::unsupported_option,
                fmt::format("SCP03: S-mode must be 8 or 16, got {}", *options.s_mode_override));
  return Scp03Host(std::move(keys), options);
}

size_t Scp03Host::s_mode() const noexcept {
  if (options_.s_mode_override) return *options_.s_mode_override;
  return (i_ & kScp03IS16) ? 16 : 8;
}

Result<apdu::Capdu> Scp03Host::initialize_update(ByteView host_challenge) {
  if (host_challenge.size() != 8 && host_challenge.size() != 16)
    return fail(Errc::unsupported_option,
                fmt::format("SCP03: host challenge must be 8 (S8) or 16 (S16) bytes, got {}",
                            host_challenge.size()));
  session_.reset();
  host_challenge_.assign(host_challenge.begin(), host_challenge.end());
  apdu::Capdu c;
  c.cla = 0x80;
  c.ins = 0x50;
  c.p1 = keys_.kvn;
  c.p2 = 0x00;
  c.data = host_challenge_;
  c.le = 256;
  return c;
}

Result<apdu::Capdu> Scp03Host::external_authenticate(const apdu::Rapdu& response, uint8_t level) {
  session_.reset();
  if (host_challenge_.empty())
    return fail(Errc::bad_state, "SCP03: EXTERNAL AUTHENTICATE before INITIALIZE UPDATE");
  if (response.sw != 0x9000)
    return fail(Errc::bad_init_update_response,
                fmt::format("SCP03: INITIALIZE UPDATE failed with SW {:04X}", response.sw));
  auto parsed = parse_scp03_init_update_response(response.data);
  if (!parsed) return fail(parsed.error());
  init_ = std::move(*parsed);
  i_ = options_.i_override ? *options_.i_override : init_.i;
  if (options_.check_kvn && keys_.kvn != 0 && init_.kvn != keys_.kvn)
    return fail(Errc::wrong_kvn, fmt::format("SCP03: card answered KVN {:02X}, requested {:02X}",
                                             init_.kvn, keys_.kvn));
  const size_t n = s_mode();
  if (host_challenge_.size() != n || init_.card_challenge.size() != n)
    return fail(Errc::bad_init_update_response,
                fmt::format("SCP03: S{} mode but host challenge {} and card challenge {} bytes", n,
                            host_challenge_.size(), init_.card_challenge.size()));
  auto lvl = check_security_level(level, true);
  if (!lvl) return fail(lvl.error());
  if ((level & kLevelRMac) && !(i_ & kScp03IRMac))
    return fail(Errc::unsupported_level,
                fmt::format("SCP03: security level {:02X} needs R-MAC but i={:02X} lacks bit 20",
                            level, i_));
  if ((level & kLevelREnc) && !(i_ & kScp03IREnc))
    return fail(Errc::unsupported_level,
                fmt::format("SCP03: security level {:02X} needs R-ENCRYPTION but i={:02X} lacks "
                            "bit 40",
                            level, i_));
  Bytes context = host_challenge_;
  append(context, init_.card_challenge);
  auto keys = scp03_session_keys(keys_, context);
  if (!keys) return fail(keys.error());
  auto card = scp03_derive(keys->s_mac, kScp03CardCryptogram, context, n);
  if (!card) return fail(card.error());
  if (!equal_ct(*card, init_.card_cryptogram))
    return fail(Errc::card_cryptogram_mismatch,
                fmt::format("SCP03: card cryptogram mismatch (expected {}, got {})", to_hex(*card),
                            to_hex(init_.card_cryptogram)));
  auto host = scp03_derive(keys->s_mac, kScp03HostCryptogram, context, n);
  if (!host) return fail(host.error());
  host_cryptogram_ = *host;
  auto s = std::make_unique<Session>();
  s->state.keys = std::move(*keys);
  s->state.mac_len = n;
  s->state.level = kLevelCMac;  // EXTERNAL AUTHENTICATE carries a C-MAC only
  apdu::Capdu ea;
  ea.cla = 0x80;
  ea.ins = 0x82;
  ea.p1 = level;
  ea.p2 = 0x00;
  ea.data = host_cryptogram_;
  auto wrapped = detail::scp03_protect_command(s->state, ea);
  if (!wrapped) return fail(wrapped.error());
  s->state.level = level;
  s->state.command_seen = false;
  s->open = true;
  session_ = std::move(s);
  return wrapped;
}

Result<void> Scp03Host::check_external_authenticate_response(const apdu::Rapdu& response) {
  if (!session_) return fail(Errc::bad_state, "SCP03: no EXTERNAL AUTHENTICATE was sent");
  if (response.sw != 0x9000) {
    session_.reset();
    return fail(Errc::host_cryptogram_mismatch,
                fmt::format("SCP03: card rejected EXTERNAL AUTHENTICATE with SW {:04X}",
                            response.sw));
  }
  return {};
}

Result<apdu::Capdu> Scp03Host::wrap(const apdu::Capdu& command) {
  if (!session_) return fail(Errc::not_authenticated, "SCP03: wrap before EXTERNAL AUTHENTICATE");
  return detail::scp03_protect_command(session_->state, command);
}

Result<apdu::Rapdu> Scp03Host::unwrap(const apdu::Rapdu& response) {
  if (!session_)
    return fail(Errc::not_authenticated, "SCP03: unwrap before EXTERNAL AUTHENTICATE");
  return detail::scp03_verify_response(session_->state, response);
}

Result<Bytes> Scp03Host::encrypt_key_block(KeyType type, ByteView key, Random& random) const {
  if (keys_.dek.empty()) return fail(Errc::bad_key, "SCP03: no static DEK to encrypt a key");
  const Bytes& dek = keys_.dek;
  return build_key_block(
      type, key, 16,
      [&dek](ByteView padded) -> Result<Bytes> {
        const Bytes iv(16, 0x00);
        auto e = crypto::aes_cbc_encrypt(dek, iv, padded);
        if (!e) return fail(detail::crypto_error(e.error(), "SCP03: key encryption"));
        return e;
      },
      random);
}

uint8_t Scp03Host::security_level() const noexcept {
  return session_ ? session_->state.level : 0;
}
bool Scp03Host::authenticated() const noexcept { return session_ && session_->open; }

const Scp03SessionKeys& Scp03Host::session_keys() const noexcept {
  static const Scp03SessionKeys empty;
  return session_ ? session_->state.keys : empty;
}

}  // namespace gpram::scp
