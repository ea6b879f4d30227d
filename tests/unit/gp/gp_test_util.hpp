// Test helpers for gp_test: C-APDU serialisation (short form, ISO 7816-4 §5.1) used to compare
// builder output with public APDU hex, and CAP fixture paths.
#pragma once

#include <string>

#include "gpram/apdu/apdu.hpp"
#include "gpram/base/bytes.hpp"
#include "vectors.hpp"

namespace gpram::gp::test {

inline std::string capdu_hex(const apdu::Capdu& c) {
  Bytes out{c.cla, c.ins, c.p1, c.p2};
  if (!c.data.empty()) {
    out.push_back(static_cast<uint8_t>(c.data.size()));
    append(out, c.data);
  }
  if (c.le) out.push_back(static_cast<uint8_t>(*c.le == 256 ? 0 : *c.le));
  return to_hex(out);
}

inline std::string cap_path(const std::string& name) {
  return gpram::test::testdata("cap/" + name);
}

}  // namespace gpram::gp::test
