// SCP80: secured packets of ETSI TS 102 225 (§5) in the SMS-PP dialect of 3GPP TS 31.115 (§4-7).
//
//   Command packet: CPL(2) CHL(1) SPI(2) KIc KID TAR(3) | CNTR(5) PCNTR [RC|CC] data [pad]
//   Response (PoR): [02 71 00] RPL(2) RHL TAR(3) | CNTR(5) PCNTR STS [RC|CC] data [pad]
//
// Sans-IO: bytes in, bytes out; keys and counters are passed in. The server side builds command
// packets and opens PoRs; the card side opens command packets (checking TAR, RC/CC and the
// counter rules of SPI1 b5b4 through a CounterPolicy) and builds PoRs. Conventions followed
// where the spec leaves freedom are listed in docs/protocols/scp80.md.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "gpram/base/bytes.hpp"

namespace gpram::scp80 {

enum class Errc {
  truncated = 1,       // packet shorter than its fixed header / announced length
  bad_length,          // CPL / CHL / RPL / RHL inconsistent with the bytes present
  bad_header,          // reserved SPI/KIc/KID coding or an SPI option that cannot be honoured
  unsupported,         // DS, proprietary or implicit algorithms
  bad_key,             // key length does not fit the algorithm
  bad_padding,         // PCNTR larger than the data or ciphered part not block-aligned
  checksum_mismatch,   // RC/CC failed (PoR status 01)
  counter_low,         // PoR status 02
  counter_high,        // PoR status 03
  counter_blocked,     // PoR status 04
  unknown_tar,         // PoR status 09
  too_long,            // packet does not fit the transport (CPL > 0xFFFF, more than 255 SMS)
  bad_udh,             // SMS user data header malformed
  bad_segment,         // concatenated SMS segment inconsistent / duplicate / out of range
  bad_tpdu,            // SMS TPDU malformed
};

}  // namespace gpram::scp80

GPRAM_DECLARE_ERRC(gpram::scp80);

namespace gpram::scp80 {

using Tar = std::array<uint8_t, 3>;

/// TS 102 225 §5.1.1 SPI1 b2b1 / SPI2 b4b3.
enum class Integrity : uint8_t { none = 0, rc = 1, cc = 2, ds = 3 };
/// TS 102 225 §5.1.1 SPI1 b5b4.
enum class CounterMode : uint8_t { none = 0, no_check = 1, higher = 2, next = 3 };
/// TS 102 225 §5.1.1 SPI2 b2b1.
enum class PorMode : uint8_t { none = 0, always = 1, on_error = 2 };

/// The Security Parameter Indicator (TS 102 225 §5.1.1), both bytes.
struct Spi {
  Integrity integrity = Integrity::none;
  bool ciphered = false;
  CounterMode counter = CounterMode::none;
  PorMode por = PorMode::none;
  Integrity por_integrity = Integrity::none;
  bool por_ciphered = false;
  bool por_by_submit = false;  // SPI2 b6: PoR via SMS-SUBMIT (else SMS-DELIVER-REPORT)

