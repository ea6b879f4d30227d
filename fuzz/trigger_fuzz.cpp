// libFuzzer harness: Amendment B triggering parameters (81), stored set (85) and update (A5)
// decoders (GP Amd B Table 3-3); every decoded value must re-encode and decode to itself.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "gpram/ram/trigger.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace gpram::ram;
  const gpram::ByteView in(data, size);
  if (auto t = decode_trigger(in)) {
    auto again = encode_trigger(*t);
    if (!again) std::abort();
    auto back = decode_trigger(*again);
    if (!back || !(*back == *t)) std::abort();
  }
  if (auto s = decode_stored(in)) {
    auto again = encode_stored(*s);
    if (!again) std::abort();
    auto back = decode_stored(*again);
    if (!back || !(*back == *s)) std::abort();
  }
  if (auto u = decode_stored_update(in)) {
    SessionParams s;
    apply_update(s, *u);
  }
  (void)decode_apn(in);
  return 0;
}
