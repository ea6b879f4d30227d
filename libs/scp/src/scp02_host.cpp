// SCP02 host side (GP CS v2.2 §E.5.1 INITIALIZE UPDATE, §E.5.2 EXTERNAL AUTHENTICATE).
#include <fmt/format.h>

#include "gpram/crypto/crypto.hpp"
#include "scp02_session.hpp"
#include "scp03_session.hpp"

namespace gpram::scp {

struct Scp02Host::Session {
  detail::Scp02State state;
};

Scp02Host::Scp02Host(StaticKeys keys, Scp02HostOptions options)
    : keys_(std::move(keys)), options_(options) {}
Scp02Host::Scp02Host(Scp02Host&&) noexcept = default;
Scp02Host& Scp02Host::operator=(Scp02Host&&) noexcept = default;
Scp02Host::~Scp02Host() = default;

Result<Scp02Host> Scp02Host::create(StaticKeys keys, Scp02HostOptions options) {
  if (auto c = detail::check_des_keys(keys); !c) return fail(c.error());
  if (auto c = detail::check_scp02_i(options.i); !c) return fail(c.error());
  return Scp02Host(std::move(keys), options);
}

Result<apdu::Capdu> Scp02Host::initialize_update(ByteView host_challenge) {
  if (host_challenge.size() != 8)
    return fail(Errc::unsupported_option,
                fmt::format("SCP02: host challenge must be 8 bytes, got {}", host_challenge.size()));
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

Result<apdu::Capdu> Scp02Host::external_authenticate(const apdu::Rapdu& response, uint8_t level) {
  session_.reset();
  if (!(options_.i & kScp02IExplicit))
    return fail(Errc::unsupported_option,
                fmt::format("SCP02: i={:02X} is implicit initiation: use open_implicit()", options_.i));
  if (host_challenge_.empty())
    return fail(Errc::bad_state, "SCP02: EXTERNAL AUTHENTICATE before INITIALIZE UPDATE");
  if (response.sw != 0x9000)
    return fail(Errc::bad_init_update_response,
                fmt::format("SCP02: INITIALIZE UPDATE failed with SW {:04X}", response.sw));
  auto parsed = parse_scp02_init_update_response(response.data);
  if (!parsed) return fail(parsed.error());
  init_ = std::move(*parsed);
  if (options_.check_kvn && keys_.kvn != 0 && init_.kvn != keys_.kvn)
    return fail(Errc::wrong_kvn, fmt::format("SCP02: card answered KVN {:02X}, requested {:02X}",
                                             init_.kvn, keys_.kvn));
  auto lvl = check_security_level(level, false);
  if (!lvl) return fail(lvl.error());
  auto card_keys = diversify_keys(options_.diversification, keys_, init_.kdd);
  if (!card_keys) return fail(card_keys.error());
  card_keys_ = std::move(*card_keys);
  auto keys = scp02_session_keys(detail::base_keys(card_keys_, options_.i), init_.sequence_counter);
  if (!keys) return fail(keys.error());
  auto card = detail::scp02_cryptogram(keys->s_enc, true, host_challenge_, init_.sequence_counter,
                                       init_.card_challenge);
  if (!card) return fail(card.error());
  if (!equal_ct(*card, init_.card_cryptogram))
    return fail(Errc::card_cryptogram_mismatch,
                fmt::format("SCP02: card cryptogram mismatch (expected {}, got {})", to_hex(*card),
                            to_hex(init_.card_cryptogram)));
  auto host = detail::scp02_cryptogram(keys->s_enc, false, host_challenge_, init_.sequence_counter,
                                       init_.card_challenge);
  if (!host) return fail(host.error());
  host_cryptogram_ = *host;
  auto s = std::make_unique<Session>();
  s->state.keys = std::move(*keys);
  s->state.i = options_.i;
  s->state.level = kLevelCMac;
  apdu::Capdu ea;
  ea.cla = 0x80;
  ea.ins = 0x82;
  ea.p1 = level;
  ea.p2 = 0x00;
  ea.data = host_cryptogram_;
  auto wrapped = detail::scp02_protect_command(s->state, ea);
  if (!wrapped) return fail(wrapped.error());
  s->state.level = level;
  s->state.command_seen = false;
  session_ = std::move(s);
  return wrapped;
}

Result<void> Scp02Host::check_external_authenticate_response(const apdu::Rapdu& response) {
  if (!session_) return fail(Errc::bad_state, "SCP02: no EXTERNAL AUTHENTICATE was sent");
  if (response.sw != 0x9000) {
    session_.reset();
    return fail(Errc::host_cryptogram_mismatch,
                fmt::format("SCP02: card rejected EXTERNAL AUTHENTICATE with SW {:04X}",
                            response.sw));
  }
  return {};
}

Result<void> Scp02Host::open_implicit(uint16_t sequence_counter, ByteView sd_aid) {
  session_.reset();
  if (options_.i & kScp02IExplicit)
    return fail(Errc::unsupported_option,
                fmt::format("SCP02: i={:02X} is explicit initiation: use INITIALIZE UPDATE", options_.i));
  if (options_.diversification != Diversification::none)
    return fail(Errc::unsupported_option, "SCP02: implicit initiation has no KDD to diversify with");
  card_keys_ = keys_;
  auto keys = scp02_session_keys(detail::base_keys(keys_, options_.i), sequence_counter);
  if (!keys) return fail(keys.error());
  auto s = std::make_unique<Session>();
  s->state.keys = std::move(*keys);
  s->state.i = options_.i;
  if (auto r = detail::scp02_start_implicit(s->state, sd_aid); !r) return fail(r.error());
  init_ = Scp02InitResponse{};
  init_.sequence_counter = sequence_counter;
  session_ = std::move(s);
  return {};
}

Result<apdu::Capdu> Scp02Host::wrap(const apdu::Capdu& command) {
  if (!session_) return fail(Errc::not_authenticated, "SCP02: wrap before EXTERNAL AUTHENTICATE");
  return detail::scp02_protect_command(session_->state, command);
}

Result<apdu::Rapdu> Scp02Host::unwrap(const apdu::Rapdu& response) {
  if (!session_)
    return fail(Errc::not_authenticated, "SCP02: unwrap before EXTERNAL AUTHENTICATE");
  return detail::scp02_verify_response(session_->state, response);
}

Result<Bytes> Scp02Host::encrypt_key_block(KeyType type, ByteView key, Random& random) const {
  if (!session_) return fail(Errc::not_authenticated, "SCP02: key encryption needs the session DEK");
  return build_key_block(type, key, 8, detail::scp02_key_cipher(session_->state.keys.s_dek, true),
                         random);
}

uint8_t Scp02Host::security_level() const noexcept {
  return session_ ? session_->state.level : 0;
}
bool Scp02Host::authenticated() const noexcept { return session_ != nullptr; }

const Scp02SessionKeys& Scp02Host::session_keys() const noexcept {
  static const Scp02SessionKeys empty;
  return session_ ? session_->state.keys : empty;
}

}  // namespace gpram::scp
