// SCP02 card side (GP CS v2.2 §E.5.1-E.5.2 and §E.4), used by the virtual card.
#include <fmt/format.h>

#include "gpram/crypto/crypto.hpp"
#include "scp02_session.hpp"
#include "scp03_session.hpp"

namespace gpram::scp {

struct Scp02Card::Session {
  detail::Scp02State state;
  Bytes host_challenge;
  Bytes card_challenge;
};

Scp02Card::Scp02Card(Scp02CardConfig config, Random& random)
    : config_(std::move(config)), random_(random) {}
Scp02Card::Scp02Card(Scp02Card&&) noexcept = default;
Scp02Card::~Scp02Card() = default;

Result<Scp02Card> Scp02Card::create(Scp02CardConfig config, Random& random) {
  if (auto c = detail::check_des_keys(config.keys); !c) return fail(c.error());
  if (auto c = detail::check_scp02_i(config.i); !c) return fail(c.error());
  if (config.kdd.size() != 10)
    return fail(Errc::unsupported_option,
                fmt::format("SCP02: key diversification data must be 10 bytes, got {}",
                            config.kdd.size()));
  return Scp02Card(std::move(config), random);
}

void Scp02Card::reset() noexcept {
  pending_.reset();
  session_.reset();
}

Result<apdu::Rapdu> Scp02Card::process_initialize_update(const apdu::Capdu& c) {
  reset();
  if ((c.cla & 0xFC) != 0x80 || c.ins != 0x50)
    return fail(Errc::bad_command,
                fmt::format("SCP02: expected INITIALIZE UPDATE 80 50, got {:02X} {:02X}", c.cla,
                            c.ins));
  if (c.p1 != 0 && c.p1 != config_.keys.kvn)
    return fail(Errc::wrong_kvn, fmt::format("SCP02: INITIALIZE UPDATE asks for KVN {:02X}, the "
                                             "card holds {:02X}",
                                             c.p1, config_.keys.kvn));
  if (c.p2 != 0)
    return fail(Errc::bad_command, fmt::format("SCP02: INITIALIZE UPDATE P2 {:02X}, expected 00", c.p2));
  if (c.data.size() != 8)
    return fail(Errc::bad_command,
                fmt::format("SCP02: host challenge of {} bytes, expected 8", c.data.size()));
  auto s = std::make_unique<Session>();
  s->host_challenge = c.data;
  s->card_challenge.resize(6);
  random_.fill(s->card_challenge);
  const uint16_t seq = config_.sequence_counter;
  if (!(config_.i & kScp02IExplicit))
    return fail(Errc::bad_state,
                fmt::format("SCP02: i={:02X} uses implicit initiation, no INITIALIZE UPDATE", config_.i));
  auto keys = scp02_session_keys(detail::base_keys(config_.keys, config_.i), seq);
  if (!keys) return fail(keys.error());
  auto cryptogram =
      detail::scp02_cryptogram(keys->s_enc, true, s->host_challenge, seq, s->card_challenge);
  if (!cryptogram) return fail(cryptogram.error());
  s->state.keys = std::move(*keys);
  s->state.i = config_.i;
  apdu::Rapdu r;
  r.sw = 0x9000;
  append(r.data, config_.kdd);
  r.data.push_back(config_.keys.kvn);
  r.data.push_back(0x02);
  append_u16(r.data, seq);
  append(r.data, s->card_challenge);
  append(r.data, *cryptogram);
  pending_ = std::move(s);
  return r;
}

Result<apdu::Rapdu> Scp02Card::process_external_authenticate(const apdu::Capdu& c) {
  auto pending = std::move(pending_);
  session_.reset();
  if (!pending)
    return fail(Errc::bad_state, "SCP02: EXTERNAL AUTHENTICATE without INITIALIZE UPDATE");
  if (c.ins != 0x82)
    return fail(Errc::bad_command, fmt::format("SCP02: expected EXTERNAL AUTHENTICATE (INS 82), "
                                               "got INS {:02X}",
                                               c.ins));
  const uint8_t level = c.p1;
  auto lvl = check_security_level(level, false);
  if (!lvl) return fail(lvl.error());
  if (c.data.size() != 16)
    return fail(Errc::bad_command,
                fmt::format("SCP02: EXTERNAL AUTHENTICATE data of {} bytes, expected 16",
                            c.data.size()));
  pending->state.level = kLevelCMac;
  auto plain = detail::scp02_verify_command(pending->state, c);
  if (!plain) return fail(plain.error());
  auto expected = detail::scp02_cryptogram(pending->state.keys.s_enc, false, pending->host_challenge,
                                           config_.sequence_counter, pending->card_challenge);
  if (!expected) return fail(expected.error());
  if (!equal_ct(*expected, plain->data))
    return fail(Errc::host_cryptogram_mismatch,
                fmt::format("SCP02: host cryptogram mismatch (got {})", to_hex(plain->data)));
  pending->state.level = level;
  pending->state.command_seen = false;
  config_.sequence_counter = static_cast<uint16_t>(config_.sequence_counter + 1);
  session_ = std::move(pending);
  return apdu::Rapdu{{}, 0x9000};
}

Result<apdu::Capdu> Scp02Card::unwrap_command(const apdu::Capdu& c) {
  if (!session_ && !(config_.i & kScp02IExplicit) && detail::has_sm(c.cla)) {
    // Implicit initiation: the first C-MACed command opens the session.
    auto keys = scp02_session_keys(detail::base_keys(config_.keys, config_.i), config_.sequence_counter);
    if (!keys) return fail(keys.error());
    auto s = std::make_unique<Session>();
    s->state.keys = std::move(*keys);
    s->state.i = config_.i;
    if (auto r = detail::scp02_start_implicit(s->state, sd_aid_); !r) return fail(r.error());
    auto plain = detail::scp02_verify_command(s->state, c);
    if (!plain) return fail(plain.error());
    config_.sequence_counter = static_cast<uint16_t>(config_.sequence_counter + 1);
    session_ = std::move(s);
    return plain;
  }
  if (!session_)
    return fail(Errc::not_authenticated,
                fmt::format("SCP02: command {:02X}{:02X} before the secure channel is open", c.cla,
                            c.ins));
  auto r = detail::scp02_verify_command(session_->state, c);
  if (!r) session_.reset();
  return r;
}

Result<apdu::Rapdu> Scp02Card::wrap_response(const apdu::Rapdu& r) {
  if (!session_) return r;
  return detail::scp02_protect_response(session_->state, r);
}

uint8_t Scp02Card::security_level() const noexcept {
  return session_ ? session_->state.level : 0;
}
bool Scp02Card::authenticated() const noexcept { return session_ != nullptr; }

Result<Bytes> Scp02Card::decrypt_key_block(ByteView block) const {
  if (!session_) return fail(Errc::not_authenticated, "SCP02: key decryption needs the session DEK");
  auto parsed = parse_key_block(block);
  if (!parsed) return fail(parsed.error());
  return open_key_block(*parsed, detail::scp02_key_cipher(session_->state.keys.s_dek, false));
}

}  // namespace gpram::scp
