// A virtual GlobalPlatform card (UICC / eID), sans-IO: APDU bytes in, APDU bytes out.
//
// Models GlobalPlatform Card Specification v2.3 §11 (commands), §5 (life cycles), §6
// (privileges), §9 (registry); SCP02 (Annex E) and SCP03 (Amendment D) card side; the Amendment B
// administration parameters (85 / A5) kept by a Security Domain. No Java Card VM: a Load File's
// Header and Applet components are parsed to register the package and applet AIDs, and an
// installed application answers SELECT and a trivial echo command (CLA 80 INS 01).
// Decisions where the specification is silent: docs/protocols/virtual-card.md.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "gpram/apdu/apdu.hpp"
#include "gpram/base/bytes.hpp"
#include "gpram/base/clock.hpp"

namespace gpram::card {

enum class Errc {
  bad_state = 1,   // to_json/from_json document malformed (names the field)
  bad_config,      // CardConfig inconsistent (key length, AID length)
  bad_load_file,   // Load File Data Block malformed (names the component / offset)
};

}  // namespace gpram::card

GPRAM_DECLARE_ERRC(gpram::card);

namespace gpram::card {

// ---- life cycles (GP 2.3 §11.1.1, Tables 11-3 .. 11-6) -----------------------------------
inline constexpr uint8_t kCardOpReady = 0x01;
inline constexpr uint8_t kCardInitialized = 0x07;
inline constexpr uint8_t kCardSecured = 0x0F;
inline constexpr uint8_t kCardLocked = 0x7F;
inline constexpr uint8_t kCardTerminated = 0xFF;
inline constexpr uint8_t kAppInstalled = 0x03;
inline constexpr uint8_t kAppSelectable = 0x07;
inline constexpr uint8_t kSdPersonalized = 0x0F;
inline constexpr uint8_t kLockedBit = 0x80;
inline constexpr uint8_t kElfLoaded = 0x01;

// ---- key types (GP 2.3 Table 11-16, Amd B Table 3-11) --------------------------------------
inline constexpr uint8_t kKeyDes = 0x80;
inline constexpr uint8_t kKeyPskTls = 0x85;
inline constexpr uint8_t kKeyAes = 0x88;

/// One key of a Security Domain, identified by (KVN, KID).
struct Key {
  uint8_t kvn = 0;
  uint8_t kid = 0;
  uint8_t type = kKeyAes;
  Bytes value;
};

/// State a Security Domain keeps besides its registry entry.
struct SecurityDomain {
  std::vector<Key> keys;
  uint8_t scp = 0x03;             // 02 or 03
  uint8_t scp_i = 0x70;           // SCP03 i: 10 pseudo-random challenge, 20 R-MAC, 40 R-ENC
  uint32_t sequence_counter = 0;  // last value used (SCP03 3 bytes, SCP02 2 bytes)
  std::map<uint32_t, Bytes> data;  // STORE DATA objects by BER tag (85, A5, 42, 45 ...)
  std::map<uint16_t, Bytes> dgis;  // STORE DATA objects by DGI
};

/// An Executable Load File with its Executable Modules (applet class AIDs).
struct LoadFile {
  Bytes aid;
  Bytes version;  // package major, minor (CE in GET STATUS)
  std::vector<Bytes> modules;
  Bytes sd;       // associated Security Domain AID
  uint8_t life_cycle = kElfLoaded;
  size_t size = 0;  // bytes of the Load File Data Block (for FF21 free memory)
};

/// An application or Security Domain instance.
struct Application {
  Bytes aid;
  Bytes elf;     // Executable Load File AID (empty for the ISD)
  Bytes module;  // Executable Module AID
  uint8_t life_cycle = kAppInstalled;
  uint32_t privileges = 0;  // 3 bytes, byte 1 in bits 23..16
  Bytes sd;                 // associated Security Domain AID (empty for the ISD)
  Bytes install_params;
  std::vector<Bytes> personalization;  // STORE DATA blocks received through its SD
  std::optional<SecurityDomain> domain;  // set for Security Domains
};

struct Registry {
  std::vector<LoadFile> load_files;
  std::vector<Application> applications;  // applications[0] is the ISD
};

/// Simulator fault hooks. Every field is optional; counting is over APDUs given to transmit().
struct FaultPlan {
  std::optional<uint8_t> sw_on_ins;       // answer every command with this INS ...
  std::optional<uint32_t> sw_on_command;  // ... or the Nth APDU (1-based) ...
  uint16_t sw = 0x6A84;                   // ... with this status word
  bool corrupt_next_rmac = false;         // flip a bit of the next R-MAC the card sends
  uint32_t delay_ms = 0;                  // returned with each exchange; the caller sleeps
  std::optional<uint32_t> drop_after;     // the caller cuts the connection after N APDUs
};

/// A response with the simulator metadata of the fault plan.
struct Exchange {
  Bytes response;  // data + SW1 SW2
  uint32_t delay_ms = 0;
  bool drop = false;  // the drop_after count is reached: the caller should cut the link now
};

struct CardConfig {
  Bytes isd_aid = hex("A000000151000000");
  uint8_t scp = 0x03;
  uint8_t scp_i = 0x70;
  uint8_t kvn = 0x30;
  Bytes key_enc = hex("404142434445464748494A4B4C4D4E4F");
  Bytes key_mac = hex("404142434445464748494A4B4C4D4E4F");
  Bytes key_dek = hex("404142434445464748494A4B4C4D4E4F");
  Bytes kdd = Bytes(10, 0x00);  // key diversification data (INITIALIZE UPDATE, GET DATA CF)
  Bytes iin = hex("42");        // placeholder IIN/CIN objects answered by GET DATA 42 / 45
  Bytes cin = hex("45");
  uint8_t card_life_cycle = kCardSecured;
  size_t max_response = 256;          // GET STATUS pages above this size (6310)
  uint8_t min_security_level = 0x01;  // for INSTALL, LOAD, DELETE, PUT KEY, STORE DATA, SET STATUS
  uint32_t sequence_counter = 0;
  uint32_t nvm_size = 0x100000;       // FF21 free non-volatile memory = this minus loaded bytes

