// VirtualCard internals: channels, command dispatch and the handlers of each GP command.
#pragma once

#include <array>
#include <memory>

#include "gpram/card/card.hpp"
#include "scp_card.hpp"

namespace gpram::card {

// Status words (GP 2.3 §11.1.3 and the per-command tables; ISO 7816-4 §5.1.3).
inline constexpr uint16_t kSwOk = 0x9000;
inline constexpr uint16_t kSwMore = 0x6310;
inline constexpr uint16_t kSwCardLocked = 0x6283;
inline constexpr uint16_t kSwWrongLength = 0x6700;
inline constexpr uint16_t kSwChannelNotSupported = 0x6881;
inline constexpr uint16_t kSwSmNotSupported = 0x6882;
inline constexpr uint16_t kSwChainingNotSupported = 0x6884;
inline constexpr uint16_t kSwSecurity = 0x6982;
inline constexpr uint16_t kSwConditions = 0x6985;
inline constexpr uint16_t kSwWrongData = 0x6A80;
inline constexpr uint16_t kSwFuncNotSupported = 0x6A81;
inline constexpr uint16_t kSwNotFound = 0x6A82;
inline constexpr uint16_t kSwNoMemory = 0x6A84;
inline constexpr uint16_t kSwWrongP1P2 = 0x6A86;
inline constexpr uint16_t kSwRefNotFound = 0x6A88;
inline constexpr uint16_t kSwIns = 0x6D00;
inline constexpr uint16_t kSwCla = 0x6E00;
inline constexpr uint16_t kSwAlgorithm = 0x9484;
inline constexpr uint16_t kSwKcv = 0x9485;

/// A response before secure messaging: data + SW.
struct Reply {
  Bytes data;
  uint16_t sw = kSwOk;
};
inline Reply sw_only(uint16_t sw) { return Reply{{}, sw}; }

struct Channel {
  bool open = false;
  Bytes selected;  // AID of the selected application (empty: none)
  std::unique_ptr<CardSession> session;
  Bytes session_sd;  // SD whose keys the session uses
  bool session_scp02 = false;
  // LOAD in progress (after INSTALL [for load])
  bool loading = false;
  uint8_t next_block = 0;
  Bytes load_elf, load_sd, load_hash, load_buffer;
  // STORE DATA in progress
  uint8_t store_next_block = 0;
  Bytes store_buffer;
  Bytes perso_target;  // INSTALL [for personalization]
  // GET STATUS paging: the command it belongs to and where to resume
  Bytes status_key;
  size_t status_next = 0;
};

struct VirtualCard::Impl {
  CardConfig config;
  std::unique_ptr<Random> random;
  Registry registry;
  uint8_t card_life_cycle = kCardSecured;
  std::array<Channel, 4> channels;
  FaultPlan faults;
  bool admin_script = false;  // commands on channel 0 come through the SCP81 admin agent
  uint32_t apdu_count = 0;

  void init_from_config();
  void reset();
  Exchange exchange(ByteView raw);
  Bytes process(ByteView raw);
  Reply dispatch(Channel& ch, uint8_t channel_no, const apdu::Capdu& cmd, bool secured);

  Application* app(ByteView aid);
  LoadFile* elf(ByteView aid);
  Application& isd() { return registry.applications.front(); }
  Application* selected_sd(Channel& ch);
  bool secured_at_level(const Channel& ch, bool secured) const;

  // handlers (card_core.cpp)
  Reply select(Channel& ch, const apdu::Capdu& cmd);
  Reply manage_channel(uint8_t channel_no, const apdu::Capdu& cmd);
  Reply applet_command(Application& a, const apdu::Capdu& cmd);
  // card_session.cpp
  Reply initialize_update(Channel& ch, const apdu::Capdu& cmd);
  Reply external_authenticate(Channel& ch, const apdu::Capdu& cmd);
  Reply put_key(Channel& ch, const apdu::Capdu& cmd);
  Reply store_data(Channel& ch, const apdu::Capdu& cmd);
  // card_content.cpp
  Reply install(Channel& ch, const apdu::Capdu& cmd);
  Reply load(Channel& ch, const apdu::Capdu& cmd);
  Reply delete_(Channel& ch, const apdu::Capdu& cmd);
  // card_status.cpp
  Reply get_status(Channel& ch, const apdu::Capdu& cmd);
  Reply get_data(Channel& ch, const apdu::Capdu& cmd);
  Reply set_status(Channel& ch, const apdu::Capdu& cmd);
};

/// ISO 7816-4 §5.1 command APDU parser (cases 1-4, short and extended). Stand-in for
/// gpram::apdu's parser.
[[nodiscard]] Result<apdu::Capdu> parse_command(ByteView raw);

[[nodiscard]] inline bool equal_bytes(ByteView a, ByteView b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin());
}
[[nodiscard]] inline bool starts_with(ByteView a, ByteView prefix) {
  return a.size() >= prefix.size() && std::equal(prefix.begin(), prefix.end(), a.begin());
}

/// Reads one `L value` field (GP length-prefixed field) at pos; nullopt if it runs past the end.
[[nodiscard]] std::optional<Bytes> read_lv(ByteView in, size_t& pos);

}  // namespace gpram::card
