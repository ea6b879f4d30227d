// GlobalPlatform secure channels (SCP02, SCP03): the common abstraction shared by the host
// (server) side and the card side. Sans-IO: every object only builds and checks APDUs; the
// caller moves them. Randomness is passed in as gpram::Random&.
//
// References: GP Card Specification v2.2 §10.7 / Appendix E (SCP02), GP Card Specification v2.2
// Amendment D v1.1.x (SCP03), GP Card Specification v2.3 §11.8 (PUT KEY).
#pragma once

#include <cstdint>
#include <string>

#include "gpram/apdu/apdu.hpp"
#include "gpram/base/bytes.hpp"
#include "gpram/base/clock.hpp"

namespace gpram::scp {

enum class Errc {
  bad_key = 1,               // static/session key of a wrong length for the protocol
  bad_init_update_response,  // INITIALIZE UPDATE response malformed (length, SCP id, i)
  wrong_kvn,                 // key version number differs from the one requested / held
  unsupported_level,         // security level unknown or not allowed with this i parameter
  unsupported_option,        // i parameter / S-mode / key type not supported
  card_cryptogram_mismatch,  // host side: card cryptogram does not verify
  host_cryptogram_mismatch,  // card side: host cryptogram in EXTERNAL AUTHENTICATE wrong
  bad_cmac,                  // card side: C-MAC of a command does not verify
  bad_rmac,                  // host side: R-MAC of a response does not verify
  bad_padding,               // decrypted data without 80 00.. padding
  bad_command,               // malformed command (wrong INS/CLA, no room for the MAC ...)
  bad_response,              // malformed response (shorter than its MAC ...)
  not_authenticated,         // wrap/unwrap before the handshake completed
  bad_state,                 // command out of sequence (EXTERNAL AUTHENTICATE twice ...)
  data_too_long,             // the wrapped command would not fit an APDU
  crypto_failure,            // the crypto seam reported an error (should not happen)
};

}  // namespace gpram::scp

GPRAM_DECLARE_ERRC(gpram::scp);

