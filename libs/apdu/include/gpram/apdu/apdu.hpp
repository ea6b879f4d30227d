// Command and response APDUs (ISO/IEC 7816-4:2013 §5.1 cases 1-4, short and extended), the
// 61xx / 6Cxx response handling of ISO/IEC 7816-4 §5.3.4 / ISO/IEC 7816-3 §12.2.2, and the
// logical-channel bits of the class byte (ISO/IEC 7816-4 §5.4.1, GlobalPlatform Card Spec
// §11.1.4: CLA 80/84 on channels 0-3, C0/E0 on channels 4-19).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "gpram/base/bytes.hpp"

namespace gpram::apdu {

enum class Errc {
  too_short = 1,       // fewer than 4 header bytes
  bad_length,          // Lc / Le inconsistent with the buffer (names the case it tried)
  data_too_long,       // more data than the chosen encoding can carry
  bad_status_word,     // R-APDU shorter than 2 bytes
  bad_template,        // script: wrong or missing outer template tag / length form
  unknown_tag,         // script: an item tag the format does not define
  truncated,           // script: input ends inside the script or one of its items
  missing_terminator,  // script: indefinite template without its 00 00 end-of-contents
  trailing_data,       // script: bytes after the end of the script
  bad_item,            // script: an item whose value is malformed (C-APDU, R-APDU, counts)
  bad_encoding,        // script: malformed BER tag or length field inside the script
  missing_length,      // script: input ends where a length field is expected
};

}  // namespace gpram::apdu

GPRAM_DECLARE_ERRC(gpram::apdu);

namespace gpram::apdu {

/// A command APDU. `le` absent = no Le field; le == 0 with short encoding means "256"
/// (Le byte 00); `ne()` gives the expected count.
struct Capdu {
  uint8_t cla = 0;
  uint8_t ins = 0;
  uint8_t p1 = 0;
  uint8_t p2 = 0;
  Bytes data;
  std::optional<uint32_t> le;  // Ne as a number: 1..65536; 256 / 65536 written as 00 / 0000
  bool extended = false;       // force extended length encoding

  /// ISO 7816-4 case 1..4.
  [[nodiscard]] int iso_case() const noexcept {
    return data.empty() ? (le ? 2 : 1) : (le ? 4 : 3);
  }
  /// Expected response length Ne (0 when there is no Le field; le == 0 read as the maximum).
  [[nodiscard]] uint32_t ne() const noexcept {
    if (!le) return 0;
    if (*le == 0) return uses_extended() ? 65536u : 256u;
    return *le;
  }
  /// True when encode() writes the extended form (forced, or data / Le too big for short).
  [[nodiscard]] bool uses_extended() const noexcept {
    return extended || data.size() > 255 || (le && *le > 256);
  }

  friend bool operator==(const Capdu&, const Capdu&) = default;
};

/// A response APDU: data followed by SW1 SW2.
struct Rapdu {
  Bytes data;
  uint16_t sw = 0;

  [[nodiscard]] uint8_t sw1() const noexcept { return static_cast<uint8_t>(sw >> 8); }
  [[nodiscard]] uint8_t sw2() const noexcept { return static_cast<uint8_t>(sw); }
  [[nodiscard]] bool ok() const noexcept { return sw == 0x9000; }

