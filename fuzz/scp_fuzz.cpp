// Fuzz harness for the SCP02/SCP03 channels. Byte 0 picks the target, byte 1 the security
// level; the rest is the peer's message, fed after a fixed valid handshake:
//   0: INITIALIZE UPDATE response parsers, APDU parsers, PUT KEY block parser
//   1: SCP03 host unwrap (response)     2: SCP03 card unwrap_command + wrap_response
//   3: SCP02 host unwrap (response)     4: SCP02 card unwrap_command + wrap_response
//   5: card-side INITIALIZE UPDATE / EXTERNAL AUTHENTICATE processing (SCP03 and SCP02)
#include <cstddef>
#include <cstdint>

#include "gpram/scp/keys.hpp"
#include "gpram/scp/scp02.hpp"
#include "gpram/scp/scp03.hpp"

using namespace gpram;
using namespace gpram::scp;

namespace {

const uint8_t kLevels03[] = {0x00, 0x01, 0x03, 0x11, 0x13, 0x33};
const uint8_t kLevels02[] = {0x00, 0x01, 0x03, 0x11, 0x13};

StaticKeys keys03() {
  const Bytes k = hex("404142434445464748494A4B4C4D4E4F");
  return StaticKeys{0x30, k, k, k};
}
StaticKeys keys02() {
  const Bytes k = hex("404142434445464748494A4B4C4D4E4F");
  return StaticKeys{0x20, k, k, k};
}

template <class Host, class Card>
bool handshake(Host& host, Card& card, uint8_t level) {
  auto iu = host.initialize_update(Bytes(8, 0x5A));
  if (!iu) return false;
  auto iur = card.process_initialize_update(*iu);
  if (!iur) return false;
  auto ea = host.external_authenticate(*iur, level);
  if (!ea) return false;
  return card.process_external_authenticate(*ea).has_value();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  const uint8_t target = data[0] % 6;
  const uint8_t sel = data[1];
  ByteView in(data + 2, size - 2);
  SeededRandom rnd(sel);
  switch (target) {
    case 0: {
      (void)parse_scp03_init_update_response(in);
      (void)parse_scp02_init_update_response(in);
      if (auto c = parse_capdu(in)) (void)encode_capdu(*c);
      (void)parse_rapdu(in);
      if (auto k = parse_key_block(in))
        (void)open_key_block(*k, [](ByteView b) -> Result<Bytes> { return Bytes(b.begin(), b.end()); });
      break;
    }
    case 1:
    case 2: {
      Scp03CardConfig cfg;
      cfg.keys = keys03();
      cfg.i = (sel & 0x80) ? 0x71 : 0x70;
      auto card = Scp03Card::create(cfg, rnd);
      auto host = Scp03Host::create(keys03());
      if (!card || !host) return 0;
      if (cfg.i & kScp03IS16) {
        auto iu = host->initialize_update(Bytes(16, 0x5A));
        auto iur = card->process_initialize_update(*iu);
        if (!iur) return 0;
        auto ea = host->external_authenticate(*iur, kLevels03[sel % 6]);
        if (!ea || !card->process_external_authenticate(*ea)) return 0;
      } else if (!handshake(*host, *card, kLevels03[sel % 6])) {
        return 0;
      }
      if (target == 1) {
        auto w = host->wrap(apdu::Capdu{0x80, 0xCA, 0x00, 0x66, {}, 256u});
        if (!w) return 0;
        if (auto r = parse_rapdu(in)) (void)host->unwrap(*r);
      } else if (auto c = parse_capdu(in)) {
        if (card->unwrap_command(*c)) (void)card->wrap_response(apdu::Rapdu{Bytes(in.begin(), in.end()), 0x9000});
        (void)card->decrypt_key_block(in);
      }
      break;
    }
    case 3:
    case 4: {
      Scp02CardConfig cfg;
      cfg.keys = keys02();
      cfg.i = (sel & 0x80) ? 0x17 : 0x55;
      auto card = Scp02Card::create(cfg, rnd);
      Scp02HostOptions opt;
      opt.i = cfg.i;
      auto host = Scp02Host::create(keys02(), opt);
      if (!card || !host || !handshake(*host, *card, kLevels02[sel % 5])) return 0;
      if (target == 3) {
        auto w = host->wrap(apdu::Capdu{0x80, 0xCA, 0x00, 0x66, {}, 256u});
        if (!w) return 0;
        if (auto r = parse_rapdu(in)) (void)host->unwrap(*r);
      } else if (auto c = parse_capdu(in)) {
        if (card->unwrap_command(*c)) {
          Bytes resp(in.begin(), in.end());
          if (resp.size() > 255) resp.resize(255);
          (void)card->wrap_response(apdu::Rapdu{resp, 0x9000});
        }
        (void)card->decrypt_key_block(in);
      }
      break;
    }
    default: {
      Scp03CardConfig cfg;
      cfg.keys = keys03();
      auto card3 = Scp03Card::create(cfg, rnd);
      Scp02CardConfig cfg2;
      cfg2.keys = keys02();
      auto card2 = Scp02Card::create(cfg2, rnd);
      if (!card3 || !card2) return 0;
      if (auto c = parse_capdu(in)) {
        (void)card3->process_initialize_update(*c);
        (void)card3->process_external_authenticate(*c);
        (void)card2->process_initialize_update(*c);
        (void)card2->process_external_authenticate(*c);
        (void)card3->unwrap_command(*c);
      }
      break;
    }
  }
  return 0;
}
