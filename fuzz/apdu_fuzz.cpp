// libFuzzer harness: C-APDU / R-APDU codec (ISO/IEC 7816-4 §5.1) and the 61xx / 6Cxx helpers.
// Invariants: a parsed C-APDU re-encodes to exactly the input (the parser is strict, so every
// accepted layout is canonical) and parses back to the same value; the same for R-APDUs.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "gpram/apdu/apdu.hpp"

namespace {
void check(bool ok) {
  if (!ok) std::abort();
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace ap = gpram::apdu;
  const gpram::ByteView in(data, size);
  if (auto c = ap::parse_capdu(in)) {
    const gpram::Bytes re = ap::encode(*c);
    check(re.size() == size && std::equal(re.begin(), re.end(), in.begin()));
    auto again = ap::parse_capdu(re);
    check(again && *again == *c);
    check(c->iso_case() >= 1 && c->iso_case() <= 4);
    // Channel helpers never fail for 0..19 and round-trip the channel number.
    for (unsigned ch : {0u, 3u, 4u, 19u}) {
      auto cla = ap::with_channel(c->cla, ch);
      check(cla && ap::cla_channel(*cla) == ch);
    }
  }
  if (auto r = ap::parse_rapdu(in)) {
    const gpram::Bytes re = ap::encode(*r);
    check(re.size() == size && std::equal(re.begin(), re.end(), in.begin()));
    (void)ap::sw_name(r->sw);
    (void)ap::sw_describe(r->sw);
    // Feed the response to a chain for a fixed command: bounded, never crashes.
    ap::ResponseChain chain(ap::Capdu{0x80, 0xCA, 0x00, 0x66, {}, 256u, false}, 4, 4096);
    for (int i = 0; i < 6; ++i) {
      auto next = chain.feed(*r);
      if (!next || !*next) break;
      (void)ap::encode(**next);
    }
  }
  return 0;
}
