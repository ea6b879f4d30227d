// SMS-PP transport of SCP80 packets (3GPP TS 31.115 §4-6, 3GPP TS 23.040 §9.2).
//
// User data: a UDH (UDHL, then IEI/IEDL/IED elements, TS 23.040 §9.2.3.24) followed by the packet.
//   Single SMS:        02 70 00 | command packet            (at most 140 octets of user data)
//   Concatenated SMS:  first  07 70 00 00 03 ref n 1 | part 1   (CPI + concatenation IE 00)
//                      others 05 00 03 ref n i       | part i
//   (TS 31.115 §5 / TS 23.040 §9.2.3.24.1; layout as sent by bagyenda/njiwa
//   src/io/njiwa/sr/transports/Sms.java.) The CC covers the reassembled packet only.
// TPDUs: SMS-DELIVER (network -> handset, carries the command) and SMS-SUBMIT (handset ->
// network, carries a PoR when SPI2 b6 asks for it), 8-bit data as used by OTA (PID 7F, DCS F6).
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "gpram/base/bytes.hpp"
#include "gpram/scp/scp80.hpp"

namespace gpram::scp80 {

inline constexpr size_t kSmsUserDataMax = 140;  // octets of 8-bit user data incl. UDH
inline constexpr uint8_t kIeiConcat8 = 0x00;    // concatenated SM, 8-bit reference
inline constexpr uint8_t kIeiConcat16 = 0x08;   // concatenated SM, 16-bit reference
inline constexpr uint8_t kIeiCpi = 0x70;        // command packet identifier (TS 31.115)
inline constexpr uint8_t kIeiRpi = 0x71;        // response packet identifier (TS 31.115)

struct UdhIe {
  uint8_t iei = 0;
  Bytes value;
  friend bool operator==(const UdhIe&, const UdhIe&) = default;
};

/// User data split into its header elements and the rest.
struct UserData {
  std::vector<UdhIe> ies;
  Bytes tail;
  [[nodiscard]] const UdhIe* find(uint8_t iei) const noexcept;
};

/// Parses UDHL + IEs (TS 23.040 §9.2.3.24); the rest of the input is `tail`.
[[nodiscard]] Result<UserData> parse_udh(ByteView user_data);
/// Encodes UDHL + IEs.
[[nodiscard]] Result<Bytes> encode_udh(const std::vector<UdhIe>& ies);

/// Splits a command packet into SMS user-data payloads: one SMS when it fits (137 octets), else
/// concatenated segments with reference `ref` (at most 255).
[[nodiscard]] Result<std::vector<Bytes>> segment_command(ByteView packet, uint8_t ref);

/// Card side: collects SMS user data (single or concatenated) and yields whole command packets.
/// Segments are kept per reference; inconsistent, duplicate or out-of-range parts are rejected
/// and drop nothing already collected. Bounded: at most `max_refs` references in progress.
class Reassembler {
 public:
  explicit Reassembler(size_t max_refs = 8) noexcept : max_refs_(max_refs) {}
  /// One SMS's user data (UDHI set). Returns the packet once complete, std::nullopt while parts
  /// are missing.
  [[nodiscard]] Result<std::optional<Bytes>> feed(ByteView user_data);
  [[nodiscard]] size_t pending() const noexcept { return parts_.size(); }

 private:
  struct Pending {
    uint8_t total = 0;
    std::map<uint8_t, Bytes> parts;
  };
  size_t max_refs_;
  std::map<uint32_t, Pending> parts_;
};

// ---- TPDUs (TS 23.040 §9.2.2) ----------------------------------------------------------------

/// Type of number (TS 23.040 §9.1.2.5).
enum class Ton : uint8_t {
  unknown = 0, international = 1, national = 2, network_specific = 3, subscriber = 4,
  alphanumeric = 5, abbreviated = 6,
};
/// Numbering plan identification.
enum class Npi : uint8_t {
  unknown = 0, isdn_e164 = 1, data = 3, telex = 4, service_centre = 5, national = 8,
  private_plan = 9, ermes = 10,
};

/// TP address (TS 23.040 §9.1.2.5). `digits` holds 0-9 * # a b c; for alphanumeric addresses it
/// holds the packed GSM 7-bit octets in hex (we do not unpack them).
struct Address {
  Ton ton = Ton::unknown;
  Npi npi = Npi::unknown;
  std::string digits;
  friend bool operator==(const Address&, const Address&) = default;
};

[[nodiscard]] Result<Address> decode_address(ByteView in, size_t& pos);
[[nodiscard]] Result<void> append_address(Bytes& out, const Address& a);

/// SMS-DELIVER (MTI 00).
struct SmsDeliver {
  bool more_messages_to_send = false;  // TP-MMS bit value (1 = no more messages waiting)
  bool loop_prevention = false;        // TP-LP
  bool status_report = false;          // TP-SRI
  bool udhi = true;
  bool reply_path = false;
  Address originator;
  uint8_t pid = 0x7F;  // (U)SIM data download
  uint8_t dcs = 0xF6;  // class 2, 8-bit data
  std::array<uint8_t, 7> scts{};
  uint8_t udl = 0;  // as decoded (octets for 8-bit data, septets for 7-bit)
  Bytes user_data;  // octets
};

/// SMS-SUBMIT (MTI 01).
struct SmsSubmit {
  bool reject_duplicates = false;  // TP-RD
  uint8_t vpf = 0;                 // 0 none, 1 enhanced, 2 relative, 3 absolute
  bool status_report_request = false;
  bool udhi = true;
  bool reply_path = false;
  uint8_t message_reference = 0;
  Address destination;
  uint8_t pid = 0x7F;
  uint8_t dcs = 0xF6;
  Bytes validity_period;  // 0, 1 or 7 bytes per vpf
  uint8_t udl = 0;
  Bytes user_data;
};

/// True when the DCS selects the GSM 7-bit default alphabet (TS 23.038 §4).
[[nodiscard]] bool dcs_is_7bit(uint8_t dcs) noexcept;

/// Encodes with UDL = user_data.size() (8-bit data only).
[[nodiscard]] Result<Bytes> encode_deliver(const SmsDeliver& d);
[[nodiscard]] Result<SmsDeliver> decode_deliver(ByteView tpdu);
[[nodiscard]] Result<Bytes> encode_submit(const SmsSubmit& s);
[[nodiscard]] Result<SmsSubmit> decode_submit(ByteView tpdu);

}  // namespace gpram::scp80
