// SCP02 (GlobalPlatform Card Specification v2.2 Appendix E): 3DES session keys from the
// sequence counter (§E.4.1), card/host cryptograms (§E.4.2, full 3DES MAC), C-MAC as an ISO
// 9797-1 retail MAC on the modified APDU with ICV encryption (§E.4.4), C-DECRYPTION (3DES-CBC,
// IV 0, §E.4.6), R-MAC (§E.4.5, as kaoh/globalplatform computes it) and key encryption with the
// session DEK (3DES-ECB, §E.4.7). Explicit initiation (i = 15 / 55 ...) and implicit initiation
// (i = 0A / 1A: no INITIALIZE UPDATE; session keys from the sequence counter; ICV = C-MAC over
// the SD AID; C-MAC only) on both sides. With i bit 01 clear (one base key) the ENC key serves as
// the base key for every session key.
#pragma once

#include <cstdint>
#include <memory>

#include "gpram/scp/keys.hpp"
#include "gpram/scp/scp.hpp"

namespace gpram::scp {

// i parameter bits (GP CS v2.2 §E.1.1).
inline constexpr uint8_t kScp02IThreeKeys = 0x01;
inline constexpr uint8_t kScp02IUnmodifiedApdu = 0x02;  // C-MAC on the unmodified APDU
inline constexpr uint8_t kScp02IExplicit = 0x04;        // explicit initiation (INITIALIZE UPDATE)
inline constexpr uint8_t kScp02IIcvMacOverAid = 0x08;   // implicit: ICV = MAC over the AID
inline constexpr uint8_t kScp02IIcvEncryption = 0x10;   // next ICV = DES(K1, previous MAC)
inline constexpr uint8_t kScp02IRMac = 0x20;
inline constexpr uint8_t kScp02IPseudoRandom = 0x40;

// Session key derivation constants (§E.4.1).
inline constexpr uint16_t kScp02ConstCMac = 0x0101;
inline constexpr uint16_t kScp02ConstRMac = 0x0102;
inline constexpr uint16_t kScp02ConstDek = 0x0181;
inline constexpr uint16_t kScp02ConstEnc = 0x0182;

struct Scp02SessionKeys {
  Bytes s_enc;
  Bytes s_mac;
  Bytes s_rmac;
  Bytes s_dek;
};
/// 3DES-CBC(static key, IV 0, const || seq || 00*12) for each key.
[[nodiscard]] Result<Scp02SessionKeys> scp02_session_keys(const StaticKeys& keys, uint16_t sequence);

/// Full 3DES CBC-MAC (IV 0) over pad80(data): the cryptogram function of §E.4.2.
[[nodiscard]] Result<Bytes> scp02_full_mac(ByteView key, ByteView data);

/// INITIALIZE UPDATE response data: KDD(10) KVN(1) 02 seq(2) cardChallenge(6) cryptogram(8).
struct Scp02InitResponse {
  Bytes kdd;
  uint8_t kvn = 0;
  uint16_t sequence_counter = 0;
  Bytes card_challenge;
  Bytes card_cryptogram;
};
[[nodiscard]] Result<Scp02InitResponse> parse_scp02_init_update_response(ByteView data);

struct Scp02HostOptions {
  uint8_t i = 0x55;                                      // the card's i (not in the response)
  Diversification diversification = Diversification::none;  // keys given are master keys
  bool check_kvn = true;  // error wrong_kvn when the card answers another KVN than requested
};

/// Host side of SCP02 (same flow as Scp03Host).
class Scp02Host final : public SecureChannel {
 public:
  [[nodiscard]] static Result<Scp02Host> create(StaticKeys keys, Scp02HostOptions options = {});

  [[nodiscard]] Result<apdu::Capdu> initialize_update(ByteView host_challenge);
  [[nodiscard]] Result<apdu::Capdu> external_authenticate(const apdu::Rapdu& init_update_response,
                                                          uint8_t level);
  [[nodiscard]] Result<void> check_external_authenticate_response(const apdu::Rapdu& response);
  /// Implicit initiation (i bit 04 clear, e.g. 0A / 1A): opens a C-MAC session (level 01) from the
  /// card's current sequence counter (GET DATA 00C1, or tracked by the caller) and the AID of the
  /// security domain; the first command's ICV is the C-MAC over the AID (i bit 08, else zero).
  [[nodiscard]] Result<void> open_implicit(uint16_t sequence_counter, ByteView sd_aid);