  /// Defaults of `gpram-sim --scp 02`: SCP02 i=15, KVN 20, DES keys 40..4F.
  [[nodiscard]] static CardConfig scp02();
};

class VirtualCard {
 public:
  /// A card whose challenges come from the system RNG.
  explicit VirtualCard(CardConfig config = {});
  /// Deterministic card: challenges from SeededRandom(seed).
  VirtualCard(CardConfig config, uint64_t seed);
  VirtualCard(CardConfig config, std::unique_ptr<Random> random);
  VirtualCard(VirtualCard&&) noexcept;
  VirtualCard& operator=(VirtualCard&&) noexcept;
  ~VirtualCard();

  /// The card's APDU entry point (ISO 7816-4 short or extended APDU). Never fails: malformed
  /// input is answered with a status word (6700, 6E00, 6D00 ...).
  [[nodiscard]] Bytes transmit(ByteView capdu);
  [[nodiscard]] apdu::Rapdu transmit(const apdu::Capdu& capdu);
  /// transmit() plus the fault plan's metadata.
  [[nodiscard]] Exchange exchange(ByteView capdu);

  /// Card reset (power cycle / ATR): closes channels 1-3 and every secure channel session,
  /// selects the ISD on channel 0.
  void reset();
  /// A script arrives through the Amendment B admin agent (SCP81, PSK-TLS): until
  /// end_admin_script() the basic channel has `sd` (empty: the ISD) selected and its commands
  /// count as secured at level 33, the PSK-TLS session being the secure channel (GP Amd B §3.3.3).
  /// Returns false (and changes nothing) when `sd` is not a Security Domain on the card.
  bool begin_admin_script(ByteView sd = {});
  void end_admin_script();

  void set_faults(FaultPlan plan);
  [[nodiscard]] uint32_t apdu_count() const noexcept;

  [[nodiscard]] const Registry& registry() const noexcept;
  [[nodiscard]] uint8_t card_life_cycle() const noexcept;
  [[nodiscard]] const Application* find_application(ByteView aid) const noexcept;
  [[nodiscard]] const LoadFile* find_load_file(ByteView aid) const noexcept;
  [[nodiscard]] const CardConfig& config() const noexcept;

  /// The whole persistent state (config, registry, keys, counters, life cycles). Channels and
  /// secure channel sessions are volatile, as after a reset.
  [[nodiscard]] nlohmann::json to_json() const;
  [[nodiscard]] static Result<VirtualCard> from_json(const nlohmann::json& state,
                                                     std::unique_ptr<Random> random = nullptr);

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace gpram::card
