// libFuzzer harness: arbitrary bytes as the ciphertext a client sends to a server tls::Session
// (records, ClientHello, alerts). Byte 0 picks the config (default suites / TLS 1.2 legacy with
// NULL and TLS 1.0 / all suites with TLS 1.3) and the chunk size the rest is fed in.
#include <cstddef>
#include <cstdint>

#include "gpram/tls/session.hpp"

namespace {

std::shared_ptr<const gpram::tls::Config> make_config(int which) {
  using gpram::tls::Suite;
  auto resolver = std::make_shared<gpram::tls::MemoryPskResolver>();
  resolver->add("card", gpram::hex("00112233445566778899AABBCCDDEEFF"));
  gpram::tls::Options o;
  if (which == 1) {
    o.suites = {Suite::psk_aes128_cbc_sha, Suite::psk_3des_ede_cbc_sha, Suite::psk_null_sha};
    o.tls10 = true;
    o.max_record_size = 512;
  } else if (which == 2) {
    o.suites = {Suite::psk_aes128_cbc_sha256, Suite::psk_null_sha256, Suite::tls13};
  }
  auto c = gpram::tls::Config::server(o, resolver);
  return c ? *c : nullptr;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::shared_ptr<const gpram::tls::Config> configs[3] = {
      make_config(0), make_config(1), make_config(2)};
  if (size < 1) return 0;
  const auto& cfg = configs[data[0] % 3];
  const size_t chunk = 1 + static_cast<size_t>(data[0] >> 2) * 16;
  auto s = gpram::tls::Session::create(cfg);
  if (!s) return 0;
  gpram::ByteView in(data + 1, size - 1);
  for (size_t pos = 0; pos < in.size(); pos += chunk) {
    auto part = in.subspan(pos, std::min(chunk, in.size() - pos));
    if (!(*s)->feed(part)) break;
    (*s)->consume_output((*s)->pending_output().size());
  }
  (*s)->consume_plaintext((*s)->plaintext().size());
  (void)(*s)->write(gpram::as_bytes("HTTP/1.1 204 No Content\r\n\r\n"));
  (*s)->close();
  (void)(*s)->pending_output();
  return 0;
}
