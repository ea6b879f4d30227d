// SMS user data headers (3GPP TS 23.040 §9.2.3.24), SCP80 segmentation and card-side
// reassembly (3GPP TS 31.115 §5; concatenation layout as sent by bagyenda/njiwa Sms.java).
#include "gpram/scp/sms.hpp"

#include <fmt/format.h>

namespace gpram::scp80 {

const UdhIe* UserData::find(uint8_t iei) const noexcept {
  for (const auto& ie : ies)
    if (ie.iei == iei) return &ie;
  return nullptr;
}

Result<UserData> parse_udh(ByteView in) {
  if (in.empty()) return fail(Errc::bad_udh, "SMS: user data is empty, expected a UDHL");
  const size_t udhl = in[0];
  if (udhl + 1 > in.size())
    return fail(Errc::bad_udh, fmt::format("SMS: UDHL {:02X} announces {} bytes but {} follow",
                                           udhl, udhl, in.size() - 1));
  UserData u;
  size_t pos = 1;
  const size_t end = 1 + udhl;
  while (pos < end) {
    if (end - pos < 2)
      return fail(Errc::bad_udh,
                  fmt::format("SMS: UDH element at offset {} is cut off (needs IEI and IEDL)", pos));
    UdhIe ie;
    ie.iei = in[pos];
    const size_t len = in[pos + 1];
    if (len > end - pos - 2)
      return fail(Errc::bad_udh,
                  fmt::format("SMS: UDH element {:02X} at offset {} has IEDL {} but only {} bytes "
                              "are left in the header",
                              ie.iei, pos, len, end - pos - 2));
    ie.value.assign(in.begin() + static_cast<std::ptrdiff_t>(pos + 2),
                    in.begin() + static_cast<std::ptrdiff_t>(pos + 2 + len));
    u.ies.push_back(std::move(ie));
    pos += 2 + len;
  }
  u.tail.assign(in.begin() + static_cast<std::ptrdiff_t>(end), in.end());
  return u;
}

Result<Bytes> encode_udh(const std::vector<UdhIe>& ies) {
  Bytes out{0};
  for (const auto& ie : ies) {
    if (ie.value.size() > 0xFF)
      return fail(Errc::bad_udh, fmt::format("SMS: UDH element {:02X} value of {} bytes exceeds 255",
                                             ie.iei, ie.value.size()));
    out.push_back(ie.iei);
    out.push_back(static_cast<uint8_t>(ie.value.size()));
    append(out, ie.value);
  }
  if (out.size() - 1 > 0xFF)
    return fail(Errc::bad_udh, fmt::format("SMS: UDH of {} bytes exceeds 255", out.size() - 1));
  out[0] = static_cast<uint8_t>(out.size() - 1);
  return out;
}

Result<std::vector<Bytes>> segment_command(ByteView packet, uint8_t ref) {
  std::vector<Bytes> out;
  constexpr size_t kSingle = kSmsUserDataMax - 3;  // 02 70 00
  if (packet.size() <= kSingle) {
    Bytes ud{0x02, kIeiCpi, 0x00};
    append(ud, packet);
    out.push_back(std::move(ud));
    return out;
  }
  constexpr size_t kFirst = kSmsUserDataMax - 8;  // 07 70 00 00 03 ref n 1
  constexpr size_t kOther = kSmsUserDataMax - 6;  // 05 00 03 ref n i
  const size_t n = 1 + (packet.size() - kFirst + kOther - 1) / kOther;
  if (n > 255)
    return fail(Errc::too_long,
                fmt::format("SMS: packet of {} bytes needs {} segments (at most 255)",
                            packet.size(), n));
  size_t pos = 0;
  for (size_t i = 1; i <= n; ++i) {
    Bytes ud;
    const auto nn = static_cast<uint8_t>(n), ii = static_cast<uint8_t>(i);
    if (i == 1)
      ud = {0x07, kIeiCpi, 0x00, kIeiConcat8, 0x03, ref, nn, ii};
    else
      ud = {0x05, kIeiConcat8, 0x03, ref, nn, ii};
    const size_t take = std::min(i == 1 ? kFirst : kOther, packet.size() - pos);
    append(ud, packet.subspan(pos, take));
    pos += take;
    out.push_back(std::move(ud));
  }
  return out;
}

Result<std::optional<Bytes>> Reassembler::feed(ByteView user_data) {
  auto u = parse_udh(user_data);
  if (!u) return fail(std::move(u.error()));
  const UdhIe* c8 = u->find(kIeiConcat8);
  const UdhIe* c16 = u->find(kIeiConcat16);
  const bool cpi = u->find(kIeiCpi) != nullptr;
  if (c8 == nullptr && c16 == nullptr) {
    if (!cpi)
      return fail(Errc::bad_udh,
                  "SMS: user data has neither a command packet identifier (IEI 70) nor a "
                  "concatenation element (IEI 00/08)");
    return std::optional<Bytes>(std::move(u->tail));
  }
  if (c8 != nullptr && c16 != nullptr)
    return fail(Errc::bad_segment, "SMS: both 8-bit (00) and 16-bit (08) concatenation elements");
  const UdhIe& c = c8 != nullptr ? *c8 : *c16;
  const size_t want = c8 != nullptr ? 3 : 4;
  if (c.value.size() != want)
    return fail(Errc::bad_segment,
                fmt::format("SMS: concatenation element {:02X} has {} bytes, expected {}", c.iei,
                            c.value.size(), want));
  const uint32_t ref = c8 != nullptr ? c.value[0] : load_u16(c.value.data());
  const uint32_t key = c8 != nullptr ? ref : (0x10000u | ref);  // 8- and 16-bit refs kept apart
  const uint8_t total = c.value[want - 2];
  const uint8_t index = c.value[want - 1];
  if (total == 0 || index == 0 || index > total)
    return fail(Errc::bad_segment,
                fmt::format("SMS: segment {} of {} (reference {}) is out of range", index, total,
                            ref));
  if (index == 1 && !cpi)
    return fail(Errc::bad_segment,
                fmt::format("SMS: first segment of reference {} lacks the command packet identifier "
                            "(IEI 70)",
                            ref));
  auto it = parts_.find(key);
  if (it == parts_.end()) {
    if (parts_.size() >= max_refs_)
      return fail(Errc::bad_segment,
                  fmt::format("SMS: too many concatenated messages in progress ({}); segment of "
                              "reference {} dropped",
                              parts_.size(), ref));
    it = parts_.emplace(key, Pending{}).first;
    it->second.total = total;
  } else if (it->second.total != total) {
    return fail(Errc::bad_segment,
                fmt::format("SMS: segment {} of reference {} says {} parts, earlier ones said {}",
                            index, ref, total, it->second.total));
  }
  if (it->second.parts.count(index) != 0)
    return fail(Errc::bad_segment,
                fmt::format("SMS: duplicate segment {} of {} for reference {}", index, total, ref));
  it->second.parts.emplace(index, std::move(u->tail));
  if (it->second.parts.size() < total) return std::optional<Bytes>();
  Bytes packet;
  for (auto& [i, part] : it->second.parts) append(packet, part);
  parts_.erase(it);
  return std::optional<Bytes>(std::move(packet));
}

}  // namespace gpram::scp80
