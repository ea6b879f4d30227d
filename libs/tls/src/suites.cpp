// Suite names, IANA codes, the --tls-suites parser, the GnuTLS priority string, alert names
// and the error category. Suites: GP Amendment B v1.1.3 §3.3.2 and v1.2
// Table 3-2 (see docs/protocols/tls.md for the priority string and why each keyword is there).
#include <fmt/format.h>

#include <algorithm>
#include <cstdio>

#include "internal.hpp"

namespace gpram::tls {
namespace {

const char* tls_message(int ev) {
  switch (static_cast<Errc>(ev)) {
    case Errc::bad_config: return "TLS: invalid configuration";
    case Errc::unknown_psk_identity: return "TLS: unknown PSK identity";
    case Errc::handshake_failed: return "TLS: handshake failed";
    case Errc::suite_not_allowed: return "TLS: negotiated suite not allowed";
    case Errc::peer_alert: return "TLS: fatal alert from peer";
    case Errc::record_error: return "TLS: bad record";
    case Errc::closed: return "TLS: session closed";
    case Errc::internal: return "TLS: internal error";
  }
  return "TLS: unknown error";
}

struct SuiteInfo {
  Suite suite;
  std::string_view name;
  uint16_t code;
};
constexpr SuiteInfo kSuites[] = {
    {Suite::psk_aes128_cbc_sha256, "psk-aes128-cbc-sha256", 0x00AE},
    {Suite::psk_aes128_cbc_sha, "psk-aes128-cbc-sha", 0x008C},
    {Suite::psk_3des_ede_cbc_sha, "psk-3des-ede-cbc-sha", 0x008B},
    {Suite::psk_null_sha256, "psk-null-sha256", 0x00B0},
    {Suite::psk_null_sha, "psk-null-sha", 0x002C},
    {Suite::tls13, "tls13", 0x1301},
};

bool has(const std::vector<Suite>& v, Suite s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

}  // namespace

const std::error_category& error_category() noexcept {
  static const SimpleCategory category("gpram.tls", tls_message);
  return category;
}

Error gnutls_error(Errc code, std::string_view context, int rc) {
  return Error{make_error_code(code),
               fmt::format("TLS: {}: {} ({})", context, gnutls_strerror(rc), rc)};
}

std::string_view alert_name(int alert) noexcept {
  switch (alert) {
    case 0: return "close_notify";
    case 10: return "unexpected_message";
    case 20: return "bad_record_mac";
    case 21: return "decryption_failed";
    case 22: return "record_overflow";
    case 40: return "handshake_failure";
    case 42: return "bad_certificate";
    case 47: return "illegal_parameter";
    case 50: return "decode_error";
    case 51: return "decrypt_error";
    case 70: return "protocol_version";
    case 71: return "insufficient_security";
    case 80: return "internal_error";
    case 86: return "inappropriate_fallback";
    case 90: return "user_canceled";
    case 100: return "no_renegotiation";
    case 109: return "missing_extension";
    case 110: return "unsupported_extension";
    case 112: return "unrecognized_name";
    case 115: return "unknown_psk_identity";
    case 120: return "no_application_protocol";
    default: return "unknown_alert";
  }
}

std::string_view suite_name(Suite s) noexcept {
  for (const auto& i : kSuites)
    if (i.suite == s) return i.name;
  return "?";
}

uint16_t suite_iana_code(Suite s) noexcept {
  for (const auto& i : kSuites)
    if (i.suite == s) return i.code;
  return 0;
}

std::vector<Suite> default_suites() {
  return {Suite::psk_aes128_cbc_sha256, Suite::psk_aes128_cbc_sha, Suite::tls13};
}

Result<std::vector<Suite>> parse_suites(std::string_view list) {
  std::vector<Suite> out;
  size_t pos = 0;
  while (pos <= list.size()) {
    size_t end = list.find(',', pos);
    if (end == std::string_view::npos) end = list.size();
    std::string_view item = list.substr(pos, end - pos);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    const SuiteInfo* found = nullptr;
    for (const auto& i : kSuites)
      if (i.name == item) found = &i;
    if (found == nullptr)
      return fail(Errc::bad_config,
                  fmt::format("TLS: unknown suite '{}' in --tls-suites (known: psk-aes128-cbc-"
                              "sha256, psk-aes128-cbc-sha, psk-3des-ede-cbc-sha, psk-null-sha256, "
                              "psk-null-sha, tls13)",
                              item));
    if (!has(out, found->suite)) out.push_back(found->suite);
    pos = end + 1;
  }
  return out;
}

std::string suites_to_string(const std::vector<Suite>& suites) {
  std::string out;
  for (Suite s : suites) {
    if (!out.empty()) out += ',';
    out += suite_name(s);
  }
  return out;
}

Result<std::string> priority_string(const Options& o) {
  const bool null = has(o.suites, Suite::psk_null_sha256) || has(o.suites, Suite::psk_null_sha);
  return priority_string(o, null && has(o.suites, Suite::tls13) ? 1 : 0);
}

Result<std::string> priority_string(const Options& o, int null_mode) {
  std::vector<Suite> s = o.suites;
  if (null_mode == 1)
    s.erase(std::remove_if(s.begin(), s.end(),
                           [](Suite x) {
                             return x == Suite::psk_null_sha256 || x == Suite::psk_null_sha;
                           }),
            s.end());
  if (null_mode == 2) s.erase(std::remove(s.begin(), s.end(), Suite::tls13), s.end());
  const bool tls13 = has(s, Suite::tls13) && (o.tls13_psk_ke || o.tls13_psk_dhe_ke);
  const bool legacy = std::any_of(s.begin(), s.end(), [](Suite x) { return x != Suite::tls13; });
  const bool any_legacy_version = o.tls10 || o.tls11 || o.tls12;
  if (!tls13 && !(legacy && any_legacy_version))
    return fail(Errc::bad_config,
                fmt::format("TLS: the suite list '{}' with the enabled versions leaves nothing to "
                            "negotiate",
                            suites_to_string(s)));
  std::string p = "NONE";
  if (tls13) p += ":+VERS-TLS1.3";
  if (legacy) {
    if (o.tls12) p += ":+VERS-TLS1.2";
    if (o.tls11) p += ":+VERS-TLS1.1";
    if (o.tls10) p += ":+VERS-TLS1.0";
  }
  // Key exchange: plain PSK (TLS <= 1.2 suites, TLS 1.3 psk_ke); ECDHE-PSK (psk_dhe_ke; no
  // DHE-PSK: a GnuTLS client would compute an FFDHE key share for every ClientHello).
  if (legacy || o.tls13_psk_ke) p += ":+PSK";
  if (tls13 && o.tls13_psk_dhe_ke) p += ":+ECDHE-PSK";
  if (tls13) p += ":+AES-128-GCM:+AES-128-CCM";
  if (has(s, Suite::psk_aes128_cbc_sha256) || has(s, Suite::psk_aes128_cbc_sha))
    p += ":+AES-128-CBC";
  if (has(s, Suite::psk_3des_ede_cbc_sha)) p += ":+3DES-CBC";
  if (has(s, Suite::psk_null_sha256) || has(s, Suite::psk_null_sha)) p += ":+NULL";
  if (tls13) p += ":+AEAD";
  if (has(s, Suite::psk_aes128_cbc_sha256) || has(s, Suite::psk_null_sha256) || tls13)
    p += ":+SHA256";
  if (has(s, Suite::psk_aes128_cbc_sha) || has(s, Suite::psk_3des_ede_cbc_sha) ||
      has(s, Suite::psk_null_sha))
    p += ":+SHA1";
  if (tls13 && o.tls13_psk_dhe_ke)
    p += ":+GROUP-X25519:+GROUP-SECP256R1:+GROUP-SECP384R1";
  p += ":+COMP-NULL:+SIGN-ALL";
  if (!o.encrypt_then_mac) p += ":%NO_ETM";
  return p;
}

void apply_scp81_i(Options& o, uint8_t i) {
  o.tls10 = (i & 0x01) != 0;
  o.tls11 = (i & 0x02) != 0;
  o.tls12 = (i & 0x04) != 0;
  if ((i & 0x08) == 0) o.suites.erase(std::remove(o.suites.begin(), o.suites.end(), Suite::tls13),
                                      o.suites.end());
}

bool suite_listed(const std::vector<Suite>& v, Suite s) { return has(v, s); }

}  // namespace gpram::tls
