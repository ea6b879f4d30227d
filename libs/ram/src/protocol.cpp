// Amendment B header values (AmdB v1.1.3 §3.4) and the session error category.
#include "gpram/ram/protocol.hpp"

#include <fmt/format.h>

#include "gpram/http/message.hpp"

namespace gpram::ram {
namespace {

const char* session_message(int ev) {
  switch (static_cast<SessionErrc>(ev)) {
    case SessionErrc::bad_state: return "RAM: call not allowed in this session state";
    case SessionErrc::bad_status: return "RAM: unexpected HTTP status";
    case SessionErrc::bad_header: return "RAM: missing or malformed Amendment B header";
    case SessionErrc::bad_content_type: return "RAM: Content-Type inconsistent with the body";
    case SessionErrc::bad_targeted_application:
      return "RAM: malformed X-Admin-Targeted-Application";
  }
  return "RAM: unknown session error";
}

// Canonical form of a media type for comparison: lowercase, no whitespace.
std::string canonical_media(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    if (c == ' ' || c == '\t') continue;
    out.push_back((c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c);
  }
  return out;
}

int hex_nibble(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

const std::error_category& session_error_category() noexcept {
  static const SimpleCategory category("gpram.ram.session", session_message);
  return category;
}

std::string_view to_string(ScriptStatus s) noexcept {
  switch (s) {
    case ScriptStatus::ok: return "ok";
    case ScriptStatus::unknown_application: return "unknown-application";
    case ScriptStatus::not_a_security_domain: return "not-a-security-domain";
    case ScriptStatus::security_error: return "security-error";
  }
  return "ok";
}

std::optional<ScriptStatus> parse_script_status(std::string_view v) noexcept {
  v = http::trim_ows(v);
  for (auto s : {ScriptStatus::ok, ScriptStatus::unknown_application,
                 ScriptStatus::not_a_security_domain, ScriptStatus::security_error})
    if (http::iequals(v, to_string(s))) return s;
  return std::nullopt;
}

std::string format_targeted_application(ByteView aid) {
  const size_t rid = aid.size() < 5 ? aid.size() : 5;
  return fmt::format("//aid/{}/{}", to_hex(aid.first(rid)), to_hex(aid.subspan(rid)));
}

Result<Bytes> parse_targeted_application(std::string_view v) {
  const std::string_view orig = v;
  constexpr std::string_view kPrefix = "//aid/";
  if (v.substr(0, kPrefix.size()) != kPrefix)
    return fail(SessionErrc::bad_targeted_application,
                fmt::format("RAM: X-Admin-Targeted-Application '{}' does not start with //aid/",
                            orig.substr(0, 64)));
  v.remove_prefix(kPrefix.size());
  const size_t slash = v.find('/');
  const std::string_view rid = v.substr(0, slash);
  const std::string_view pix = slash == std::string_view::npos ? std::string_view{}
                                                               : v.substr(slash + 1);
  if (rid.size() != 10 || pix.size() > 22 || pix.size() % 2 != 0)
    return fail(SessionErrc::bad_targeted_application,
                fmt::format("RAM: X-Admin-Targeted-Application '{}': RID must be 10 hex digits "
                            "and PIX 0-22 (got {} and {})",
                            orig.substr(0, 64), rid.size(), pix.size()));
  Bytes aid;
  aid.reserve(16);
  for (std::string_view part : {rid, pix}) {
    for (size_t i = 0; i < part.size(); i += 2) {
      const int hi = hex_nibble(part[i]);
      const int lo = hex_nibble(part[i + 1]);
      if (hi < 0 || lo < 0)
        return fail(SessionErrc::bad_targeted_application,
                    fmt::format("RAM: X-Admin-Targeted-Application '{}': non-hex digit",
                                orig.substr(0, 64)));
      aid.push_back(static_cast<uint8_t>(hi * 16 + lo));
    }
  }
  return aid;
}

bool same_media_type(std::string_view a, std::string_view b) noexcept {
  return canonical_media(a) == canonical_media(b);
}

}  // namespace gpram::ram
