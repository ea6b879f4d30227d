// SCP03 (GlobalPlatform Card Specification v2.2 Amendment D v1.1.x): AES-128/192/256 session
// keys from an SP 800-108 counter-mode KDF with AES-CMAC (§6.2.1), card/host cryptograms
// (§6.2.2.2-3), pseudo-random card challenge (§6.2.2.1), C-MAC chaining (§6.2.4), C-DECRYPTION
// with the encryption counter (§6.2.6), R-MAC (§6.2.5) and R-ENCRYPTION (§6.2.7); S8 and S16.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>

#include "gpram/scp/scp.hpp"

namespace gpram::scp {

// i parameter bits (Amd D §5.1).
inline constexpr uint8_t kScp03IS16 = 0x01;           // S16 mode (16-byte challenges and MACs)
inline constexpr uint8_t kScp03IPseudoRandom = 0x10;  // pseudo-random card challenge
inline constexpr uint8_t kScp03IRMac = 0x20;          // R-MAC supported
inline constexpr uint8_t kScp03IREnc = 0x40;          // R-ENCRYPTION supported (with R-MAC)

// KDF derivation constants (Amd D Table 6-1).
inline constexpr uint8_t kScp03CardCryptogram = 0x00;
inline constexpr uint8_t kScp03HostCryptogram = 0x01;
inline constexpr uint8_t kScp03CardChallenge = 0x02;
inline constexpr uint8_t kScp03SEnc = 0x04;
inline constexpr uint8_t kScp03SMac = 0x06;
inline constexpr uint8_t kScp03SRMac = 0x07;

/// NIST SP 800-108 KDF in counter mode with AES-CMAC as PRF, as laid out by Amd D §4.1.5:
/// for i = 1..n: CMAC(key, label || 00 || L(2 bytes, bits) || i(1 byte) || context). `label` is
/// normally 11 zero bytes followed by the derivation constant (see scp03_derive).
[[nodiscard]] Result<Bytes> scp03_kdf(ByteView key, ByteView label, ByteView context,
                                      size_t out_bytes);
/// The bare counter-mode loop: for i = 1..n: CMAC(key, a || i(1 byte) || b). scp03_kdf is this
/// with a = label || 00 || L. (GlobalPlatformPro's scp03_kdf(key, a, b, bytes) has this shape.)
[[nodiscard]] Result<Bytes> scp03_kdf_blocks(ByteView key, ByteView a, ByteView b, size_t out_bytes);
/// scp03_kdf with the Amd D label 00*11 || constant.
[[nodiscard]] Result<Bytes> scp03_derive(ByteView key, uint8_t constant, ByteView context,
                                         size_t out_bytes);

/// Pseudo-random card challenge (Amd D §6.2.2.1): KDF(static ENC, 02, seq(3) || SD AID), 8 bytes
/// (S8) or 16 (S16). Exposed for offline tooling that pre-computes a session.
[[nodiscard]] Result<Bytes> scp03_card_challenge(ByteView static_enc, uint32_t sequence_counter,
                                                 ByteView sd_aid, size_t length = 8);

struct Scp03SessionKeys {
  Bytes s_enc;
  Bytes s_mac;
  Bytes s_rmac;
};
/// Session keys from the static keys and context = host challenge || card challenge.
[[nodiscard]] Result<Scp03SessionKeys> scp03_session_keys(const StaticKeys& keys, ByteView context);

/// The INITIALIZE UPDATE response data (Amd D §7.1.1.6):
/// KDD(10) KVN(1) 03 i(1) cardChallenge(8|16) cardCryptogram(8|16) [sequenceCounter(3)].
struct Scp03InitResponse {
  Bytes kdd;
  uint8_t kvn = 0;
  uint8_t i = 0;
  Bytes card_challenge;
  Bytes card_cryptogram;
  std::optional<uint32_t> sequence_counter;
};
/// Parses the response data (SW already removed). The S-mode follows i bit 1.
[[nodiscard]] Result<Scp03InitResponse> parse_scp03_init_update_response(ByteView data);

struct Scp03HostOptions {
  std::optional<uint8_t> i_override;      // use this i instead of the card's
  std::optional<size_t> s_mode_override;  // 8 or 16 instead of what i says
  bool check_kvn = true;                  // error wrong_kvn when the card answers another KVN
};

/// Host side of SCP03.
///   Scp03Host host = *Scp03Host::create(keys);
///   Capdu iu = host.initialize_update(host_challenge);          // send, get response
///   Capdu ea = *host.external_authenticate(response, 0x33);     // checks the card cryptogram
///   host.check_external_authenticate_response(ea_response);     // optional: 9000 expected
///   then wrap() / unwrap() each command / response in order.
class Scp03Host final : public SecureChannel {
 public:
  [[nodiscard]] static Result<Scp03Host> create(StaticKeys keys, Scp03HostOptions options = {});

