// Remote APDU scripts of ETSI TS 102 226 §5: the expanded format (§5.2: Command Scripting
// template AA / AE, Response Scripting template AB / AF; tags from TS 101 220 tables 7.18-7.20)
// that GP Amendment B mandates for HTTP bodies, and the compact format (§5.1) used over SMS.
//
// Expanded command script: AA L {items} | AE 80 {items} 00 00, items
//   22 C-APDU, 81 immediate action, 82 error action, 83 script chaining.
// Expanded response script: AB L 80 n {items} | AF 80 [80 n] {items} 00 00, items
//   23 R-APDU, 90 bad format, 81 immediate action response, 83 script chaining response.
// Lengths are BER (81 xx / 82 xxxx above 127). Inner items always use definite lengths.
// The decoders are strict: every error names the item index and byte offset.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "gpram/apdu/apdu.hpp"

namespace gpram::apdu {

/// Length coding of the expanded templates: AA/AB L ... vs AE/AF 80 ... 00 00.
enum class ScriptForm { definite, indefinite };

// Tags (TS 101 220 tables 7.18-7.20; TS 102 226 §5.2.1 / §5.2.2).
inline constexpr uint8_t kTagCommandScriptDefinite = 0xAA;
inline constexpr uint8_t kTagCommandScriptIndefinite = 0xAE;
inline constexpr uint8_t kTagResponseScriptDefinite = 0xAB;
inline constexpr uint8_t kTagResponseScriptIndefinite = 0xAF;
inline constexpr uint8_t kTagCapdu = 0x22;
inline constexpr uint8_t kTagRapdu = 0x23;
inline constexpr uint8_t kTagImmediateAction = 0x81;
inline constexpr uint8_t kTagErrorAction = 0x82;
inline constexpr uint8_t kTagScriptChaining = 0x83;
inline constexpr uint8_t kTagExecutedCount = 0x80;
inline constexpr uint8_t kTagBadFormat = 0x90;

struct ScriptItem {
  enum class Kind { capdu, immediate_action, error_action, chaining } kind;
  Bytes value;  // raw TLV value (a whole C-APDU for capdu)

  friend bool operator==(const ScriptItem&, const ScriptItem&) = default;
};

struct CommandScript {
  std::vector<ScriptItem> items;
  /// The values of the C-APDU items, in order.
  [[nodiscard]] std::vector<Bytes> capdus() const;

  friend bool operator==(const CommandScript&, const CommandScript&) = default;
};

/// A script holding only these C-APDUs.
[[nodiscard]] CommandScript command_script(std::span<const Bytes> capdus);
[[nodiscard]] Bytes encode_command_script(const CommandScript& script,
                                          ScriptForm form = ScriptForm::definite);
/// Decodes AA L ... or AE 80 ... 00 00. Each C-APDU item must parse as a C-APDU (parse_capdu);
/// the script-chaining item must be one byte.
[[nodiscard]] Result<CommandScript> decode_command_script(ByteView in);

struct ResponseItem {
  enum class Kind {
    rapdu,
    executed_count,
    bad_format,
    immediate_action_response,
    chaining_response
  } kind;
  Bytes value;  // raw TLV value (R-APDU data || SW for rapdu; the integer's bytes for the count)

  friend bool operator==(const ResponseItem&, const ResponseItem&) = default;
};

struct ResponseScript {
  std::vector<ResponseItem> items;
  /// Number of executed commands (tag 80), if present.
  [[nodiscard]] std::optional<uint32_t> executed() const;
  /// The R-APDUs (data || SW), in order.
  [[nodiscard]] std::vector<Bytes> rapdus() const;
  /// The error type of a bad-format item (01 unknown tag, 02 wrong length, 03 length not
  /// found), if present.
  [[nodiscard]] std::optional<uint8_t> bad_format() const;

  friend bool operator==(const ResponseScript&, const ResponseScript&) = default;
};

/// Encodes the items in order. For ScriptForm::definite the caller puts the executed-count item
/// first (TS 102 226 table 5.10); response_script() below does that.
[[nodiscard]] Bytes encode_response_script(const ResponseScript& script,
                                           ScriptForm form = ScriptForm::definite);
/// Decodes AB L 80 n ... (count required, first) or AF 80 [80 n] ... 00 00 (count optional:
/// TS 102 226 table 5.10a has none, some cards send one). R-APDU items need >= 2 bytes; the
/// count is a 1-4 byte unsigned integer; 90 / 81 / 83 carry one byte.
[[nodiscard]] Result<ResponseScript> decode_response_script(ByteView in);
/// A response script for these R-APDUs: count item (= `executed`, default the R-APDU count)
/// first, then the R-APDUs. `with_count` = false leaves the count out (AF style).
[[nodiscard]] ResponseScript response_script(std::span<const Bytes> rapdus,
                                             std::optional<uint32_t> executed = std::nullopt,
                                             bool with_count = true);

/// The bad-format error type (TS 102 226 table 5.12) a card reports for a command script that
/// decode_command_script() rejected with `e`: 01 unknown tag (unknown item or template tag),
/// 03 length not found (input ends where a length is expected), 02 wrong length (the rest).
[[nodiscard]] uint8_t bad_format_code(const Error& e) noexcept;

/// Meanings of the one-byte response items (TS 102 226 tables 5.12, 5.14, 5.16) and of the
/// script-chaining command item (§5.2.1.4); "unknown" otherwise.
[[nodiscard]] std::string_view bad_format_name(uint8_t v) noexcept;
[[nodiscard]] std::string_view immediate_action_response_name(uint8_t v) noexcept;
[[nodiscard]] std::string_view chaining_response_name(uint8_t v) noexcept;
[[nodiscard]] std::string_view chaining_name(uint8_t v) noexcept;

// ---- compact format (TS 102 226 §5.1; SMS only) --------------------------------------------

/// The C-APDUs concatenated.
[[nodiscard]] Bytes encode_compact_command(std::span<const Bytes> capdus);
/// Splits a concatenation of short C-APDUs in the T=0 TPDU style of the compact format
/// (CLA INS P1 P2 P3 [data]: P3 is Lc or Le). Among the splits that consume the whole input the
/// decoder prefers, command by command: P3 as Lc (case 3), P3 as Le (case 2), Lc + data + Le
/// (case 4, which the compact format normally leaves out). A case-1 command is written with
/// P3 = 00 (read back as case 2, Le 256). Several case-4 commands with Le in one compact script can be ambiguous.
/// Errors name the offset after the longest prefix that splits.
[[nodiscard]] Result<std::vector<Capdu>> decode_compact_command(ByteView in);

/// Compact response: executed count (1) || last SW (2) || last response data.
struct CompactResponse {
  uint8_t executed = 0;
  uint16_t last_sw = 0;
  Bytes last_data;

  friend bool operator==(const CompactResponse&, const CompactResponse&) = default;
};
[[nodiscard]] Bytes encode_compact_response(const CompactResponse& r);
[[nodiscard]] Result<CompactResponse> decode_compact_response(ByteView in);

}  // namespace gpram::apdu