  /// Decodes SPI1/SPI2; reserved codings (SPI2 b2b1 = 11, set bits b8b7b6 / b8b7) are errors.
  [[nodiscard]] static Result<Spi> decode(uint8_t spi1, uint8_t spi2);
  [[nodiscard]] uint8_t spi1() const noexcept;
  [[nodiscard]] uint8_t spi2() const noexcept;
  friend bool operator==(const Spi&, const Spi&) = default;
};

/// KIc algorithms (TS 102 225 §5.1.2, low nibble of KIc).
enum class CipherAlg : uint8_t {
  des_cbc = 0x1,    // b4b3 00, b2b1 01
  tdes2_cbc = 0x5,  // 01 01
  tdes3_cbc = 0x9,  // 10 01
  des_ecb = 0xD,    // 11 01
  aes_cbc = 0x2,    // 00 10
};
/// KID algorithms (TS 102 225 §5.1.3.1 for CC, §5.1.3.2 for RC), low nibble of KID.
enum class CheckAlg : uint8_t { des_cbc_mac, tdes2_cbc_mac, tdes3_cbc_mac, aes_cmac, crc16, crc32 };

[[nodiscard]] Result<CipherAlg> cipher_alg(uint8_t kic);
[[nodiscard]] Result<CheckAlg> check_alg(uint8_t kid, Integrity integrity);
/// Length of the RC/CC field: 2 (CRC16), 4 (CRC32), 8 (CC); 0 for Integrity::none.
[[nodiscard]] Result<size_t> checksum_length(uint8_t kid, Integrity integrity);

/// One OTA keyset: the KIc/KID bytes (key index in the high nibble, algorithm in the low one),
/// their keys and the TAR of the receiving application.
struct Keyset {
  uint8_t kic = 0;
  uint8_t kid = 0;
  Bytes kic_key;
  Bytes kid_key;
  Tar tar{};
};

inline constexpr uint64_t kCounterMax = 0xFFFFFFFFFFull;  // 5-byte counter
inline constexpr size_t kCommandHeaderSize = 21;         // CPL..PCNTR without RC/CC
inline constexpr size_t kPorHeaderSize = 13;             // RPL..STS without RC/CC

/// Header of a command packet, readable without keys (the card uses it to find the keyset).
struct CommandHeader {
  uint16_t cpl = 0;
  uint8_t chl = 0;
  Spi spi;
  uint8_t kic = 0;
  uint8_t kid = 0;
  Tar tar{};
};

/// A command packet after deciphering.
struct Command {
  CommandHeader header;
  uint64_t counter = 0;
  uint8_t pcntr = 0;
  Bytes checksum;        // RC/CC as received
  bool checksum_valid = true;  // true when no RC/CC is used
  Bytes expected_checksum;     // what the keys give (empty when none)
  Bytes data;                  // secured data without padding
};

/// Builds a command packet (server side), from CPL on, without UDH (TS 102 225 §5.1, TS 31.115
/// §4.2). The counter is written as given (it is the caller's per-keyset state).
[[nodiscard]] Result<Bytes> encode_command(const Keyset& keys, const Spi& spi, uint64_t counter,
                                           ByteView data);

/// Reads CPL..TAR and checks CPL against the packet length.
[[nodiscard]] Result<CommandHeader> parse_command_header(ByteView packet);

/// Deciphers a command packet and computes its RC/CC; does not fail on a wrong checksum (see
/// Command::checksum_valid) so tools can show it. Fails on malformed packets.
[[nodiscard]] Result<Command> decode_command(ByteView packet, const Keyset& keys);

/// Card-side replay state of one keyset (TS 102 225 §5.1.1 SPI1 b5b4, §5.1.2 CNTR).
class CounterPolicy {
 public:
  explicit CounterPolicy(uint64_t last = 0) noexcept : last_(last) {}
  /// Checks a received counter: none/no_check accept anything; `higher` needs > last; `next`
  /// needs last + 1 (lower/equal -> counter_low, beyond -> counter_high); a stored value at
  /// the 5-byte maximum blocks every counted packet (counter_blocked).
  [[nodiscard]] Result<void> check(CounterMode mode, uint64_t received) const;
  /// Records an accepted packet's counter (the stored value never decreases).
  void commit(CounterMode mode, uint64_t received) noexcept;
  [[nodiscard]] uint64_t last() const noexcept { return last_; }

 private:
  uint64_t last_;
};

/// A keyset as the card holds it.
struct CardKeyset {
  Keyset keys;
  CounterPolicy counter;
};

/// Card side: finds the keyset by TAR (and KIc/KID key indexes), deciphers, verifies RC/CC
/// and the counter; on success commits the counter. Errors carry the Errc that maps to the
/// PoR status (por_status()).
[[nodiscard]] Result<Command> open_command(ByteView packet, std::span<CardKeyset> keysets);

/// Response status codes (TS 102 225 §5.2.2 Table 5, TS 31.115 §7).
enum class Status : uint8_t {
  ok = 0x00,
  checksum_failed = 0x01,
  counter_low = 0x02,
  counter_high = 0x03,
  counter_blocked = 0x04,
  ciphering_error = 0x05,
  security_error = 0x06,
  insufficient_memory = 0x07,
  more_time = 0x08,
  tar_unknown = 0x09,
  insufficient_security = 0x0A,
  response_by_submit = 0x0B,
  response_by_ussd = 0x0C,
};

/// The PoR status for an error of open_command().
[[nodiscard]] Status por_status(const Error& e) noexcept;

/// A PoR after deciphering.
struct Por {
  uint16_t rpl = 0;
  uint8_t rhl = 0;
  Tar tar{};
  uint64_t counter = 0;
  uint8_t pcntr = 0;
  uint8_t status = 0;
  Bytes checksum;
  bool checksum_valid = true;
  Bytes expected_checksum;
  Bytes data;  // without padding
  /// false when the card answered an error status in clear without the RC/CC (and ciphering)
  /// SPI2 asked for, as real cards do (osmocom/pysim docs/smpp-ota-tool.rst: status 06 PoR
  /// 027100000B0AB0001000000000000006). Such a PoR is unauthenticated: checksum_valid is false.
  bool secured = true;
};

/// Builds a PoR (card side) with the RC/CC and ciphering asked for by the command's SPI2.
/// `with_udh` prefixes 02 71 00 (the RC/CC always covers it, TS 31.115 §6).
[[nodiscard]] Result<Bytes> encode_por(const Keyset& keys, const Spi& command_spi, uint64_t counter,
                                       Status status, ByteView data, bool with_udh = true);

/// Server side: deciphers a PoR (with or without its 02 71 00 UDH) and computes its RC/CC
/// (see Por::checksum_valid). `command_spi` is the SPI of the command that asked for it.
[[nodiscard]] Result<Por> decode_por(ByteView user_data, const Keyset& keys,
                                     const Spi& command_spi);
/// decode_por() that fails with checksum_mismatch when the RC/CC is wrong (an unsecured error
/// PoR, Por::secured == false, is returned as is: it can only report a failure).
[[nodiscard]] Result<Por> open_por(ByteView user_data, const Keyset& keys, const Spi& command_spi);

/// "0000000005" (the form used in messages and JSON).
[[nodiscard]] std::string counter_hex(uint64_t counter);

}  // namespace gpram::scp80
