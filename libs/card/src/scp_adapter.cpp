// CardSession over gpram::scp's card-side channels (Scp03Card, Scp02Card). Key material of
// PUT KEY is decrypted here (the card checks KCVs itself to answer 9485): SCP03 with the static
// DEK (AES-CBC, IV 0, Amd D §7.2), SCP02 with the session DEK (3DES-ECB, Annex E.4.7).
#include <fmt/format.h>

#include <optional>

#include "gpram/crypto/crypto.hpp"
#include "gpram/scp/scp02.hpp"
#include "gpram/scp/scp03.hpp"
#include "scp_card.hpp"

namespace gpram::card {
namespace {

template <class Channel>
class ScpAdapter final : public CardSession {
 public:
  ScpAdapter(StaticKeys keys, Bytes kdd, uint8_t i, Bytes sd_aid)
      : keys_(std::move(keys)), kdd_(std::move(kdd)), i_(i), sd_aid_(std::move(sd_aid)) {}

  Result<Bytes> initialize_update(ByteView host_challenge, uint32_t seq, Random& random) override {
    scp::StaticKeys k{keys_.kvn, keys_.enc, keys_.mac, keys_.dek};
    if constexpr (std::is_same_v<Channel, scp::Scp03Card>) {
      scp::Scp03CardConfig c{k, i_, kdd_, sd_aid_, seq - 1};  // the channel increments it
      auto ch = scp::Scp03Card::create(std::move(c), random);
      if (!ch) return fail(ch.error());
      channel_.emplace(std::move(*ch));
    } else {
      scp::Scp02CardConfig c{k, i_, kdd_, static_cast<uint16_t>(seq)};
      auto ch = scp::Scp02Card::create(std::move(c), random);
      if (!ch) return fail(ch.error());
      channel_.emplace(std::move(*ch));
      auto sk = scp::scp02_session_keys(k, static_cast<uint16_t>(seq));
      if (!sk) return fail(sk.error());
      session_dek_ = sk->s_dek;
    }
    apdu::Capdu cmd{0x80, 0x50, keys_.kvn, 0x00, Bytes(host_challenge.begin(), host_challenge.end()),
                    256u, false};
    auto r = channel_->process_initialize_update(cmd);
    if (!r) return fail(r.error());
    if (r->sw != 0x9000) return scp_fail(fmt::format("INITIALIZE UPDATE answered {:04X}", r->sw));
    return r->data;
  }

  Result<void> external_authenticate(const apdu::Capdu& cmd) override {
    if (!channel_) return scp_fail("EXTERNAL AUTHENTICATE without INITIALIZE UPDATE");
    auto r = channel_->process_external_authenticate(cmd);
    if (!r) return fail(r.error());
    if (r->sw != 0x9000) return scp_fail(fmt::format("EXTERNAL AUTHENTICATE answered {:04X}", r->sw));
    authenticated_ = channel_->authenticated();
    level_ = channel_->security_level();
    return {};
  }

  Result<apdu::Capdu> unwrap(const apdu::Capdu& cmd) override {
    if (!channel_) return scp_fail("no secure channel session");
    return channel_->unwrap_command(cmd);
  }

  Bytes wrap(ByteView data, uint16_t sw, bool corrupt_mac) override {
    auto r = channel_->wrap_response(apdu::Rapdu{Bytes(data.begin(), data.end()), sw});
    if (!r) return Bytes(data.begin(), data.end());
    if (corrupt_mac && (level_ & kRMac) != 0 && !r->data.empty()) r->data.back() ^= 0x01;
    return std::move(r->data);
  }

  Result<Bytes> decrypt_key(ByteView data) override {
    if constexpr (std::is_same_v<Channel, scp::Scp03Card>)
      return crypto::aes_cbc_decrypt(keys_.dek, Bytes(16, 0x00), data);
    else
      return crypto::des_ecb_decrypt(session_dek_, data);
  }
  size_t key_block() const noexcept override {
    return std::is_same_v<Channel, scp::Scp03Card> ? 16 : 8;
  }

 private:
  StaticKeys keys_;
  Bytes kdd_;
  uint8_t i_;
  Bytes sd_aid_;
  Bytes session_dek_;
  std::optional<Channel> channel_;
};

}  // namespace

std::unique_ptr<CardSession> make_scp03_session(StaticKeys keys, Bytes kdd, uint8_t i,
                                                Bytes sd_aid) {
  return std::make_unique<ScpAdapter<scp::Scp03Card>>(std::move(keys), std::move(kdd), i,
                                                      std::move(sd_aid));
}
std::unique_ptr<CardSession> make_scp02_session(StaticKeys keys, Bytes kdd, uint8_t i) {
  return std::make_unique<ScpAdapter<scp::Scp02Card>>(std::move(keys), std::move(kdd), i, Bytes{});
}

}  // namespace gpram::card
