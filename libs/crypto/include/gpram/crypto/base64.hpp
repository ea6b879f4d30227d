// Base64 (RFC 4648 §4) through nettle: CAP files travel base64-encoded in REST requests.
#pragma once

#include <string>
#include <string_view>

#include "gpram/base/bytes.hpp"

namespace gpram::crypto {

[[nodiscard]] std::string base64_encode(ByteView data);
/// Strict decoder (whitespace tolerated); the error names the first bad character.
[[nodiscard]] Result<Bytes> base64_decode(std::string_view text);

}  // namespace gpram::crypto
