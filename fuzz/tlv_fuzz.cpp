// libFuzzer harness: BER-TLV (recursive into constructed values) and COMPREHENSION-TLV decoders.
#include <cstddef>
#include <cstdint>

#include "gpram/tlv/tlv.hpp"

namespace {
void walk(gpram::ByteView in, int depth) {
  auto all = gpram::tlv::decode_all(in);
  if (!all) return;
  for (const auto& t : *all) {
    if (t.constructed() && depth < 16) walk(t.value, depth + 1);
    gpram::Bytes re;
    gpram::tlv::append(re, t.tag, t.value);
  }
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  gpram::ByteView in(data, size);
  walk(in, 0);
  (void)gpram::tlv::decode_all_ctlv(in);
  size_t pos = 0;
  (void)gpram::tlv::read_length(in, pos, true, true);
  return 0;
}
