// libFuzzer harness: ETSI TS 102 226 script decoders (expanded command / response, compact
// command / response). Invariants: a decoded script re-encodes (in the form it was read in and
// in the other form) to bytes that decode to the same script; compact decoding re-encodes to the
// input.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "gpram/apdu/script.hpp"

namespace {
void check(bool ok) {
  if (!ok) std::abort();
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace ap = gpram::apdu;
  const gpram::ByteView in(data, size);
  if (auto s = ap::decode_command_script(in)) {
    for (auto form : {ap::ScriptForm::definite, ap::ScriptForm::indefinite}) {
      const gpram::Bytes re = ap::encode_command_script(*s, form);
      auto again = ap::decode_command_script(re);
      check(again && *again == *s);
    }
    for (const auto& c : s->capdus()) check(ap::parse_capdu(c).has_value());
  }
  if (auto s = ap::decode_response_script(in)) {
    (void)s->executed();
    (void)s->bad_format();
    (void)s->rapdus();
    // The definite form needs the count first; re-encode in the form that allows this script.
    const bool count_first =
        !s->items.empty() && s->items[0].kind == ap::ResponseItem::Kind::executed_count;
    for (auto form : {ap::ScriptForm::definite, ap::ScriptForm::indefinite}) {
      if (form == ap::ScriptForm::definite && !count_first) continue;
      const gpram::Bytes re = ap::encode_response_script(*s, form);
      auto again = ap::decode_response_script(re);
      check(again && *again == *s);
    }
  }
  if (auto cs = ap::decode_compact_command(in)) {
    gpram::Bytes re;
    for (const auto& c : *cs) gpram::append(re, ap::encode(c));
    check(re.size() == size && std::equal(re.begin(), re.end(), in.begin()));
  }
  if (auto r = ap::decode_compact_response(in)) {
    const gpram::Bytes re = ap::encode_compact_response(*r);
    check(re.size() == size && std::equal(re.begin(), re.end(), in.begin()));
  }
  return 0;
}