namespace gpram::scp {

// ---- security level (GP CS v2.2 §E.5.2.3 for SCP02, Amd D §5.1 for SCP03) ----------------
inline constexpr uint8_t kLevelCMac = 0x01;
inline constexpr uint8_t kLevelCDec = 0x02;
inline constexpr uint8_t kLevelRMac = 0x10;
inline constexpr uint8_t kLevelREnc = 0x20;

/// Valid levels: 00, 01, 03, 11, 13, 33 (33 for SCP03 only). Error unsupported_level otherwise.
[[nodiscard]] Result<uint8_t> check_security_level(uint8_t level, bool allow_renc);

/// Static key set of a security domain (KVN and ENC/MAC/DEK; AES 16/24/32 or 3DES 16 bytes).
struct StaticKeys {
  uint8_t kvn = 0;
  Bytes enc;
  Bytes mac;
  Bytes dek;
};

/// Key types of PUT KEY (GP CS v2.3 Table 11-16, Amd B Table 3-11).
enum class KeyType : uint8_t {
  des = 0x80,
  psk_tls = 0x85,
  aes = 0x88,
};

/// Host side of a secure channel (the server / offline tooling). After the handshake (see the
/// concrete classes), wrap() protects commands and unwrap() checks/decrypts their responses.
/// Each unwrap() belongs to the command last wrapped (MAC chaining, encryption counter).
class SecureChannel {
 public:
  virtual ~SecureChannel() = default;
  /// Applies C-MAC / C-ENC per the security level; error not_authenticated before the handshake.
  [[nodiscard]] virtual Result<apdu::Capdu> wrap(const apdu::Capdu& command) = 0;
  /// Verifies R-MAC and removes R-ENC per the security level (error bad_rmac / bad_padding).
  [[nodiscard]] virtual Result<apdu::Rapdu> unwrap(const apdu::Rapdu& response) = 0;
  /// The PUT KEY key-data block (type, length(s), encrypted key, KCV) for `key` of `type`,
  /// encrypted with the channel's DEK (SCP03: static DEK, AES-CBC IV 0; SCP02: session DEK,
  /// 3DES-ECB). PSK keys (85) follow Amd B Table 3-11 with random padding taken from `random`.
  [[nodiscard]] virtual Result<Bytes> encrypt_key_block(KeyType type, ByteView key,
                                                        Random& random) const = 0;
  [[nodiscard]] virtual uint8_t security_level() const noexcept = 0;
  [[nodiscard]] virtual bool authenticated() const noexcept = 0;
  /// 2 for SCP02, 3 for SCP03.
  [[nodiscard]] virtual int protocol() const noexcept = 0;
};

/// Card side of a secure channel (the virtual card). Feed it INITIALIZE UPDATE and EXTERNAL
/// AUTHENTICATE, then every command through unwrap_command() and every response through
/// wrap_response(). Errors are returned as values; the caller answers with a status word
/// (suggested: status_word_for(error)) and should then reset() the channel as a card does.
class CardSecureChannel {
 public:
  virtual ~CardSecureChannel() = default;
  /// INITIALIZE UPDATE (80 50 KVN 00 hostCh) -> response data + 9000.
  [[nodiscard]] virtual Result<apdu::Rapdu> process_initialize_update(const apdu::Capdu& command) = 0;
  /// EXTERNAL AUTHENTICATE (84 82 level 00 hostCryptogram C-MAC) -> 9000; opens the session.
  [[nodiscard]] virtual Result<apdu::Rapdu> process_external_authenticate(
      const apdu::Capdu& command) = 0;
  /// Verifies the C-MAC and decrypts a command of the open session; returns the plain command
  /// (CLA with the secure-messaging bit cleared). Commands without SM bit are rejected when the
  /// level requires C-MAC.
  [[nodiscard]] virtual Result<apdu::Capdu> unwrap_command(const apdu::Capdu& command) = 0;
  /// Adds R-ENC / R-MAC per the level to the response of the command last unwrapped.
  [[nodiscard]] virtual Result<apdu::Rapdu> wrap_response(const apdu::Rapdu& response) = 0;
  [[nodiscard]] virtual uint8_t security_level() const noexcept = 0;
  [[nodiscard]] virtual bool authenticated() const noexcept = 0;
  /// Decrypts a PUT KEY key-data block made by SecureChannel::encrypt_key_block (returns the
  /// plain key after checking the KCV).
  [[nodiscard]] virtual Result<Bytes> decrypt_key_block(ByteView block) const = 0;
  /// Ends the session (after an error or a new SELECT).
  virtual void reset() noexcept = 0;
  [[nodiscard]] virtual int protocol() const noexcept = 0;
};

/// The status word a card answers when a secure-channel error happens (6982 security status,
/// 6988 incorrect SM data objects for MAC errors, 6A88 referenced data not found for a KVN,
/// 6985 conditions of use, 6700 wrong length, 6A86 wrong P1P2 for levels).
[[nodiscard]] uint16_t status_word_for(const Error& error) noexcept;

// ---- APDU wire format used by the channels: libs/apdu's codec with this library's errors ------
/// Serialises a command (short form when it fits and `extended` is false).
[[nodiscard]] Bytes encode_capdu(const apdu::Capdu& command);
/// Parses a command APDU (cases 1-4, short and extended).
[[nodiscard]] Result<apdu::Capdu> parse_capdu(ByteView bytes);
/// data || SW1 SW2.
[[nodiscard]] Bytes encode_rapdu(const apdu::Rapdu& response);
/// Splits data || SW (at least 2 bytes).
[[nodiscard]] Result<apdu::Rapdu> parse_rapdu(ByteView bytes);

}  // namespace gpram::scp
