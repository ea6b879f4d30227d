// GlobalPlatform Card Specification v2.3 §11 command builders (plain CLA 80; a secure channel
// rewrites CLA, MAC and encryption later). Every builder returns an apdu::Capdu; the ones that
// take variable-length input return a Result and reject out-of-range input with
// gp::Errc::invalid_argument naming the field.
//
// Le: the GP tables give Le = '00' for SELECT, INSTALL, LOAD, DELETE, GET STATUS, GET DATA and
// PUT KEY; the builders set it (le = 256, written 00). SET STATUS carries no Le, STORE DATA only
// when a response is requested.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "gpram/apdu/apdu.hpp"
#include "gpram/base/bytes.hpp"
#include "gpram/gp/errors.hpp"

namespace gpram::gp {

inline constexpr uint8_t kClaGp = 0x80;
inline constexpr uint8_t kClaIso = 0x00;

inline constexpr uint8_t kInsSelect = 0xA4;
inline constexpr uint8_t kInsInstall = 0xE6;
inline constexpr uint8_t kInsLoad = 0xE8;
inline constexpr uint8_t kInsDelete = 0xE4;
inline constexpr uint8_t kInsGetStatus = 0xF2;
inline constexpr uint8_t kInsSetStatus = 0xF0;
inline constexpr uint8_t kInsPutKey = 0xD8;
inline constexpr uint8_t kInsStoreData = 0xE2;
inline constexpr uint8_t kInsGetData = 0xCA;

/// Le = '00' (Ne 256) as used by the builders.
inline constexpr uint32_t kLe00 = 256;

/// AIDs are 5..16 bytes (ISO/IEC 7816-5). Returns invalid_argument naming `what`.
[[nodiscard]] Result<void> check_aid(ByteView aid, const char* what);

// ---- SELECT (GP 2.3 §11.9; ISO 7816-4 §11.2.2) -----------------------------------------
/// 00 A4 04 00|02 Lc AID 00. An empty AID selects the ISD (GP §11.9.2.1). `next` sets P2 02.
[[nodiscard]] Result<apdu::Capdu> select(ByteView aid, bool next = false);

// ---- INSTALL (GP 2.3 §11.5) -------------------------------------------------------------
enum class InstallFor : uint8_t {
  load = 0x02,
  install = 0x04,
  make_selectable = 0x08,
  install_and_make_selectable = 0x0C,
  extradition = 0x10,
  personalization = 0x20,
  registry_update = 0x40,
};

/// INSTALL [for load] data: LV ELF-AID, LV SD-AID (empty = ISD), LV hash, LV load params,
/// LV token (GP 2.3 §11.5.2.3.1, Table 11-45). `more` sets P1 b8 (more INSTALLs follow).
struct InstallForLoad {
  Bytes elf_aid;
  Bytes sd_aid;       // empty: the card's ISD decides (GPP sends the ISD AID, kaoh empty)
  Bytes hash;         // Load File Data Block Hash, empty when no DAP/hash is used
  Bytes load_params;  // e.g. load_parameters(); empty allowed
  Bytes token;        // delegated management token, usually empty
};
[[nodiscard]] Result<apdu::Capdu> install_for_load(const InstallForLoad& in, bool more = false);

/// Load parameters (GP 2.3 Table 11-49): EF { C6 non-volatile code, C7 volatile data,
/// C8 non-volatile data } — quotas written on 2 bytes, or 4 above 65535.
struct LoadParams {
  std::optional<uint32_t> non_volatile_code;  // C6
  std::optional<uint32_t> volatile_data;      // C7
  std::optional<uint32_t> non_volatile_data;  // C8
};
[[nodiscard]] Bytes load_parameters(const LoadParams& p);

/// INSTALL [for install], [for make selectable], [for install and make selectable]
/// (GP 2.3 §11.5.2.3.2-3): LV ELF-AID, LV module AID, LV application AID, LV privileges (1 or
/// 3 bytes), LV install parameters, LV token. For make selectable ELF and module are sent empty
/// and the parameters field too (Table 11-47).
struct InstallForInstall {
  Bytes elf_aid;
  Bytes module_aid;    // the applet class AID
  Bytes instance_aid;  // empty = module_aid
  Bytes privileges = Bytes{0x00};
  Bytes params = Bytes{0xC9, 0x00};  // install_parameters() output; must contain C9
  Bytes token;
};
[[nodiscard]] Result<apdu::Capdu> install_for_install(const InstallForInstall& in,
                                                      bool make_selectable = true,
                                                      bool more = false);
[[nodiscard]] Result<apdu::Capdu> install_for_make_selectable(ByteView app_aid,
                                                              ByteView privileges,
                                                              ByteView token = {});

/// INSTALL [for personalization] (GP 2.3 §11.5.2.3.5): 00 00 LV app-AID 00 00 00.
[[nodiscard]] Result<apdu::Capdu> install_for_personalization(ByteView app_aid);

/// INSTALL [for extradition] (GP 2.3 §11.5.2.3.4): LV SD-AID 00 LV app-AID 00 LV params LV token.
[[nodiscard]] Result<apdu::Capdu> install_for_extradition(ByteView sd_aid, ByteView app_aid,
                                                          ByteView params = {},
                                                          ByteView token = {});

/// INSTALL [for registry update] (GP 2.3 §11.5.2.3.6): LV SD-AID (may be empty) 00 LV app-AID
/// LV privileges LV registry-update params LV token.
[[nodiscard]] Result<apdu::Capdu> install_for_registry_update(ByteView sd_aid, ByteView app_aid,
                                                              ByteView privileges,
                                                              ByteView params = {},
                                                              ByteView token = {});

/// System-specific install parameters (GP 2.3 Table 11-49, ETSI TS 102 226 §8.2.1.3.2).
struct SystemParams {
  std::optional<uint32_t> non_volatile_quota;  // C8
  std::optional<uint32_t> volatile_quota;      // C7
  Bytes toolkit_params;                        // CA (UICC toolkit application parameters)
  Bytes uicc_access_params;                    // EA (UICC access application parameters)
};
/// C9 <application-specific params> [EF { C8, C7, CA, EA }] — the order pySim produces
/// (vector pysim-install-params-full). EF is left out when no system parameter is set.
[[nodiscard]] Bytes install_parameters(ByteView app_specific = {}, const SystemParams& sys = {});

// ---- LOAD (GP 2.3 §11.6) -----------------------------------------------------------------
/// One LOAD command: P1 00 (more blocks) or 80 (last block), P2 = block number.
[[nodiscard]] apdu::Capdu load_block(ByteView block, uint8_t number, bool last);

/// Splits a complete Load File (optional E2 DAP blocks followed by C4 <BER len> load file) into
/// LOAD commands of at most `block_size` data bytes. At most 256 blocks (P2 is one byte).
[[nodiscard]] Result<std::vector<apdu::Capdu>> load_commands(ByteView load_file_with_lfdb,
                                                             size_t block_size);

/// DAP block (GP 2.3 §11.6.2.3): E2 { 4F SD-AID, C3 signature }.
[[nodiscard]] Bytes dap_block(ByteView sd_aid, ByteView signature);

/// Limits that bound the size of one LOAD block.
struct BlockLimits {
  size_t max_capdu = 261;  // whole C-APDU as sent (short APDUs: 5 + 255 + 1)
  std::optional<size_t> max_script_command;  // TS 102 226 `22 <BER len> C-APDU` element size
  size_t secure_channel_overhead = 0;  // bytes the secure channel adds to the data field (MAC 8;
                                       // +16 worst-case padding with C-ENC)
  bool le = true;  // whether LOAD carries Le 00 (the builders do)
};
/// Largest LOAD data block such that the secured command fits every limit (short Lc only:
/// data + overhead <= 255). invalid_argument if nothing fits.
[[nodiscard]] Result<size_t> max_load_block_size(const BlockLimits& limits);

// ---- DELETE (GP 2.3 §11.2) ---------------------------------------------------------------
/// 80 E4 00 00|80 Lc 4F L AID [token] 00; `related` sets P2 80 (delete related objects).
[[nodiscard]] Result<apdu::Capdu> delete_object(ByteView aid, bool related = false,
                                                ByteView token = {});
/// Deletes keys: D0 01 KID and/or D2 01 KVN (at least one).
[[nodiscard]] Result<apdu::Capdu> delete_key(std::optional<uint8_t> kid,
                                             std::optional<uint8_t> kvn);

// ---- GET STATUS (GP 2.3 §11.4) -------------------------------------------------------------
enum class StatusKind : uint8_t {
  isd = 0x80,
  applications = 0x40,  // applications and supplementary security domains
  load_files = 0x20,
  load_files_and_modules = 0x10,
};
enum class StatusFormat : uint8_t { legacy = 0x00, tlv = 0x02 };
/// 80 F2 P1 P2 Lc 4F <aid filter> [5C tag list] 00. P2 = format | 01 for the next occurrence.
[[nodiscard]] Result<apdu::Capdu> get_status(StatusKind kind, StatusFormat format, bool next = false,
                                             ByteView aid_filter = {}, ByteView tag_list = {});

// ---- SET STATUS (GP 2.3 §11.10) ----------------------------------------------------------
/// P1 80 ISD, 40 application or SSD, 60 SD and its associated applications. The last follows
/// GP 2.3 Table 11-66 and kaoh/globalplatform; pySim sends C0 instead (see docs).
enum class SetStatusScope : uint8_t { isd = 0x80, application = 0x40, sd_and_applications = 0x60 };
/// 80 F0 P1 <state> Lc AID (no Le). For the ISD the AID may be empty.
[[nodiscard]] Result<apdu::Capdu> set_status(SetStatusScope scope, uint8_t state, ByteView aid);

// ---- GET DATA (GP 2.3 §11.3) -------------------------------------------------------------
inline constexpr uint16_t kTagCardData = 0x0066;
inline constexpr uint16_t kTagKeyInformation = 0x00E0;
inline constexpr uint16_t kTagCardCapabilities = 0x0067;
inline constexpr uint16_t kTagIin = 0x0042;
inline constexpr uint16_t kTagCin = 0x0045;
inline constexpr uint16_t kTagSequenceCounter = 0x00C1;
inline constexpr uint16_t kTagExtendedResources = 0xFF21;
inline constexpr uint16_t kTagAmdBParams = 0x0085;       // Amendment B: HTTP admin parameters
inline constexpr uint16_t kTagAmdBParamsTemplate = 0x00A5;
/// 80 CA tag-hi tag-lo 00.
[[nodiscard]] apdu::Capdu get_data(uint16_t tag);

// ---- STORE DATA (GP 2.3 §11.11) ----------------------------------------------------------
enum class StoreEncryption : uint8_t { none = 0x00, application = 0x20, encrypted = 0x60 };
enum class StoreStructure : uint8_t { none = 0x00, dgi = 0x08, ber_tlv = 0x10 };
struct StoreDataFlags {
  StoreEncryption encryption = StoreEncryption::none;
  StoreStructure structure = StoreStructure::none;
  bool response_expected = false;  // P1 b1; adds Le 00
};
/// 80 E2 P1 P2 Lc data [00]: P1 = b8 last | encryption | structure | b1; P2 = block number.
[[nodiscard]] apdu::Capdu store_data(ByteView data, uint8_t block, bool last,
                                     const StoreDataFlags& flags = {});
/// Splits `data` into STORE DATA commands of at most `block_size` bytes, numbered from 0, the
/// last one flagged. At most 256 blocks.
[[nodiscard]] Result<std::vector<apdu::Capdu>> store_data_blocks(ByteView data, size_t block_size,
                                                                 const StoreDataFlags& flags = {});

// ---- PUT KEY (GP 2.3 §11.8) --------------------------------------------------------------
inline constexpr uint8_t kKeyTypeDes = 0x80;
inline constexpr uint8_t kKeyTypePsk = 0x85;
inline constexpr uint8_t kKeyTypeAes = 0x88;

/// DES key component: 80 L <encrypted key> 03 <KCV>.
[[nodiscard]] Result<Bytes> des_key_component(ByteView encrypted_key, ByteView kcv);
/// AES key component in the GlobalPlatformPro form: 88 <L+1> <clear key length> <encrypted
/// key> 03 <KCV> (GP 2.3 Table 11-73 with the key-length byte; see docs for pySim's variant).
[[nodiscard]] Result<Bytes> aes_key_component(ByteView encrypted_key, size_t clear_key_length,
                                              ByteView kcv);
/// TLS-PSK key (Amendment B Table 3-11): 85 <Ltot BER> <Lkey BER> <DEK-encrypted key> 03 <KCV>,
/// Lkey = the clear PSK length, Ltot covering Lkey and the encrypted key.
[[nodiscard]] Result<Bytes> psk_key_component(ByteView encrypted_key, size_t clear_key_length,
                                              ByteView kcv);
/// 80 D8 P1 P2 Lc <new KVN> components 00. P1 = KVN to replace (00: create a new key set) | b8
/// when more PUT KEY commands follow; P2 = first KID | b8 when several keys are sent.
struct PutKey {
  uint8_t replace_kvn = 0x00;
  uint8_t new_kvn = 0x01;
  uint8_t kid = 0x01;
  std::vector<Bytes> components;  // from des_/aes_/psk_key_component
  bool more = false;
};
[[nodiscard]] Result<apdu::Capdu> put_key(const PutKey& in);

/// PUT KEY response (GP 2.3 Table 11-72): KVN followed by one KCV per key.
struct PutKeyResponse {
  uint8_t kvn = 0;
  std::vector<Bytes> kcvs;
};
[[nodiscard]] Result<PutKeyResponse> parse_put_key_response(ByteView data, size_t kcv_length = 3);

/// KCV wrappers over libs/crypto (GP 2.3 §11.8.2.3; Amendment B Table 3-11).
[[nodiscard]] Result<Bytes> kcv_des(ByteView key);
[[nodiscard]] Result<Bytes> kcv_aes(ByteView key);
[[nodiscard]] Bytes kcv_sha1(ByteView key);

}  // namespace gpram::gp
