// Helpers of the virtual card tests: hex transmit, a fixed-bytes Random, and a host-side
// secure channel (gpram::scp) driving the card.
#pragma once

#include <gtest/gtest.h>

#include <deque>
#include <string>

#include "gpram/card/card.hpp"
#include "gpram/scp/scp.hpp"
#include "gpram/scp/scp02.hpp"
#include "gpram/scp/scp03.hpp"

namespace gpram::card::test {

/// Returns the given bytes, then zeros.
class FixedRandom final : public Random {
 public:
  explicit FixedRandom(Bytes b) : bytes_(b.begin(), b.end()) {}
  void fill(std::span<uint8_t> out) override {
    for (auto& x : out) {
      x = bytes_.empty() ? 0 : bytes_.front();
      if (!bytes_.empty()) bytes_.pop_front();
    }
  }

 private:
  std::deque<uint8_t> bytes_;
};

inline std::string tx(VirtualCard& card, std::string_view capdu_hex) {
  return to_hex(card.transmit(hex(capdu_hex)));
}
inline uint16_t sw_of(const Bytes& r) { return load_u16(&r[r.size() - 2]); }

inline scp::StaticKeys test_keys(uint8_t kvn) {
  const Bytes k = hex("404142434445464748494A4B4C4D4E4F");
  return scp::StaticKeys{kvn, k, k, k};
}

/// Opens an SCP03 session with gpram::scp's host side (INITIALIZE UPDATE + EXTERNAL AUTHENTICATE).
inline scp::Scp03Host open_scp03(VirtualCard& card, uint8_t level,
                                 scp::StaticKeys keys = test_keys(0x30)) {
  auto host = scp::Scp03Host::create(std::move(keys));
  EXPECT_TRUE(host) << host.error().message;
  auto iu = host->initialize_update(hex("0102030405060708"));
  EXPECT_TRUE(iu);
  const apdu::Rapdu r = card.transmit(*iu);
  EXPECT_EQ(r.sw, 0x9000);
  auto ea = host->external_authenticate(r, level);
  EXPECT_TRUE(ea) << ea.error().message;
  const apdu::Rapdu r2 = card.transmit(*ea);
  EXPECT_EQ(r2.sw, 0x9000);
  return std::move(*host);
}

inline scp::Scp02Host open_scp02(VirtualCard& card, uint8_t level,
                                 scp::StaticKeys keys = test_keys(0x20)) {
  scp::Scp02HostOptions o;
  o.i = 0x15;
  auto host = scp::Scp02Host::create(std::move(keys), o);
  EXPECT_TRUE(host) << host.error().message;
  auto iu = host->initialize_update(hex("0102030405060708"));
  EXPECT_TRUE(iu);
  const apdu::Rapdu r = card.transmit(*iu);
  EXPECT_EQ(r.sw, 0x9000);
  auto ea = host->external_authenticate(r, level);
  EXPECT_TRUE(ea) << ea.error().message;
  const apdu::Rapdu r2 = card.transmit(*ea);
  EXPECT_EQ(r2.sw, 0x9000);
  return std::move(*host);
}

/// Wraps a command, sends it, checks and removes R-MAC / R-ENC.
inline apdu::Rapdu send(VirtualCard& card, scp::SecureChannel& host, const apdu::Capdu& c) {
  auto w = host.wrap(c);
  if (!w) {
    ADD_FAILURE() << "wrap: " << w.error().message;
    return {};
  }
  const apdu::Rapdu r = card.transmit(*w);
  auto u = host.unwrap(r);
  if (!u) {
    ADD_FAILURE() << "unwrap: " << u.error().message;
    return r;
  }
  return *u;
}

inline apdu::Capdu cmd(std::string_view h) {
  const Bytes b = hex(h);
  apdu::Capdu c;
  c.cla = b[0];
  c.ins = b[1];
  c.p1 = b[2];
  c.p2 = b[3];
  if (b.size() > 5) c.data.assign(b.begin() + 5, b.begin() + 5 + std::min<std::ptrdiff_t>(b[4], static_cast<std::ptrdiff_t>(b.size()) - 5));
  if (b.size() == 5) c.le = 256;
  return c;
}

}  // namespace gpram::card::test