  friend bool operator==(const Rapdu&, const Rapdu&) = default;
};

// ---- C-APDU / R-APDU codec (ISO/IEC 7816-4 §5.1) -------------------------------------------

/// A parsed C-APDU whose data is a view into the input (no allocation).
struct CapduView {
  uint8_t cla = 0;
  uint8_t ins = 0;
  uint8_t p1 = 0;
  uint8_t p2 = 0;
  ByteView data;
  std::optional<uint32_t> le;
  bool extended = false;
};

/// parse_capdu() without copying the data.
[[nodiscard]] Result<CapduView> parse_capdu_view(ByteView in);

/// Parses a C-APDU, detecting the case from the length bytes:
///   4 bytes: case 1; 5 bytes: case 2S; B5 != 00: short Lc (case 3S / 4S);
///   B5 == 00 and at least 7 bytes: extended (case 2E / 3E / 4E).
/// Strict: any other size is rejected (Errc::bad_length) with a message naming the Lc / Le
/// found and the sizes that would have been consistent. Le 00 / 0000 come back as 256 / 65536;
/// `extended` is set when the input used the extended form.
[[nodiscard]] Result<Capdu> parse_capdu(ByteView in);

/// Encodes a C-APDU: short form when everything fits (Nc <= 255, Ne <= 256) unless `extended`.
/// Checks (GPRAM_CHECK) that data <= 65535 bytes and Le <= 65536: use encode_checked() for
/// values that come from outside.
[[nodiscard]] Bytes encode(const Capdu& c);
/// encode() that reports oversized data / Le as Errc::data_too_long instead of aborting.
[[nodiscard]] Result<Bytes> encode_checked(const Capdu& c);

/// Parses an R-APDU (data || SW1 SW2); fewer than 2 bytes is Errc::bad_status_word.
[[nodiscard]] Result<Rapdu> parse_rapdu(ByteView in);
[[nodiscard]] Bytes encode(const Rapdu& r);

// ---- status words (sw.cpp) -------------------------------------------------------------------

/// Short meaning of a status word: ISO/IEC 7816-4 §5.6 tables 5-6, GlobalPlatform Card Spec
/// (6310, 9484, 9485 ...), ETSI TS 102 221 (91xx, 9Fxx) and TS 102 226 (62F1). Families:
/// 61xx, 6Cxx, 63Cx, 9Fxx, 91xx; falls back to the SW1 group ("warning (state unchanged)").
/// "unknown status word" when nothing matches.
[[nodiscard]] std::string_view sw_name(uint16_t sw) noexcept;
/// "6A82 (application not found)"; families include their parameter: "6110 (16 more bytes
/// available, use GET RESPONSE)".
[[nodiscard]] std::string sw_describe(uint16_t sw);
/// Name of a common ISO / GlobalPlatform / ETSI instruction ("SELECT", "GET STATUS"), or "".
[[nodiscard]] std::string_view ins_name(uint8_t cla, uint8_t ins) noexcept;

// ---- 61xx / 6Cxx (ISO/IEC 7816-4 §5.3.4, 7816-3 §12.2.2) --------------------------------------

/// The command to send after `got` answered `sent`, or nullopt if none is needed:
///  - SW 61xx: GET RESPONSE 0X C0 00 00 xx, keeping the logical-channel bits of sent.cla
///    (xx = 00 means 256);
///  - SW 6Cxx: `sent` again with Le = xx (00 = 256);
///  - SW 9Fxx after a CLA A0 (GSM 11.11) command: GET RESPONSE A0 C0 00 00 xx.
[[nodiscard]] std::optional<Capdu> follow_up(const Capdu& sent, const Rapdu& got);

/// Collects the response to one logical command across 61xx / 6Cxx rounds:
///   ResponseChain chain(cmd);
///   for (auto next = chain.feed(rapdu); next; next = chain.feed(send(*next))) {...}
/// The data of every 61xx answer is concatenated with the data of the final answer; the result
/// carries the final status word. A bound on rounds and bytes protects against a looping card.
class ResponseChain {
 public:
  explicit ResponseChain(Capdu sent, size_t max_rounds = 64, size_t max_bytes = 1u << 20)
      : sent_(std::move(sent)), max_rounds_(max_rounds), max_bytes_(max_bytes) {}

  /// Feeds the answer to the last command sent. Returns the next command to send, nullopt when
  /// complete, or Errc::bad_length when the bounds are exceeded.
  [[nodiscard]] Result<std::optional<Capdu>> feed(const Rapdu& got);
  [[nodiscard]] bool done() const noexcept { return done_; }
  /// The accumulated response (valid once done()).
  [[nodiscard]] const Rapdu& result() const noexcept { return result_; }
  [[nodiscard]] size_t rounds() const noexcept { return rounds_; }

 private:
  Capdu sent_;
  size_t max_rounds_;
  size_t max_bytes_;
  size_t rounds_ = 0;
  bool done_ = false;
  Rapdu result_;
};

// ---- logical channels (ISO/IEC 7816-4 §5.4.1) ------------------------------------------------

/// Logical channel number (0-19) encoded in a class byte: first interindustry form (b7 = 0):
/// b2b1 = 0..3; further interindustry form (b7 = 1): 4 + b4..b1.
[[nodiscard]] constexpr unsigned cla_channel(uint8_t cla) noexcept {
  return (cla & 0x40) ? 4u + (cla & 0x0Fu) : (cla & 0x03u);
}
/// True when the class byte announces secure messaging (first form b4b3 != 00, further b6).
[[nodiscard]] constexpr bool cla_secure_messaging(uint8_t cla) noexcept {
  return (cla & 0x40) ? (cla & 0x20) != 0 : (cla & 0x0C) != 0;
}
/// The class byte moved to `channel` (0-19), keeping b8 (proprietary class, e.g. GP 80), the
/// chaining bit b5 and the secure-messaging indication (first form 04 / 08 <-> further 20; a
/// proprietary class maps SM to 04 like GP's 84, an interindustry one to 08). nullopt above 19.
[[nodiscard]] std::optional<uint8_t> with_channel(uint8_t cla, unsigned channel) noexcept;

}  // namespace gpram::apdu
