// PSK-TLS configuration shared by every session of a process: suite selection (GP Amendment B
// §3.3.2 / v1.2 Table 3-2, IANA codes from RFC 4279/4785/5487/8446), the GnuTLS priority cache
// built from it once, and the PSK credentials (server: a PskResolver; client: identity + key).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gpram/base/bytes.hpp"
#include "gpram/tls/errors.hpp"

namespace gpram::tls {

/// The suites of the SCP81 profile (names as in interfaces.md `--tls-suites`).
enum class Suite : uint8_t {
  psk_aes128_cbc_sha256,  // TLS_PSK_WITH_AES_128_CBC_SHA256 00AE (TLS 1.2)
  psk_aes128_cbc_sha,     // TLS_PSK_WITH_AES_128_CBC_SHA    008C (TLS 1.0-1.2)
  psk_3des_ede_cbc_sha,   // TLS_PSK_WITH_3DES_EDE_CBC_SHA   008B (TLS 1.0-1.2)
  psk_null_sha256,        // TLS_PSK_WITH_NULL_SHA256        00B0 (TLS 1.2)
  psk_null_sha,           // TLS_PSK_WITH_NULL_SHA           002C (TLS 1.0-1.2)
  tls13,                  // TLS 1.3 external PSK: TLS_AES_128_GCM_SHA256 1301, _CCM_ 1304
};

[[nodiscard]] std::string_view suite_name(Suite s) noexcept;
[[nodiscard]] uint16_t suite_iana_code(Suite s) noexcept;  // 0x1301 for tls13
/// Parses "psk-aes128-cbc-sha256,psk-aes128-cbc-sha,tls13" (order kept, duplicates dropped).
[[nodiscard]] Result<std::vector<Suite>> parse_suites(std::string_view list);
/// The spec's suites without NULL and 3DES: psk-aes128-cbc-sha256, psk-aes128-cbc-sha, tls13.
[[nodiscard]] std::vector<Suite> default_suites();
[[nodiscard]] std::string suites_to_string(const std::vector<Suite>& suites);

/// One line per secret in the NSS key log format ("CLIENT_RANDOM <hex> <hex>") for tshark.
using KeylogSink = std::function<void(std::string_view line)>;
/// A sink appending to a file (thread-safe; opened per line so no descriptor is held).
[[nodiscard]] KeylogSink keylog_file(std::string path);

struct Options {
  std::vector<Suite> suites = default_suites();
  bool tls10 = false;            // allow TLS 1.0 (SCP81 "i" bit 01), only for the CBC/NULL suites
  bool tls11 = false;            // allow TLS 1.1 (bit 02)
  bool tls12 = true;             // bit 04 (needed by every non-tls13 suite)
  bool tls13_psk_ke = true;      // TLS 1.3 psk_ke (no (EC)DHE)
  bool tls13_psk_dhe_ke = true;  // TLS 1.3 psk_dhe_ke (OpenSSL's PSK client uses only this)
  bool encrypt_then_mac = false; // RFC 7366; cards do not implement it: %NO_ETM by default
  bool session_tickets = false;  // GNUTLS_NO_TICKETS unless set
  /// Largest plaintext record this side sends (512..16384); 0 = 16384. The server also honours a
  /// client's max_fragment_length (RFC 6066) / record_size_limit (RFC 8449) extension.
  uint16_t max_record_size = 0;
  KeylogSink keylog;              // empty = no key log
};

/// Applies the SCP81 "i" parameter (protocol.md §5: 01 TLS 1.0, 02 TLS 1.1, 04 TLS 1.2,
/// 08 TLS 1.3 (Amendment B v1.2)) to the version switches; without 08, tls13 leaves the suites.
void apply_scp81_i(Options& o, uint8_t i);

/// The GnuTLS priority string for `o` (documented in docs/protocols/tls.md).
[[nodiscard]] Result<std::string> priority_string(const Options& o);

/// Looks up the PSK of a peer identity (storage implements it; must be thread-safe when the
/// config is shared by several event loops).
class PskResolver {
 public:
  virtual ~PskResolver() = default;
  [[nodiscard]] virtual std::optional<Bytes> psk_for(std::string_view identity) = 0;
};

/// In-memory resolver for tests, the simulator and small deployments.
class MemoryPskResolver final : public PskResolver {
 public:
  void add(std::string identity, Bytes key);
  void remove(std::string_view identity);
  [[nodiscard]] std::optional<Bytes> psk_for(std::string_view identity) override;

 private:
  std::mutex mu_;
  std::map<std::string, Bytes, std::less<>> keys_;
};

enum class Role : uint8_t { server, client };

struct ConfigImpl;

/// Immutable after creation; share one per process (std::shared_ptr) across sessions and loops.
class Config {
 public:
  [[nodiscard]] static Result<std::shared_ptr<const Config>> server(
      Options options, std::shared_ptr<PskResolver> resolver);
  [[nodiscard]] static Result<std::shared_ptr<const Config>> client(Options options,
                                                                    std::string identity,
                                                                    Bytes key);
  /// A client config without credentials: every session brings its own identity and key
  /// (Session::create(config, identity, key)); one config then serves a whole fleet.
  [[nodiscard]] static Result<std::shared_ptr<const Config>> client(Options options);
  ~Config();
  Config(const Config&) = delete;
  Config& operator=(const Config&) = delete;

  [[nodiscard]] Role role() const noexcept;
  [[nodiscard]] const Options& options() const noexcept;
  [[nodiscard]] const std::string& priority() const noexcept;
  [[nodiscard]] const ConfigImpl& impl() const noexcept { return *impl_; }

 private:
  explicit Config(std::unique_ptr<ConfigImpl> impl);
  std::unique_ptr<ConfigImpl> impl_;
};

}  // namespace gpram::tls
