// Card side of the secure channel protocols: SCP03 (GP Card Spec v2.3 Amendment D v1.1.1 §6) and
// SCP02 (GP Card Spec v2.3 Annex E), as one session per logical channel. Implemented over
// gpram::scp's Scp03Card / Scp02Card in scp_adapter.cpp.
#pragma once

#include <cstdint>
#include <memory>

#include "gpram/apdu/apdu.hpp"
#include "gpram/base/bytes.hpp"
#include "gpram/base/clock.hpp"

namespace gpram::card {

/// Static keys of the key set named by INITIALIZE UPDATE.
struct StaticKeys {
  uint8_t kvn = 0;
  Bytes enc, mac, dek;
};

/// One secure channel session on one logical channel.
class CardSession {
 public:
  virtual ~CardSession() = default;
  /// INITIALIZE UPDATE: the response data (no SW). `sequence_counter` is the value to report.
  [[nodiscard]] virtual Result<Bytes> initialize_update(ByteView host_challenge,
                                                        uint32_t sequence_counter,
                                                        Random& random) = 0;
  /// EXTERNAL AUTHENTICATE (the command as received, CLA 84): checks the host cryptogram and
  /// the C-MAC, then the session is authenticated at P1.
  [[nodiscard]] virtual Result<void> external_authenticate(const apdu::Capdu& cmd) = 0;
  /// Verifies the C-MAC and removes C-DECRYPTION; returns the plain command (CLA without b3).
  [[nodiscard]] virtual Result<apdu::Capdu> unwrap(const apdu::Capdu& cmd) = 0;
  /// Applies R-ENC / R-MAC to response data per the level.
  [[nodiscard]] virtual Bytes wrap(ByteView data, uint16_t sw, bool corrupt_mac) = 0;
  /// Decrypts key material of PUT KEY with the DEK (static for SCP03, session for SCP02).
  [[nodiscard]] virtual Result<Bytes> decrypt_key(ByteView data) = 0;
  [[nodiscard]] virtual size_t key_block() const noexcept = 0;

  [[nodiscard]] bool authenticated() const noexcept { return authenticated_; }
  [[nodiscard]] uint8_t level() const noexcept { return level_; }

 protected:
  bool authenticated_ = false;
  uint8_t level_ = 0;
};

[[nodiscard]] std::unique_ptr<CardSession> make_scp03_session(StaticKeys keys, Bytes kdd,
                                                              uint8_t i, Bytes sd_aid);
[[nodiscard]] std::unique_ptr<CardSession> make_scp02_session(StaticKeys keys, Bytes kdd,
                                                              uint8_t i);

/// Security-level bits (GP 2.3 Table 10-1).
inline constexpr uint8_t kCMac = 0x01;
inline constexpr uint8_t kCDec = 0x02;
inline constexpr uint8_t kRMac = 0x10;
inline constexpr uint8_t kREnc = 0x20;

/// Error categories reused by the sessions (message only matters; the card answers 6982).
[[nodiscard]] Unexpected scp_fail(std::string message);

}  // namespace gpram::card
