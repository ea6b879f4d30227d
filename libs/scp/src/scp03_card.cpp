// SCP03 card side (GP Amd D v1.1.x §7.1.1 INITIALIZE UPDATE, §7.1.2 EXTERNAL AUTHENTICATE,
// §6.2.4-6.2.7 command/response protection), used by the virtual card.
#include <fmt/format.h>

#include "gpram/crypto/crypto.hpp"
#include "gpram/scp/keys.hpp"
#include "scp03_session.hpp"

namespace gpram::scp {

struct Scp03Card::Session {
  detail::Scp03State state;
  Bytes context;  // host challenge || card challenge
};

Scp03Card::Scp03Card(Scp03CardConfig config, Random& random)
    : config_(std::move(config)), random_(random) {}
Scp03Card::Scp03Card(Scp03Card&&) noexcept = default;
Scp03Card::~Scp03Card() = default;

Result<Scp03Card> Scp03Card::create(Scp03CardConfig config, Random& random) {
  if (auto c = detail::check_aes_keys(config.keys); !c) return fail(c.error());
  if (config.kdd.size() != 10)
    return fail(Errc::unsupported_option,
                fmt::format("SCP03: key diversification data must be 10 bytes, got {}",
                            config.kdd.size()));
  if ((config.i & kScp03IREnc) && !(config.i & kScp03IRMac))
    return fail(Errc::unsupported_option,
                fmt::format("SCP03: i={:02X} has R-ENCRYPTION without R-MAC", config.i));
  return Scp03Card(std::move(config), random);
}

void Scp03Card::reset() noexcept {
  pending_.reset();
  session_.reset();
}

Result<apdu::Rapdu> Scp03Card::process_initialize_update(const apdu::Capdu& c) {
  reset();
  const size_t n = (config_.i & kScp03IS16) ? 16 : 8;
  if ((c.cla & 0xFC) != 0x80 || c.ins != 0x50)
    return fail(Errc::bad_command,
                fmt::format("SCP03: expected INITIALIZE UPDATE 80 50, got {:02X} {:02X}", c.cla,
                            c.ins));
  if (c.p1 != 0 && c.p1 != config_.keys.kvn)
    return fail(Errc::wrong_kvn, fmt::format("SCP03: INITIALIZE UPDATE asks for KVN {:02X}, the "
                                             "card holds {:02X}",
                                             c.p1, config_.keys.kvn));
  if (c.p2 != 0)
    return fail(Errc::bad_command, fmt::format("SCP03: INITIALIZE UPDATE P2 {:02X}, expected 00", c.p2));
  if (c.data.size() != n)
    return fail(Errc::bad_command,
                fmt::format("SCP03: host challenge of {} bytes, S{} mode expects {}", c.data.size(),
                            n, n));
  Bytes card_challenge(n);
  if (config_.i & kScp03IPseudoRandom) {
    if (config_.sequence_counter >= 0xFFFFFF)
      return fail(Errc::bad_state, "SCP03: sequence counter exhausted (FFFFFF)");
    ++config_.sequence_counter;
    auto ch = scp03_card_challenge(config_.keys.enc, config_.sequence_counter, config_.sd_aid, n);
    if (!ch) return fail(ch.error());
    card_challenge = std::move(*ch);
  } else {
    random_.fill(card_challenge);
  }
  auto s = std::make_unique<Session>();
  s->context = c.data;
  append(s->context, card_challenge);
  auto keys = scp03_session_keys(config_.keys, s->context);
  if (!keys) return fail(keys.error());
  auto cryptogram = scp03_derive(keys->s_mac, kScp03CardCryptogram, s->context, n);
  if (!cryptogram) return fail(cryptogram.error());
  s->state.keys = std::move(*keys);
  s->state.mac_len = n;
  apdu::Rapdu r;
  r.sw = 0x9000;
  append(r.data, config_.kdd);
  r.data.push_back(config_.keys.kvn);
  r.data.push_back(0x03);
  r.data.push_back(config_.i);
  append(r.data, card_challenge);
  append(r.data, *cryptogram);
  if (config_.i & kScp03IPseudoRandom) append_u24(r.data, config_.sequence_counter);
  pending_ = std::move(s);
  return r;
}

Result<apdu::Rapdu> Scp03Card::process_external_authenticate(const apdu::Capdu& c) {
  auto pending = std::move(pending_);
  session_.reset();
  if (!pending)
    return fail(Errc::bad_state, "SCP03: EXTERNAL AUTHENTICATE without INITIALIZE UPDATE");
  if (c.ins != 0x82)
    return fail(Errc::bad_command, fmt::format("SCP03: expected EXTERNAL AUTHENTICATE (INS 82), "
                                               "got INS {:02X}",
                                               c.ins));
  const uint8_t level = c.p1;
  auto lvl = check_security_level(level, true);
  if (!lvl) return fail(lvl.error());
  if (((level & kLevelRMac) && !(config_.i & kScp03IRMac)) ||
      ((level & kLevelREnc) && !(config_.i & kScp03IREnc)))
    return fail(Errc::unsupported_level,
                fmt::format("SCP03: security level {:02X} not supported with i={:02X}", level,
                            config_.i));
  const size_t n = pending->state.mac_len;
  if (c.data.size() != 2 * n)
    return fail(Errc::bad_command,
                fmt::format("SCP03: EXTERNAL AUTHENTICATE data of {} bytes, expected {}",
                            c.data.size(), 2 * n));
  pending->state.level = kLevelCMac;
  auto plain = detail::scp03_verify_command(pending->state, c);
  if (!plain) return fail(plain.error());
  auto expected = scp03_derive(pending->state.keys.s_mac, kScp03HostCryptogram, pending->context, n);
  if (!expected) return fail(expected.error());
  if (!equal_ct(*expected, plain->data))
    return fail(Errc::host_cryptogram_mismatch,
                fmt::format("SCP03: host cryptogram mismatch (got {})", to_hex(plain->data)));
  pending->state.level = level;
  pending->state.command_seen = false;
  session_ = std::move(pending);
  return apdu::Rapdu{{}, 0x9000};
}

Result<apdu::Capdu> Scp03Card::unwrap_command(const apdu::Capdu& c) {
  if (!session_)
    return fail(Errc::not_authenticated,
                fmt::format("SCP03: command {:02X}{:02X} before the secure channel is open", c.cla,
                            c.ins));
  auto r = detail::scp03_verify_command(session_->state, c);
  if (!r) session_.reset();
  return r;
}

Result<apdu::Rapdu> Scp03Card::wrap_response(const apdu::Rapdu& r) {
  if (!session_) return r;  // no session: responses go out as they are
  return detail::scp03_protect_response(session_->state, r);
}

uint8_t Scp03Card::security_level() const noexcept {
  return session_ ? session_->state.level : 0;
}
bool Scp03Card::authenticated() const noexcept { return session_ != nullptr; }

Result<Bytes> Scp03Card::decrypt_key_block(ByteView block) const {
  auto parsed = parse_key_block(block);
  if (!parsed) return fail(parsed.error());
  const Bytes& dek = config_.keys.dek;
  return open_key_block(*parsed, [&dek](ByteView enc) -> Result<Bytes> {
    if (enc.size() % 16)
      return fail(Errc::bad_command,
                  fmt::format("SCP03: encrypted key of {} bytes is not whole AES blocks", enc.size()));
    const Bytes iv(16, 0x00);
    auto d = crypto::aes_cbc_decrypt(dek, iv, enc);
    if (!d) return fail(detail::crypto_error(d.error(), "SCP03: key decryption"));
    return d;
  });
}

}  // namespace gpram::scp
