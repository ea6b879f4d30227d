// LOAD (GP 2.3 §11.6) and STORE DATA (GP 2.3 §11.11) block splitting, and the block-size
// calculator for LOAD commands that must fit a C-APDU limit and an ETSI TS 102 226 script
// command (`22 <BER length> C-APDU`, §5.2.1) after secure-channel wrapping.
#include <algorithm>

#include <fmt/format.h>

#include "gpram/gp/commands.hpp"
#include "gpram/tlv/tlv.hpp"
#include "lv.hpp"

namespace gpram::gp {

apdu::Capdu load_block(ByteView block, uint8_t number, bool last) {
  apdu::Capdu c;
  c.cla = kClaGp;
  c.ins = kInsLoad;
  c.p1 = last ? 0x80 : 0x00;
  c.p2 = number;
  c.data.assign(block.begin(), block.end());
  c.le = kLe00;
  return c;
}

Result<std::vector<apdu::Capdu>> load_commands(ByteView load_file_with_lfdb, size_t block_size) {
  if (block_size == 0 || block_size > 255)
    return fail(Errc::invalid_argument,
                fmt::format("GP: LOAD block size must be 1..255, got {}", block_size));
  if (load_file_with_lfdb.empty())
    return fail(Errc::invalid_argument, "GP: empty load file");
  const size_t blocks = (load_file_with_lfdb.size() + block_size - 1) / block_size;
  if (blocks > 256)
    return fail(Errc::invalid_argument,
                fmt::format("GP: load file of {} bytes needs {} LOAD blocks of {} bytes; P2 "
                            "allows at most 256 (use a larger block)",
                            load_file_with_lfdb.size(), blocks, block_size));
  std::vector<apdu::Capdu> out;
  out.reserve(blocks);
  for (size_t i = 0; i < blocks; ++i) {
    const size_t off = i * block_size;
    const size_t n = std::min(block_size, load_file_with_lfdb.size() - off);
    out.push_back(load_block(load_file_with_lfdb.subspan(off, n), static_cast<uint8_t>(i),
                             i + 1 == blocks));
  }
  return out;
}

Bytes dap_block(ByteView sd_aid, ByteView signature) {
  Bytes out;
  tlv::append_constructed(out, 0xE2, [&](Bytes& o) {
    tlv::append(o, 0x4F, sd_aid);
    tlv::append(o, 0xC3, signature);
  });
  return out;
}

Result<size_t> max_load_block_size(const BlockLimits& limits) {
  if (limits.secure_channel_overhead >= 255)
    return fail(Errc::invalid_argument,
                fmt::format("GP: secure channel overhead of {} bytes leaves no room in a short "
                            "APDU",
                            limits.secure_channel_overhead));
  for (size_t n = 255 - limits.secure_channel_overhead; n > 0; --n) {
    const size_t wire = detail::short_capdu_size(n + limits.secure_channel_overhead, limits.le);
    if (wire > limits.max_capdu) continue;
    if (limits.max_script_command) {
      const size_t element = 1 + tlv::length_size(wire) + wire;
      if (element > *limits.max_script_command) continue;
    }
    return n;
  }
  return fail(Errc::invalid_argument,
              fmt::format("GP: no LOAD block fits a C-APDU of at most {} bytes{} with {} bytes of "
                          "secure-channel overhead",
                          limits.max_capdu,
                          limits.max_script_command
                              ? fmt::format(" and a script command of at most {} bytes",
                                            *limits.max_script_command)
                              : std::string(),
                          limits.secure_channel_overhead));
}

apdu::Capdu store_data(ByteView data, uint8_t block, bool last, const StoreDataFlags& flags) {
  apdu::Capdu c;
  c.cla = kClaGp;
  c.ins = kInsStoreData;
  c.p1 = static_cast<uint8_t>((last ? 0x80 : 0x00) | static_cast<uint8_t>(flags.encryption) |
                              static_cast<uint8_t>(flags.structure) |
                              (flags.response_expected ? 0x01 : 0x00));
  c.p2 = block;
  c.data.assign(data.begin(), data.end());
  if (flags.response_expected) c.le = kLe00;
  return c;
}

Result<std::vector<apdu::Capdu>> store_data_blocks(ByteView data, size_t block_size,
                                                   const StoreDataFlags& flags) {
  if (block_size == 0 || block_size > 255)
    return fail(Errc::invalid_argument,
                fmt::format("GP: STORE DATA block size must be 1..255, got {}", block_size));
  const size_t blocks = data.empty() ? 1 : (data.size() + block_size - 1) / block_size;
  if (blocks > 256)
    return fail(Errc::invalid_argument,
                fmt::format("GP: {} bytes need {} STORE DATA blocks; P2 allows at most 256",
                            data.size(), blocks));
  std::vector<apdu::Capdu> out;
  out.reserve(blocks);
  for (size_t i = 0; i < blocks; ++i) {
    const size_t off = i * block_size;
    const size_t n = std::min(block_size, data.size() - off);
    out.push_back(store_data(data.subspan(off, n), static_cast<uint8_t>(i), i + 1 == blocks, flags));
  }
  return out;
}

}  // namespace gpram::gp
