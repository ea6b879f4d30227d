// libFuzzer harness: SCP80 card-side command decode (ETSI TS 102 225 §5.1), server-side PoR decode
// (§5.2), SMS UDH / concatenation reassembly and TPDU decoders (3GPP TS 31.115, TS 23.040).
// The first input byte picks the keyset algorithms and SPI flags so every code path is reached.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "gpram/scp/scp80.hpp"
#include "gpram/scp/sms.hpp"

namespace {

using namespace gpram::scp80;

Keyset keyset_for(uint8_t sel) {
  static const uint8_t kKic[] = {0x11, 0x15, 0x19, 0x1D, 0x12};
  static const size_t kKicLen[] = {8, 16, 24, 8, 16};
  static const uint8_t kKid[] = {0x11, 0x15, 0x19, 0x12};
  static const size_t kKidLen[] = {8, 16, 24, 16};
  Keyset ks;
  const size_t c = sel % 5, d = (sel / 5) % 4;
  ks.kic = kKic[c];
  ks.kid = kKid[d];
  ks.kic_key.assign(kKicLen[c], 0x42);
  ks.kid_key.assign(kKidLen[d], 0x24);
  ks.tar = {0xB0, 0x00, 0x10};
  return ks;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  const uint8_t sel = data[0];
  const gpram::ByteView in(data + 1, size - 1);
  Keyset ks = keyset_for(sel);

  // Card side: the packet's own KIc/KID pick the algorithms; give the keyset matching bytes.
  if (auto h = parse_command_header(in)) {
    ks.kic = h->kic;
    ks.kid = h->kid;
    ks.tar = h->tar;
    (void)decode_command(in, ks);
    std::vector<CardKeyset> card{{ks, CounterPolicy(sel)}};
    auto c = open_command(in, card);
    if (!c) (void)por_status(c.error());
  }

  // Server side: PoR with an SPI2 taken from the selector.
  const Keyset pks = keyset_for(sel);
  auto spi = Spi::decode(0x00, static_cast<uint8_t>(((sel >> 3) & 0x1C) | 0x01));
  if (spi) (void)decode_por(in, pks, *spi);

  // SMS: reassembly over chunks split at 0xFF bytes, then TPDUs and addresses.
  Reassembler r(4);
  size_t start = 0;
  for (size_t i = 0; i <= in.size(); ++i) {
    if (i == in.size() || in[i] == 0xFF) {
      if (auto p = r.feed(in.subspan(start, i - start)); p && p->has_value())
        (void)decode_command(**p, ks);
      start = i + 1;
    }
  }
  (void)decode_deliver(in);
  (void)decode_submit(in);
  if (auto u = parse_udh(in)) (void)encode_udh(u->ies);
  return 0;
}
