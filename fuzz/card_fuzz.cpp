// libFuzzer harness: the virtual card's APDU entry point on a sequence of APDUs.
// Input: mode byte, then APDUs as `len(1) bytes`. Modes (mode % 4):
//   0 raw APDUs on a fresh card;
//   1 SCP03 session at level 03 opened with the test keys, every APDU wrapped by the host side
//     (so INSTALL / LOAD / DELETE / PUT KEY / STORE DATA / SET STATUS are reached);
//   2 the same at level 33 (R-MAC / R-ENC on the answers);
//   3 SCP02 at level 03.
// Invariants: every answer ends with a status word, and the card state survives a JSON round trip.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <variant>

#include "gpram/card/card.hpp"
#include "gpram/scp/scp02.hpp"
#include "gpram/scp/scp03.hpp"

namespace {

using namespace gpram;

scp::StaticKeys keys(uint8_t kvn) {
  const Bytes k = hex("404142434445464748494A4B4C4D4E4F");
  return scp::StaticKeys{kvn, k, k, k};
}

template <class Host>
bool open(card::VirtualCard& c, Host& host, uint8_t level) {
  auto iu = host.initialize_update(hex("0102030405060708"));
  if (!iu) return false;
  auto r = c.transmit(*iu);
  auto ea = host.external_authenticate(r, level);
  if (!ea) return false;
  return c.transmit(*ea).sw == 0x9000;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const int mode = data[0] % 4;
  card::CardConfig cfg = mode == 3 ? card::CardConfig::scp02() : card::CardConfig{};
  cfg.max_response = 64 + (data[0] >> 2);
  card::VirtualCard c(cfg, 42);
  std::optional<scp::Scp03Host> h3;
  std::optional<scp::Scp02Host> h2;
  if (mode == 1 || mode == 2) {
    auto h = scp::Scp03Host::create(keys(0x30));
    if (!h) abort();
    h3.emplace(std::move(*h));
    if (!open(c, *h3, mode == 1 ? 0x03 : 0x33)) abort();
  } else if (mode == 3) {
    scp::Scp02HostOptions o;
    o.i = 0x15;
    auto h = scp::Scp02Host::create(keys(0x20), o);
    if (!h) abort();
    h2.emplace(std::move(*h));
    if (!open(c, *h2, 0x03)) abort();
  }
  scp::SecureChannel* host = h3 ? static_cast<scp::SecureChannel*>(&*h3)
                                : h2 ? static_cast<scp::SecureChannel*>(&*h2) : nullptr;
  size_t pos = 1;
  while (pos < size) {
    const size_t len = data[pos++];
    const size_t n = len < size - pos ? len : size - pos;
    ByteView apdu(data + pos, n);
    pos += n;
    Bytes out;
    if (host != nullptr && host->authenticated()) {
      auto cmd = scp::parse_capdu(apdu);
      if (cmd) {
        auto wrapped = host->wrap(*cmd);
        if (wrapped) {
          auto r = c.transmit(*wrapped);
          (void)host->unwrap(r);
          continue;
        }
      }
    }
    out = c.transmit(apdu);
    if (out.size() < 2) abort();
  }
  const auto state = c.to_json();
  auto back = card::VirtualCard::from_json(state);
  if (!back || back->to_json() != state) abort();
  return 0;
}