  [[nodiscard]] Result<apdu::Capdu> wrap(const apdu::Capdu& command) override;
  [[nodiscard]] Result<apdu::Rapdu> unwrap(const apdu::Rapdu& response) override;
  [[nodiscard]] Result<Bytes> encrypt_key_block(KeyType type, ByteView key,
                                                Random& random) const override;
  [[nodiscard]] uint8_t security_level() const noexcept override;
  [[nodiscard]] bool authenticated() const noexcept override;
  [[nodiscard]] int protocol() const noexcept override { return 2; }

  [[nodiscard]] const Scp02InitResponse& init_response() const noexcept { return init_; }
  [[nodiscard]] const Scp02SessionKeys& session_keys() const noexcept;
  [[nodiscard]] const Bytes& host_cryptogram() const noexcept { return host_cryptogram_; }
  /// The static keys in use (after diversification).
  [[nodiscard]] const StaticKeys& card_keys() const noexcept { return card_keys_; }

  Scp02Host(Scp02Host&&) noexcept;
  Scp02Host& operator=(Scp02Host&&) noexcept;
  ~Scp02Host() override;

 private:
  struct Session;
  Scp02Host(StaticKeys keys, Scp02HostOptions options);
  StaticKeys keys_;
  StaticKeys card_keys_;
  Scp02HostOptions options_;
  Bytes host_challenge_;
  Scp02InitResponse init_;
  Bytes host_cryptogram_;
  std::unique_ptr<Session> session_;
};

struct Scp02CardConfig {
  StaticKeys keys;
  uint8_t i = 0x55;
  Bytes kdd = Bytes(10, 0x00);
  uint16_t sequence_counter = 0;  // value sent in the next INITIALIZE UPDATE response
};

/// Card side of SCP02. The card challenge always comes from `random` (the pseudo-random
/// algorithm of i bit 40 is not implemented); the sequence counter is incremented after each
/// successful EXTERNAL AUTHENTICATE (§E.4.1: one value per session). With implicit initiation
/// (i bit 04 clear) the first C-MACed command opens the session (and increments the counter).
class Scp02Card final : public CardSecureChannel {
 public:
  [[nodiscard]] static Result<Scp02Card> create(Scp02CardConfig config, Random& random);

  [[nodiscard]] Result<apdu::Rapdu> process_initialize_update(const apdu::Capdu& command) override;
  [[nodiscard]] Result<apdu::Rapdu> process_external_authenticate(
      const apdu::Capdu& command) override;
  [[nodiscard]] Result<apdu::Capdu> unwrap_command(const apdu::Capdu& command) override;
  [[nodiscard]] Result<apdu::Rapdu> wrap_response(const apdu::Rapdu& response) override;
  [[nodiscard]] uint8_t security_level() const noexcept override;
  [[nodiscard]] bool authenticated() const noexcept override;
  [[nodiscard]] Result<Bytes> decrypt_key_block(ByteView block) const override;
  void reset() noexcept override;
  [[nodiscard]] int protocol() const noexcept override { return 2; }

  [[nodiscard]] uint16_t sequence_counter() const noexcept { return config_.sequence_counter; }
  /// Implicit initiation with i bit 08: the first ICV is the C-MAC over this SD AID.
  void set_sd_aid(ByteView aid) { sd_aid_.assign(aid.begin(), aid.end()); }

  Scp02Card(Scp02Card&&) noexcept;
  Scp02Card& operator=(Scp02Card&&) = delete;
  ~Scp02Card() override;

 private:
  struct Session;
  Scp02Card(Scp02CardConfig config, Random& random);
  Scp02CardConfig config_;
  Random& random_;
  Bytes sd_aid_;
  std::unique_ptr<Session> pending_;
  std::unique_ptr<Session> session_;
};

}  // namespace gpram::scp
