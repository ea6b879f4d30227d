// Per card family knobs of the Amendment B server side. Defaults and the reasons behind them:
// docs/protocols/amendment-b.md.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "gpram/http/serializer.hpp"

namespace gpram::ram {

struct CardProfile {
  std::string name = "default";
  /// Response bodies with Transfer-Encoding: chunked (else Content-Length).
  bool chunked = true;
  /// Bytes per chunk when chunked; 0 = the whole script in one chunk.
  size_t chunk_size = 0;
  /// Hint for the TLS layer: largest record to send (512..16384; Amd B §3.3.2 requires the
  /// RAS to accept Maximum Fragment Length down to 512).
  uint16_t max_record_size = 16384;
  /// The job compiler must use BER long-form lengths above 127 (81 xx / 82 xx xx) in 22/AA
  /// TLVs. Always true for conforming cards; the flag exists so a profile can document it.
  bool ber_long_form = true;
  /// Send X-Admin-Targeted-Application when a step names a target application.
  bool send_targeted_application = true;

  [[nodiscard]] http::BodyOptions body_options() const noexcept { return {chunked, chunk_size}; }
};

/// The built-in profiles: "default", "strict-content-length", "small-records-512",
/// "reference-chunked-100".
[[nodiscard]] const std::vector<CardProfile>& builtin_profiles();
/// A built-in profile by name; nullptr if unknown.
[[nodiscard]] const CardProfile* find_profile(std::string_view name) noexcept;

}  // namespace gpram::ram
