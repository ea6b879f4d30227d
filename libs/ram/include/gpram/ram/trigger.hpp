// Administration session triggering parameters of GP Card Spec v2.2 Amendment B (v1.1.3 §3.7,
// Table 3-3; v1.2 §3.8), the secured data of an SCP80 push (tag 81) and the parameters an SD
// stores (tag 85 whole set / A5 per-element update, read back with GET DATA 00 85).
//
//   81 L                         triggering parameters (L may be 0: "use what is stored")
//     83 L                       administration session parameters
//       84 L <COMPR-TLVs>        RAS connection parameters (OPEN CHANNEL TLVs, TS 102 223 §6.6.27)
//       85 L n <PSK-ID> 02 <KVN> <KID> [<SHA type>]   security parameters (or A5 {85}+, v1.2)
//       86 L <count 2B> <Timer-Value TLV 25|A5 03 hh mm ss> [<report failure data>]
//       89 L { 8A host, 8B agent id, 8C URI }          HTTP POST parameters
//     B3 L                       DNS resolution parameters (v1.2), kept raw
//
// Of the two key bytes in 85 the FIRST is the KVN and the SECOND the KID (AmdB §3.7.3; same
// field order in osmocom/pysim pySim/global_platform/http.py and bagyenda/njiwa RamHttp.java).
// Strict decoders: unknown or repeated tags, bad lengths and trailing bytes are errors naming
// the tag and offset.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "gpram/base/bytes.hpp"

namespace gpram::ram {

enum class Errc {
  malformed_tlv = 1,  // BER/COMPREHENSION-TLV structure broken (truncated, overrunning length)
  unexpected_tag,     // a tag not allowed at that level
  duplicate_tag,      // a tag that may appear once appears twice
  bad_value,          // value of a known tag malformed
  trailing_data,      // bytes after the outer TLV
};

}  // namespace gpram::ram

GPRAM_DECLARE_ERRC(gpram::ram);

namespace gpram::ram {

/// TS 102 223 §8.59 UICC/terminal interface transport level: protocol type and port.
struct TransportLevel {
  uint8_t protocol = 0;  // 01 UDP client remote, 02 TCP client remote, 03 TCP server, ...
  uint16_t port = 0;
  friend bool operator==(const TransportLevel&, const TransportLevel&) = default;
};

/// TS 102 223 §8.58 Other address: type 21 = IPv4, 57 = IPv6.
struct OtherAddress {
  uint8_t type = 0x21;
  Bytes address;
  friend bool operator==(const OtherAddress&, const OtherAddress&) = default;
};

/// Tag 84: the OPEN CHANNEL COMPREHENSION-TLVs the card uses to reach the RAS. Known tags are
/// decoded (CR set or clear); any other COMPREHENSION-TLV is kept raw in `other`, in order.
/// Encoding writes the CR-set forms (B5 B9 C7 BC BE) as pySim's cat.py and a live card do.
struct ConnectionParams {
  std::optional<Bytes> bearer;              // 35: bearer type + parameters (03 = default)
  std::optional<uint16_t> buffer_size;      // 39
  std::optional<std::string> apn;           // 47: dotted form of the label-encoded APN
  std::optional<TransportLevel> transport;  // 3C
  std::optional<OtherAddress> destination;  // 3E
  std::vector<Bytes> other;                 // other COMPREHENSION-TLVs, raw
  friend bool operator==(const ConnectionParams&, const ConnectionParams&) = default;
};

/// Tag 85 (AmdB §3.7.3 / v1.2 §3.8.2).
struct SecurityParams {
  Bytes psk_identity;
  uint8_t kvn = 0;
  uint8_t kid = 0;
  std::optional<uint8_t> sha_type;  // TLS 1.3 only (v1.2)
  friend bool operator==(const SecurityParams&, const SecurityParams&) = default;
};

/// Tag 86 (AmdB §3.7.4 / v1.2 §3.8.3). The delay is the full Timer-Value COMPREHENSION-TLV
/// (TS 102 223 §8.38); its three value bytes are kept as sent: Njiwa and pySim write hh mm ss
/// in binary, BCD is not confirmed (docs/protocols/amdb-trigger.md).
struct RetryPolicy {
  uint16_t count = 0;
  uint8_t timer_tag = 0x25;  // 25 or A5 (CR set)
  std::array<uint8_t, 3> delay{};
  std::optional<Bytes> report_failure;  // OMA SCWS §13.3.2.9.7 data, raw (Njiwa: 87 00)
  friend bool operator==(const RetryPolicy&, const RetryPolicy&) = default;
};

/// Tag 89: 8A Host (-> Host header), 8B agent id (-> X-Admin-From), 8C first URI.
struct HttpPostParams {
  std::optional<std::string> host;
  std::optional<std::string> agent_id;
  std::optional<std::string> uri;
  friend bool operator==(const HttpPostParams&, const HttpPostParams&) = default;
};

/// Tag 83 content (and the content of the stored 85 set).
struct SessionParams {
  std::optional<ConnectionParams> connection;
  std::vector<SecurityParams> security;  // one -> 85; extended_security -> A5 { 85 ... }
  bool extended_security = false;
  std::optional<RetryPolicy> retry;
  std::optional<HttpPostParams> http_post;
  friend bool operator==(const SessionParams&, const SessionParams&) = default;
};

/// Tag 81 content.
struct TriggerParams {
  std::optional<SessionParams> session;  // 83
  std::optional<Bytes> dns;              // B3 value, raw (v1.2)
  friend bool operator==(const TriggerParams&, const TriggerParams&) = default;
};

/// Encodes the `81` TLV.
[[nodiscard]] Result<Bytes> encode_trigger(const TriggerParams& p);
/// Decodes one `81` TLV filling the whole input.
[[nodiscard]] Result<TriggerParams> decode_trigger(ByteView in);

/// Sub-TLVs of tag 83 / of the stored set (84 85|A5 86 89), without a wrapper.
[[nodiscard]] Result<Bytes> encode_session_params(const SessionParams& p);
[[nodiscard]] Result<SessionParams> decode_session_params(ByteView content);

/// Stored form: `85 L <sub-TLVs>` (install parameters, STORE DATA, GET DATA 00 85).
[[nodiscard]] Result<Bytes> encode_stored(const SessionParams& p);
[[nodiscard]] Result<SessionParams> decode_stored(ByteView in);

/// Per-element update `A5 L {84|85|86|89 L ...}`: a zero-length element deletes that parameter.
struct StoredUpdate {
  SessionParams set;
  std::vector<uint8_t> deleted;  // tags given with zero length
};
[[nodiscard]] Result<StoredUpdate> decode_stored_update(ByteView in);
/// Applies an update to the stored set.
void apply_update(SessionParams& stored, const StoredUpdate& u);

/// Label-encoded APN (TS 23.003 §9.1) <-> dotted text; labels 1..63 printable characters.
[[nodiscard]] Result<std::string> decode_apn(ByteView v);
[[nodiscard]] Result<Bytes> encode_apn(const std::string& dotted);

}  // namespace gpram::ram
