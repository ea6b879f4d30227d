// SMS-DELIVER / SMS-SUBMIT TPDUs (3GPP TS 23.040 §9.2.2.1 and §9.2.2.2), TP addresses (§9.1.2.5)
// and the data coding scheme test of 3GPP TS 23.038 §4. Enough for the virtual handset: OTA
// messages use 8-bit data (DCS F6) and PID 7F (TS 31.111 §7.1.1 (U)SIM data download).
#include <fmt/format.h>

#include "gpram/scp/sms.hpp"

namespace gpram::scp80 {
namespace {

constexpr char kDigits[] = "0123456789*#abc";

Result<uint8_t> digit_value(char ch) {
  for (uint8_t i = 0; i < 15; ++i)
    if (kDigits[i] == ch || (i >= 12 && kDigits[i] - 'a' + 'A' == ch)) return i;
  return fail(Errc::bad_tpdu, fmt::format("SMS: '{}' is not an address digit (0-9 * # a b c)", ch));
}

Result<size_t> user_data_octets(uint8_t dcs, uint8_t udl, size_t left, const char* what) {
  const size_t octets = dcs_is_7bit(dcs) ? (size_t{udl} * 7 + 7) / 8 : udl;
  if (octets > kSmsUserDataMax)
    return fail(Errc::bad_tpdu, fmt::format("SMS: {} UDL {} ({} octets) exceeds 140 octets", what,
                                            udl, octets));
  if (octets != left)
    return fail(Errc::bad_tpdu,
                fmt::format("SMS: {} UDL {} means {} octets of user data but {} follow", what, udl,
                            octets, left));
  return octets;
}

Result<void> need(ByteView in, size_t pos, size_t n, const char* field) {
  if (in.size() - pos >= n) return {};
  return fail(Errc::bad_tpdu, fmt::format("SMS: TPDU ends at offset {} inside {} ({} bytes needed)",
                                          in.size(), field, n));
}

}  // namespace

bool dcs_is_7bit(uint8_t dcs) noexcept {
  if ((dcs & 0x80) == 0) return (dcs & 0x20) == 0 && ((dcs >> 2) & 0x03) == 0;
  if ((dcs & 0xF0) == 0xF0) return (dcs & 0x04) == 0;
  return (dcs & 0xE0) == 0xC0;
}

Result<Address> decode_address(ByteView in, size_t& pos) {
  if (auto ok = need(in, pos, 2, "an address"); !ok) return fail(std::move(ok.error()));
  const size_t ndigits = in[pos];
  const uint8_t type = in[pos + 1];
  if (ndigits > 20)
    return fail(Errc::bad_tpdu,
                fmt::format("SMS: address at offset {} announces {} digits (at most 20)", pos, ndigits));
  if ((type & 0x80) == 0)
    return fail(Errc::bad_tpdu,
                fmt::format("SMS: address type {:02X} at offset {} lacks bit 8", type, pos + 1));
  const size_t nbytes = (ndigits + 1) / 2;
  if (auto ok = need(in, pos + 2, nbytes, "an address"); !ok) return fail(std::move(ok.error()));
  Address a;
  a.ton = static_cast<Ton>((type >> 4) & 0x07);
  a.npi = static_cast<Npi>(type & 0x0F);
  ByteView digits = in.subspan(pos + 2, nbytes);
  if (a.ton == Ton::alphanumeric) {
    a.digits = to_hex(digits);
  } else {
    for (size_t i = 0; i < ndigits; ++i) {
      const uint8_t nib = (i % 2 == 0) ? (digits[i / 2] & 0x0F) : (digits[i / 2] >> 4);
      if (nib == 0x0F)
        return fail(Errc::bad_tpdu,
                    fmt::format("SMS: address at offset {} has filler F at digit {} of {}", pos, i + 1,
                                ndigits));
      a.digits.push_back(kDigits[nib]);
    }
  }
  pos += 2 + nbytes;
  return a;
}

Result<void> append_address(Bytes& out, const Address& a) {
  Bytes packed;
  size_t ndigits = 0;
  if (a.ton == Ton::alphanumeric) {
    auto b = from_hex(a.digits);
    if (!b) return fail(Errc::bad_tpdu, "SMS: alphanumeric address must be given as packed hex");
    packed = std::move(*b);
    ndigits = packed.size() * 2;
  } else {
    ndigits = a.digits.size();
    for (size_t i = 0; i < ndigits; ++i) {
      auto v = digit_value(a.digits[i]);
      if (!v) return fail(std::move(v.error()));
      if (i % 2 == 0)
        packed.push_back(static_cast<uint8_t>(0xF0 | *v));
      else
        packed.back() = static_cast<uint8_t>((packed.back() & 0x0F) | (*v << 4));
    }
  }
  if (ndigits > 20)
    return fail(Errc::bad_tpdu, fmt::format("SMS: address of {} digits exceeds 20", ndigits));
  out.push_back(static_cast<uint8_t>(ndigits));
  out.push_back(static_cast<uint8_t>(0x80 | ((static_cast<unsigned>(a.ton) & 7u) << 4) |
                                     (static_cast<unsigned>(a.npi) & 0x0Fu)));
  append(out, packed);
  return {};
}

Result<Bytes> encode_deliver(const SmsDeliver& d) {
  if (dcs_is_7bit(d.dcs))
    return fail(Errc::bad_tpdu, fmt::format("SMS: DCS {:02X} is 7-bit; only 8-bit data is encoded", d.dcs));
  if (d.user_data.size() > kSmsUserDataMax)
    return fail(Errc::too_long,
                fmt::format("SMS: {} octets of user data exceed 140", d.user_data.size()));
  Bytes out;
  out.push_back(static_cast<uint8_t>((d.more_messages_to_send ? 0x04 : 0) |
                                     (d.loop_prevention ? 0x08 : 0) | (d.status_report ? 0x20 : 0) |
                                     (d.udhi ? 0x40 : 0) | (d.reply_path ? 0x80 : 0)));
  if (auto ok = append_address(out, d.originator); !ok) return fail(std::move(ok.error()));
  out.push_back(d.pid);
  out.push_back(d.dcs);
  append(out, d.scts);
  out.push_back(static_cast<uint8_t>(d.user_data.size()));
  append(out, d.user_data);
  return out;
}

Result<SmsDeliver> decode_deliver(ByteView in) {
  if (in.empty()) return fail(Errc::bad_tpdu, "SMS: empty TPDU");
  const uint8_t fo = in[0];
  if ((fo & 0x03) != 0)
    return fail(Errc::bad_tpdu,
                fmt::format("SMS: TP-MTI {} is not SMS-DELIVER (00)", fo & 0x03));
  SmsDeliver d;
  d.more_messages_to_send = (fo & 0x04) != 0;
  d.loop_prevention = (fo & 0x08) != 0;
  d.status_report = (fo & 0x20) != 0;
  d.udhi = (fo & 0x40) != 0;
  d.reply_path = (fo & 0x80) != 0;
  size_t pos = 1;
  auto oa = decode_address(in, pos);
  if (!oa) return fail(std::move(oa.error()));
  d.originator = std::move(*oa);
  if (auto ok = need(in, pos, 10, "PID, DCS, SCTS and UDL"); !ok) return fail(std::move(ok.error()));
  d.pid = in[pos];
  d.dcs = in[pos + 1];
  std::copy(in.begin() + static_cast<std::ptrdiff_t>(pos + 2),
            in.begin() + static_cast<std::ptrdiff_t>(pos + 9), d.scts.begin());
  d.udl = in[pos + 9];
  pos += 10;
  auto n = user_data_octets(d.dcs, d.udl, in.size() - pos, "SMS-DELIVER");
  if (!n) return fail(std::move(n.error()));
  d.user_data.assign(in.begin() + static_cast<std::ptrdiff_t>(pos), in.end());
  return d;
}

Result<Bytes> encode_submit(const SmsSubmit& s) {
  if (dcs_is_7bit(s.dcs))
    return fail(Errc::bad_tpdu, fmt::format("SMS: DCS {:02X} is 7-bit; only 8-bit data is encoded", s.dcs));
  const size_t vp_len = s.vpf == 0 ? 0 : s.vpf == 2 ? 1 : 7;
  if (s.vpf > 3 || s.validity_period.size() != vp_len)
    return fail(Errc::bad_tpdu, fmt::format("SMS: TP-VPF {} needs a {}-byte validity period, got {}",
                                            s.vpf, vp_len, s.validity_period.size()));
  if (s.user_data.size() > kSmsUserDataMax)
    return fail(Errc::too_long,
                fmt::format("SMS: {} octets of user data exceed 140", s.user_data.size()));
  Bytes out;
  out.push_back(static_cast<uint8_t>(0x01 | (s.reject_duplicates ? 0x04 : 0) | (s.vpf << 3) |
                                     (s.status_report_request ? 0x20 : 0) | (s.udhi ? 0x40 : 0) |
                                     (s.reply_path ? 0x80 : 0)));
  out.push_back(s.message_reference);
  if (auto ok = append_address(out, s.destination); !ok) return fail(std::move(ok.error()));
  out.push_back(s.pid);
  out.push_back(s.dcs);
  append(out, s.validity_period);
  out.push_back(static_cast<uint8_t>(s.user_data.size()));
  append(out, s.user_data);
  return out;
}

Result<SmsSubmit> decode_submit(ByteView in) {
  if (in.size() < 2) return fail(Errc::bad_tpdu, "SMS: SMS-SUBMIT shorter than 2 bytes");
  const uint8_t fo = in[0];
  if ((fo & 0x03) != 1)
    return fail(Errc::bad_tpdu, fmt::format("SMS: TP-MTI {} is not SMS-SUBMIT (01)", fo & 0x03));
  SmsSubmit s;
  s.reject_duplicates = (fo & 0x04) != 0;
  s.vpf = static_cast<uint8_t>((fo >> 3) & 0x03);
  s.status_report_request = (fo & 0x20) != 0;
  s.udhi = (fo & 0x40) != 0;
  s.reply_path = (fo & 0x80) != 0;
  s.message_reference = in[1];
  size_t pos = 2;
  auto da = decode_address(in, pos);
  if (!da) return fail(std::move(da.error()));
  s.destination = std::move(*da);
  const size_t vp_len = s.vpf == 0 ? 0 : s.vpf == 2 ? 1 : 7;
  if (auto ok = need(in, pos, 3 + vp_len, "PID, DCS, VP and UDL"); !ok)
    return fail(std::move(ok.error()));
  s.pid = in[pos];
  s.dcs = in[pos + 1];
  s.validity_period.assign(in.begin() + static_cast<std::ptrdiff_t>(pos + 2),
                           in.begin() + static_cast<std::ptrdiff_t>(pos + 2 + vp_len));
  s.udl = in[pos + 2 + vp_len];
  pos += 3 + vp_len;
  auto n = user_data_octets(s.dcs, s.udl, in.size() - pos, "SMS-SUBMIT");
  if (!n) return fail(std::move(n.error()));
  s.user_data.assign(in.begin() + static_cast<std::ptrdiff_t>(pos), in.end());
  return s;
}

}  // namespace gpram::scp80