  /// INITIALIZE UPDATE `80 50 KVN 00 Lc hostChallenge 00`; challenge of 8 (S8) or 16 (S16).
  [[nodiscard]] Result<apdu::Capdu> initialize_update(ByteView host_challenge);
  /// Checks the card's response (with SW), derives the session keys, verifies the card
  /// cryptogram and returns the C-MACed EXTERNAL AUTHENTICATE for `level`.
  [[nodiscard]] Result<apdu::Capdu> external_authenticate(const apdu::Rapdu& init_update_response,
                                                          uint8_t level);
  /// Error (and session closed) unless the card answered 9000.
  [[nodiscard]] Result<void> check_external_authenticate_response(const apdu::Rapdu& response);

  [[nodiscard]] Result<apdu::Capdu> wrap(const apdu::Capdu& command) override;
  [[nodiscard]] Result<apdu::Rapdu> unwrap(const apdu::Rapdu& response) override;
  [[nodiscard]] Result<Bytes> encrypt_key_block(KeyType type, ByteView key,
                                                Random& random) const override;
  [[nodiscard]] uint8_t security_level() const noexcept override;
  [[nodiscard]] bool authenticated() const noexcept override;
  [[nodiscard]] int protocol() const noexcept override { return 3; }

  // Handshake details (valid after external_authenticate()).
  [[nodiscard]] const Scp03InitResponse& init_response() const noexcept { return init_; }
  [[nodiscard]] const Scp03SessionKeys& session_keys() const noexcept;
  [[nodiscard]] const Bytes& host_cryptogram() const noexcept { return host_cryptogram_; }
  [[nodiscard]] uint8_t i() const noexcept { return i_; }
  [[nodiscard]] size_t s_mode() const noexcept;
  [[nodiscard]] const StaticKeys& static_keys() const noexcept { return keys_; }

  Scp03Host(Scp03Host&&) noexcept;
  Scp03Host& operator=(Scp03Host&&) noexcept;
  ~Scp03Host() override;

 private:
  struct Session;
  Scp03Host(StaticKeys keys, Scp03HostOptions options);
  StaticKeys keys_;
  Scp03HostOptions options_;
  Bytes host_challenge_;
  Scp03InitResponse init_;
  Bytes host_cryptogram_;
  uint8_t i_ = 0;
  std::unique_ptr<Session> session_;
};

struct Scp03CardConfig {
  StaticKeys keys;                    // kvn: the key set this card holds
  uint8_t i = 0x70;                   // pseudo-random challenge, R-MAC, R-ENC, S8
  Bytes kdd = Bytes(10, 0x00);        // key diversification data (10 bytes)
  Bytes sd_aid;                       // for the pseudo-random card challenge
  uint32_t sequence_counter = 0;      // last value used (24 bits)
};

/// Card side of SCP03. With the pseudo-random challenge (i bit 10) the card increments its
/// sequence counter at each INITIALIZE UPDATE and derives the challenge from the new value;
/// otherwise the challenge comes from `random`. Persist sequence_counter() between sessions.
class Scp03Card final : public CardSecureChannel {
 public:
  [[nodiscard]] static Result<Scp03Card> create(Scp03CardConfig config, Random& random);

  [[nodiscard]] Result<apdu::Rapdu> process_initialize_update(const apdu::Capdu& command) override;
  [[nodiscard]] Result<apdu::Rapdu> process_external_authenticate(
      const apdu::Capdu& command) override;
  [[nodiscard]] Result<apdu::Capdu> unwrap_command(const apdu::Capdu& command) override;
  [[nodiscard]] Result<apdu::Rapdu> wrap_response(const apdu::Rapdu& response) override;
  [[nodiscard]] uint8_t security_level() const noexcept override;
  [[nodiscard]] bool authenticated() const noexcept override;
  [[nodiscard]] Result<Bytes> decrypt_key_block(ByteView block) const override;
  void reset() noexcept override;
  [[nodiscard]] int protocol() const noexcept override { return 3; }

  [[nodiscard]] uint32_t sequence_counter() const noexcept { return config_.sequence_counter; }

  Scp03Card(Scp03Card&&) noexcept;
  Scp03Card& operator=(Scp03Card&&) = delete;
  ~Scp03Card() override;

 private:
  struct Session;
  Scp03Card(Scp03CardConfig config, Random& random);
  Scp03CardConfig config_;
  Random& random_;
  Bytes host_challenge_;
  Bytes card_challenge_;
  std::unique_ptr<Session> pending_;  // keys derived, waiting for EXTERNAL AUTHENTICATE
  std::unique_ptr<Session> session_;  // open session
};

}  // namespace gpram::scp
