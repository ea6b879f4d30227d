// Private helpers of gpram::gp: one-byte length-value fields of INSTALL data.
#pragma once

#include <fmt/format.h>

#include "gpram/gp/errors.hpp"

namespace gpram::gp::detail {

/// Appends L V with a one-byte length (GP 2.3 Table 11-45 fields); invalid_argument above 255.
[[nodiscard]] inline Result<void> append_lv(Bytes& out, ByteView v, const char* what) {
  if (v.size() > 255)
    return fail(Errc::invalid_argument,
                fmt::format("GP: {} of {} bytes does not fit a one-byte length", what, v.size()));
  out.push_back(static_cast<uint8_t>(v.size()));
  append(out, v);
  return {};
}

/// Size of a short C-APDU as encoded: header, Lc + data when data is present, Le when present.
[[nodiscard]] inline size_t short_capdu_size(size_t data, bool le) {
  return 4 + (data ? 1 + data : 0) + (le ? 1 : 0);
}

}  // namespace gpram::gp::detail
