// Compact remote application data format, ETSI TS 102 226 §5.1 (SMS): the command is the short
// C-APDUs concatenated (§5.1.1); the response is number of executed commands (1 byte) || last
// status word (2) || last response data (§5.1.2). Layout confirmed by osmocom/pysim
// pySim/ota.py (CompactRemoteResp) and docs/smpp-ota-tool.rst.
#include <fmt/format.h>

#include "gpram/apdu/script.hpp"

namespace gpram::apdu {
namespace {

// How the C-APDU at a position is read (order = preference).
enum Choice : uint8_t { kNone = 0, kCase3, kCase2, kCase4 };

// The position after the C-APDU at pos read as `c`, or 0 when that reading does not fit.
size_t next_pos(ByteView in, size_t pos, Choice c) {
  const size_t left = in.size() - pos;
  switch (c) {
    case kCase2: return left >= 5 ? pos + 5 : 0;
    case kCase3:
    case kCase4: {
      if (left < 5 || in[pos + 4] == 0) return 0;
      const size_t need = 5u + in[pos + 4] + (c == kCase4 ? 1u : 0u);
      return left >= need ? pos + need : 0;
    }
    default: return 0;
  }
}

constexpr Choice kOrder[] = {kCase3, kCase2, kCase4};

}  // namespace

Bytes encode_compact_command(std::span<const Bytes> capdus) {
  size_t total = 0;
  for (const auto& c : capdus) total += c.size();
  Bytes out;
  out.reserve(total);
  for (const auto& c : capdus) append(out, c);
  return out;
}

Result<std::vector<Capdu>> decode_compact_command(ByteView in) {
  const size_t n = in.size();
  if (n == 0) return fail(Errc::truncated, "compact command: empty input");
  // ok[pos]: the bytes from pos split into C-APDUs; choice[pos]: the preferred reading there.
  std::vector<uint8_t> choice(n + 1, kNone);
  std::vector<uint8_t> ok(n + 1, 0);
  ok[n] = 1;
  for (size_t pos = n; pos-- > 0;) {
    for (Choice c : kOrder) {
      const size_t next = next_pos(in, pos, c);
      if (next != 0 && ok[next]) {
        ok[pos] = 1;
        choice[pos] = c;
        break;
      }
    }
  }
  if (!ok[0]) {
    // Report where the preferred readings get stuck: follow the first reading that fits at
    // each position until none fits.
    size_t far = 0;
    for (bool moved = true; moved;) {
      moved = false;
      for (Choice c : kOrder) {
        const size_t next = next_pos(in, far, c);
        if (next != 0 && next < n) {
          far = next;
          moved = true;
          break;
        }
      }
    }
    const size_t left = n - far;
    if (left < 5)
      return fail(Errc::truncated,
                  fmt::format("compact command: cannot split into C-APDUs: {} byte(s) left at "
                              "offset {} ({}), a C-APDU needs CLA INS P1 P2 P3",
                              left, far, to_hex(in.subspan(far))));
    const unsigned p3 = in[far + 4];
    return fail(Errc::bad_length,
                fmt::format("compact command: cannot split {} bytes into C-APDUs: the C-APDU at "
                            "offset {} (header {}, P3={:02X}) needs {} bytes (P3 as Lc) or {} "
                            "(Lc and Le), {} remain, and reading P3 as Le leaves bytes that "
                            "split into no C-APDUs",
                            n, far, to_hex(in.subspan(far, 4)), p3, 5 + p3, 6 + p3, left));
  }
  std::vector<Capdu> out;
  for (size_t pos = 0; pos < n;) {
    const size_t next = next_pos(in, pos, static_cast<Choice>(choice[pos]));
    auto c = parse_capdu(in.subspan(pos, next - pos));
    if (!c)  // cannot happen: every reading above is a valid short C-APDU layout
      return fail(with_context(std::move(c.error()),
                               fmt::format("compact command: C-APDU at offset {}: ", pos)));
    out.push_back(std::move(*c));
    pos = next;
  }
  return out;
}

Bytes encode_compact_response(const CompactResponse& r) {
  Bytes out;
  out.reserve(3 + r.last_data.size());
  out.push_back(r.executed);
  append_u16(out, r.last_sw);
  append(out, r.last_data);
  return out;
}

Result<CompactResponse> decode_compact_response(ByteView in) {
  if (in.size() < 3)
    return fail(Errc::truncated,
                fmt::format("compact response: {} byte(s) ({}), needs at least 3 (executed "
                            "count, SW1, SW2)",
                            in.size(), to_hex(in)));
  CompactResponse r;
  r.executed = in[0];
  r.last_sw = load_u16(&in[1]);
  r.last_data.assign(in.begin() + 3, in.end());
  return r;
}

}  // namespace gpram::apdu
