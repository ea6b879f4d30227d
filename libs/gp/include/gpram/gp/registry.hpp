// GlobalPlatform registry data: GET STATUS responses (GP 2.3 §11.4.3, legacy Table 11-37/38
// and TLV Table 11-36), GET STATUS paging (6310), life-cycle states (§5.1, Table 11-4..11-7),
// privileges (§6.6.1, Table 6-1) and key information (GET DATA 00E0, §11.3.3.1).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gpram/apdu/apdu.hpp"
#include "gpram/base/bytes.hpp"
#include "gpram/gp/commands.hpp"
#include "gpram/gp/errors.hpp"

namespace gpram::gp {

// ---- life cycle and privileges ------------------------------------------------------------
enum class LifecycleKind { card, application, security_domain, load_file };

/// "OP_READY", "INITIALIZED", "SECURED", "CARD_LOCKED", "TERMINATED" (card);
/// "INSTALLED", "SELECTABLE", "LOCKED", "APP_SPECIFIC_xx" (application); "PERSONALIZED" (SD);
/// "LOADED" (load file); "UNKNOWN_xx" otherwise.
[[nodiscard]] std::string lifecycle_name(LifecycleKind kind, uint8_t state);

/// Names of the privileges set in 1 or 3 privilege bytes (GPP spelling, e.g.
/// "SecurityDomain", "DAPVerification", "CardReset"). Every privilege whose full mask is set is
/// listed: C0 gives SecurityDomain and DAPVerification.
[[nodiscard]] std::vector<std::string> privilege_names(ByteView privileges);
/// Privileges (3 bytes) from names as produced by privilege_names; invalid_argument on an
/// unknown name.
[[nodiscard]] Result<Bytes> privileges_from_names(const std::vector<std::string>& names);

// ---- GET STATUS -------------------------------------------------------------------------
struct RegistryEntry {
  Bytes aid;
  uint8_t lifecycle = 0;
  Bytes privileges;                    // 1 byte (legacy) or 3 bytes (TLV C5)
  Bytes elf_aid;                       // C4: the application's load file
  Bytes elf_version;                   // CE
  std::vector<Bytes> modules;          // 84 (TLV) or the legacy module list (P1 10)
  Bytes sd_aid;                        // CC: associated security domain
  std::vector<Bytes> implicit_selection;  // CF
};

/// Parses one GET STATUS response data field (without SW). Legacy: repeated
/// `L AID LCS priv` (+ `n {L AID}` for P1 10). TLV: repeated `E3 {...}` (unknown tags inside
/// E3 are skipped). Errors name the offset.
[[nodiscard]] Result<std::vector<RegistryEntry>> parse_get_status(ByteView data, StatusKind kind,
                                                                  StatusFormat format);

/// Drives GET STATUS paging: send first_command(); feed each response; while feed() returns
/// true send next_command() (P2 | 01, same data, GP 2.3 §11.4.2). SW 9000 ends, 6310 asks for
/// more, 6A88 (nothing matches) ends with no entries; any other SW is a card_status error.
class GetStatusPager {
 public:
  GetStatusPager(StatusKind kind, StatusFormat format, Bytes aid_filter = {},
                 size_t max_pages = 64)
      : kind_(kind), format_(format), filter_(std::move(aid_filter)), max_pages_(max_pages) {}

  [[nodiscard]] Result<apdu::Capdu> first_command() const;
  [[nodiscard]] Result<apdu::Capdu> next_command() const;
  /// Consumes one response; true = send next_command().
  [[nodiscard]] Result<bool> feed(const apdu::Rapdu& response);
  [[nodiscard]] const std::vector<RegistryEntry>& entries() const noexcept { return entries_; }

 private:
  StatusKind kind_;
  StatusFormat format_;
  Bytes filter_;
  size_t max_pages_;
  size_t pages_ = 0;
  bool done_ = false;
  std::vector<RegistryEntry> entries_;
};

// ---- key information (GET DATA 00E0) --------------------------------------------------------
struct KeyComponentInfo {
  uint16_t type = 0;    // 1-byte type (80 DES, 88 AES ...) or FFxx in the extended format
  uint16_t length = 0;  // key length in bytes
};
struct KeyInfo {
  uint8_t kid = 0;
  uint8_t kvn = 0;
  std::vector<KeyComponentInfo> components;
  bool extended = false;               // GP 2.3 extended format (type FF ...)
  std::optional<Bytes> usage;          // extended format only
  std::optional<Bytes> access;         // extended format only
};
/// Parses a Key Information Template: `E0 { C0 ... }` or the bare sequence of C0 entries.
/// Basic C0: KID KVN {type len}*. Extended (first type byte FF): KID KVN {type(1, or 2 when it
/// starts with FF) len(2)}* [usage LV [access LV]] — components run while the next byte is a
/// key type (>= 80), as in the GlobalPlatformPro TestGPKeyInfo templates.
[[nodiscard]] Result<std::vector<KeyInfo>> parse_key_information(ByteView data);
/// Encodes one C0 entry (basic format; extended when info.extended).
[[nodiscard]] Bytes encode_key_information(const KeyInfo& info);
/// "DES", "AES", "TLS-PSK", "HMAC-SHA1", "RSA-..."; "UNKNOWN_xx" otherwise.
[[nodiscard]] std::string key_type_name(uint8_t type);

}  // namespace gpram::gp
