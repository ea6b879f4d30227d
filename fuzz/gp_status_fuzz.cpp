// libFuzzer harness: GlobalPlatform response parsers. First byte selects the parser:
//   b0-b1: 0 GET STATUS legacy, 1 GET STATUS TLV, 2 key information, 3 PUT KEY response
//   b2-b3: GET STATUS kind (ISD, applications, load files, load files + modules)
// For GET STATUS the rest is also fed to a GetStatusPager as pages split at 0xFF bytes, with
// SW 6310 between pages.
#include <cstddef>
#include <cstdint>

#include "gpram/gp/registry.hpp"

using gpram::gp::StatusFormat;
using gpram::gp::StatusKind;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const gpram::ByteView in(data + 1, size - 1);
  const int parser = data[0] & 0x03;
  static constexpr StatusKind kKinds[] = {StatusKind::isd, StatusKind::applications,
                                          StatusKind::load_files,
                                          StatusKind::load_files_and_modules};
  const StatusKind kind = kKinds[(data[0] >> 2) & 0x03];
  switch (parser) {
    case 0:
    case 1: {
      const StatusFormat fmt = parser == 0 ? StatusFormat::legacy : StatusFormat::tlv;
      auto r = gpram::gp::parse_get_status(in, kind, fmt);
      if (r)
        for (const auto& e : *r) (void)gpram::gp::privilege_names(e.privileges);
      gpram::gp::GetStatusPager pager(kind, fmt, {}, 8);
      size_t start = 0;
      for (size_t i = 0; i <= in.size(); ++i) {
        if (i < in.size() && in[i] != 0xFF) continue;
        const bool last = i == in.size();
        gpram::apdu::Rapdu page{gpram::Bytes(in.begin() + static_cast<std::ptrdiff_t>(start),
                                             in.begin() + static_cast<std::ptrdiff_t>(i)),
                                static_cast<uint16_t>(last ? 0x9000 : 0x6310)};
        auto more = pager.feed(page);
        if (!more || !*more) break;
        start = i + 1;
      }
      break;
    }
    case 2: {
      auto r = gpram::gp::parse_key_information(in);
      if (r)
        for (const auto& k : *r) (void)gpram::gp::encode_key_information(k);
      break;
    }
    default:
      (void)gpram::gp::parse_put_key_response(in, 1 + (data[0] >> 4) % 8);
      break;
  }
  return 0;
}
