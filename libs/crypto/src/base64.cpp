#include "gpram/crypto/base64.hpp"

#include <fmt/format.h>
#include <nettle/base64.h>

#include "gpram/crypto/crypto.hpp"

namespace gpram::crypto {

std::string base64_encode(ByteView data) {
  std::string out(BASE64_ENCODE_RAW_LENGTH(data.size()), '\0');
  base64_encode_raw(out.data(), data.size(), data.data());
  return out;
}

Result<Bytes> base64_decode(std::string_view text) {
  std::string clean;
  clean.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == ' ' || c == '\n' || c == '\r' || c == '\t') continue;
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                    c == '+' || c == '/' || c == '=';
    if (!ok)
      return fail(Errc::bad_data_length,
                  fmt::format("base64: invalid character at position {}", i));
    clean.push_back(c);
  }
  if (clean.size() % 4 != 0)
    return fail(Errc::bad_data_length,
                fmt::format("base64: length {} is not a multiple of 4", clean.size()));
  Bytes out(BASE64_DECODE_LENGTH(clean.size()));
  base64_decode_ctx ctx;
  base64_decode_init(&ctx);
  size_t n = out.size();
  if (!base64_decode_update(&ctx, &n, out.data(), clean.size(), clean.data()) ||
      !base64_decode_final(&ctx))
    return fail(Errc::bad_data_length, "base64: malformed input (bad padding)");
  out.resize(n);
  return out;
}

}  // namespace gpram::crypto
