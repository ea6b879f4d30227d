// libFuzzer harness: CAP files. First byte selects the mode:
//   0x00..0x7F  the rest is a whole .cap archive -> CapFile::parse, then load file / hashes /
//               compile_install on success
//   0x80..0xFF  the rest is raw component bytes -> Header / Applet / Import parsers
#include <cstddef>
#include <cstdint>

#include "gpram/gp/cap.hpp"
#include "gpram/gp/install.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const gpram::ByteView in(data + 1, size - 1);
  if (data[0] < 0x80) {
    auto cap = gpram::gp::CapFile::parse(in);
    if (!cap) return 0;
    (void)cap->load_file(true);
    (void)cap->load_file_hash(gpram::gp::HashAlg::sha1);
    gpram::gp::InstallOptions o;
    o.block_size = 240;
    (void)gpram::gp::compile_install(*cap, o);
    return 0;
  }
  switch (data[0] % 3) {
    case 0: (void)gpram::gp::parse_header_component(in); break;
    case 1: (void)gpram::gp::parse_applet_component(in); break;
    default: (void)gpram::gp::parse_import_component(in); break;
  }
  return 0;
}
