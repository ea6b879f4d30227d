// Amendment B HTTP constants (GP Card Spec v2.2 Amd B v1.1.3 §3.4, unchanged in v1.2) and the
// session error codes shared by ServerSession and AgentSession.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <system_error>

#include "gpram/base/bytes.hpp"

namespace gpram::ram {

inline constexpr std::string_view kProtocol = "globalplatform-remote-admin/1.0";
inline constexpr std::string_view kScriptContentType =
    "application/vnd.globalplatform.card-content-mgt;version=1.0";
inline constexpr std::string_view kResponseContentType =
    "application/vnd.globalplatform.card-content-mgt-response;version=1.0";

inline constexpr std::string_view kHdrProtocol = "X-Admin-Protocol";
inline constexpr std::string_view kHdrFrom = "X-Admin-From";
inline constexpr std::string_view kHdrScriptStatus = "X-Admin-Script-Status";
inline constexpr std::string_view kHdrResume = "X-Admin-Resume";
inline constexpr std::string_view kHdrNextUri = "X-Admin-Next-URI";
inline constexpr std::string_view kHdrScwsNextUri = "SCWS-Next-URI";  // OMA SCWS synonym
inline constexpr std::string_view kHdrTargetedApp = "X-Admin-Targeted-Application";

/// X-Admin-Script-Status values (AmdB §3.4.3 table). Only `ok` comes with a response script.
enum class ScriptStatus { ok, unknown_application, not_a_security_domain, security_error };

[[nodiscard]] std::string_view to_string(ScriptStatus s) noexcept;
[[nodiscard]] std::optional<ScriptStatus> parse_script_status(std::string_view v) noexcept;

/// "//aid/<RID 10 hex>/<PIX 0-22 hex>" for an AID of 5..16 bytes (uppercase, zeros kept).
[[nodiscard]] std::string format_targeted_application(ByteView aid);
/// Inverse of format_targeted_application (hex case-insensitive).
[[nodiscard]] Result<Bytes> parse_targeted_application(std::string_view v);

/// Media types compare case-insensitively, ignoring whitespace around ';' and '=' (RFC 9110
/// §8.3.1); the `version` parameter value must match.
[[nodiscard]] bool same_media_type(std::string_view a, std::string_view b) noexcept;

/// Errors of the admin sessions (named SessionErrc: ram's trigger codec owns its own codes).
enum class SessionErrc {
  bad_state = 1,          // call not allowed in the current state (our caller's bug)
  bad_status,             // unexpected HTTP status from the server
  bad_header,             // missing or malformed Amendment B header
  bad_content_type,       // Content-Type inconsistent with the body
  bad_targeted_application,
};

}  // namespace gpram::ram

namespace gpram::ram {
const std::error_category& session_error_category() noexcept;
inline std::error_code make_error_code(SessionErrc e) noexcept {
  return {static_cast<int>(e), session_error_category()};
}
}  // namespace gpram::ram
template <>
struct std::is_error_code_enum<gpram::ram::SessionErrc> : std::true_type {};
