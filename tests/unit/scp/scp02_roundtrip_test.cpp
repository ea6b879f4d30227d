// SCP02 host <-> card round trips at every level for several i values, and card-side
// negative cases.
#include <gtest/gtest.h>

#include <tuple>

#include "gpram/crypto/crypto.hpp"
#include "gpram/scp/scp02.hpp"

namespace gpram::scp {
namespace {

using apdu::Capdu;
using apdu::Rapdu;

StaticKeys make_keys() {
  const Bytes k = hex("404142434445464748494A4B4C4D4E4F");
  return StaticKeys{0x20, k, k, k};
}

struct Pair {
  SeededRandom rnd{9};
  std::optional<Scp02Host> host;
  std::optional<Scp02Card> card;
};

void handshake(Pair& p, uint8_t i, uint8_t level) {
  Scp02CardConfig cfg;
  cfg.keys = make_keys();
  cfg.i = i;
  cfg.sequence_counter = 0x0010;
  auto card = Scp02Card::create(cfg, p.rnd);
  ASSERT_TRUE(card) << card.error().message;
  p.card.emplace(std::move(*card));
  Scp02HostOptions opt;
  opt.i = i;
  auto host = Scp02Host::create(make_keys(), opt);
  ASSERT_TRUE(host) << host.error().message;
  p.host.emplace(std::move(*host));
  auto iu = p.host->initialize_update(hex("0102030405060708"));
  ASSERT_TRUE(iu);
  auto iur = p.card->process_initialize_update(*iu);
  ASSERT_TRUE(iur) << iur.error().message;
  auto ea = p.host->external_authenticate(*iur, level);
  ASSERT_TRUE(ea) << ea.error().message;
  auto ear = p.card->process_external_authenticate(*ea);
  ASSERT_TRUE(ear) << ear.error().message;
  ASSERT_TRUE(p.host->check_external_authenticate_response(*ear));
  EXPECT_EQ(p.card->sequence_counter(), 0x0011);
}

class Scp02RoundTrip : public ::testing::TestWithParam<std::tuple<uint8_t, uint8_t>> {};

TEST_P(Scp02RoundTrip, CommandsAndResponses) {
  const auto [i, level] = GetParam();
  Pair p;
  handshake(p, i, level);
  if (HasFatalFailure()) return;
  const std::vector<Capdu> commands = {
      Capdu{0x80, 0xF2, 0x20, 0x02, {}, std::nullopt},
      Capdu{0x80, 0xCA, 0x00, 0x66, {}, 256u},
      Capdu{0x80, 0xF2, 0x20, 0x02, hex("4F0212345C054F9F70C5"), std::nullopt},
      Capdu{0x80, 0xE8, 0x00, 0x00, Bytes(200, 0xA5), 256u},
      Capdu{0x80, 0xE2, 0x91, 0x00, Bytes(16, 0x11), 256u},
  };
  for (int round = 0; round < 2; ++round) {
    for (const auto& c : commands) {
      auto w = p.host->wrap(c);
      ASSERT_TRUE(w) << w.error().message;
      auto u = p.card->unwrap_command(*w);
      ASSERT_TRUE(u) << u.error().message;
      EXPECT_EQ(encode_capdu(*u), encode_capdu(c));
      for (const Rapdu& r : {Rapdu{hex("BF3E125A10898821199000000000000000000005"), 0x9000},
                             Rapdu{{}, 0x6A82}}) {
        auto wr = p.card->wrap_response(r);
        ASSERT_TRUE(wr) << wr.error().message;
        auto ur = p.host->unwrap(*wr);
        ASSERT_TRUE(ur) << ur.error().message;
        EXPECT_EQ(ur->data, r.data);
        EXPECT_EQ(ur->sw, r.sw);
      }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(
    AllLevels, Scp02RoundTrip,
    ::testing::Combine(::testing::Values(uint8_t{0x55}, uint8_t{0x15}, uint8_t{0x05},
                                         uint8_t{0x17}),
                       ::testing::Values(uint8_t{0x00}, uint8_t{0x01}, uint8_t{0x03}, uint8_t{0x11},
                                         uint8_t{0x13})));

// Implicit initiation (i = 0A, 1A): no INITIALIZE UPDATE; both sides start from the card's
// sequence counter and the SD AID. No public vector exists in our sources: round trip only.
TEST(Scp02Implicit, RoundTripAndCounter) {
  for (uint8_t i : {uint8_t{0x0A}, uint8_t{0x1A}, uint8_t{0x1B}}) {
    SeededRandom rnd(11);
    Scp02CardConfig cfg;
    cfg.keys = make_keys();
    cfg.i = i;
    cfg.sequence_counter = 0x0042;
    const Bytes aid = hex("A000000151000000");
    auto card = Scp02Card::create(cfg, rnd);
    ASSERT_TRUE(card);
    card->set_sd_aid(aid);
    Scp02HostOptions opt;
    opt.i = i;
    auto host = Scp02Host::create(make_keys(), opt);
    ASSERT_TRUE(host);
    ASSERT_TRUE(host->open_implicit(0x0042, aid));
    for (int n = 0; n < 3; ++n) {
      const Capdu c{0x80, 0xE6, 0x0C, 0x00, hex("05A000000001"), 256u};
      auto w = host->wrap(c);
      ASSERT_TRUE(w) << w.error().message;
      auto u = card->unwrap_command(*w);
      ASSERT_TRUE(u) << u.error().message;
      EXPECT_EQ(encode_capdu(*u), encode_capdu(c));
    }
    EXPECT_EQ(card->sequence_counter(), 0x0043);
    // A host that assumes a stale counter is rejected by a fresh card.
    SeededRandom rnd2(12);
    auto card2 = Scp02Card::create(cfg, rnd2);
    card2->set_sd_aid(aid);
    auto stale = Scp02Host::create(make_keys(), opt);
    ASSERT_TRUE(stale->open_implicit(0x0041, aid));
    auto w = stale->wrap(Capdu{0x80, 0xF2, 0x80, 0x00, hex("4F00"), 256u});
    ASSERT_TRUE(w);
    auto u = card2->unwrap_command(*w);
    ASSERT_FALSE(u);
    EXPECT_EQ(u.error(), Errc::bad_cmac);
  }
}

TEST(Scp02Card, RejectsBadCmac) {
  Pair p;
  handshake(p, 0x55, 0x03);
  ASSERT_FALSE(HasFatalFailure());
  auto w = p.host->wrap(Capdu{0x80, 0xF2, 0x20, 0x02, hex("4F00"), 256u});
  ASSERT_TRUE(w);
  w->data.back() ^= 0x01;
  auto u = p.card->unwrap_command(*w);
  ASSERT_FALSE(u);
  EXPECT_EQ(u.error(), Errc::bad_cmac);
  EXPECT_FALSE(p.card->authenticated());
}

TEST(Scp02Card, RejectsBadPaddingAfterDecryption) {
  Pair p;
  handshake(p, 0x55, 0x03);
  ASSERT_FALSE(HasFatalFailure());
  // Replace the ciphertext by an encryption of a block without 80 padding.
  const auto& sk = p.host->session_keys();
  auto enc = crypto::des_cbc_encrypt(sk.s_enc, Bytes(8, 0), Bytes(8, 0x00));
  ASSERT_TRUE(enc);
  Capdu c{0x84, 0xF2, 0x20, 0x02, *enc, std::nullopt};
  append(c.data, Bytes(8, 0));
  auto u = p.card->unwrap_command(c);
  ASSERT_FALSE(u);
  EXPECT_EQ(u.error(), Errc::bad_padding);
  auto odd = Capdu{0x84, 0xF2, 0x20, 0x02, Bytes(13, 0), std::nullopt};
  Pair q;
  handshake(q, 0x55, 0x03);
  auto u2 = q.card->unwrap_command(odd);
  ASSERT_FALSE(u2);
  EXPECT_EQ(u2.error(), Errc::bad_padding);
}

TEST(Scp02Card, RejectsBadHostCryptogram) {
  SeededRandom rnd(5);
  Scp02CardConfig cfg;
  cfg.keys = make_keys();
  auto card = Scp02Card::create(cfg, rnd);
  ASSERT_TRUE(card);
  const Bytes host_ch = hex("1122334455667788");
  auto iur = card->process_initialize_update(Capdu{0x80, 0x50, 0x20, 0x00, host_ch, 256u});
  ASSERT_TRUE(iur);
  auto parsed = parse_scp02_init_update_response(iur->data);
  ASSERT_TRUE(parsed);
  auto sk = scp02_session_keys(cfg.keys, parsed->sequence_counter);
  ASSERT_TRUE(sk);
  // Valid retail C-MAC (ICV 0) over a wrong cryptogram.
  Bytes mac_in = hex("8482010010");
  append(mac_in, Bytes(8, 0xEE));
  auto mac = crypto::des_retail_mac(sk->s_mac, Bytes(8, 0), crypto::pad80(mac_in, 8));
  ASSERT_TRUE(mac);
  Capdu ea{0x84, 0x82, 0x01, 0x00, Bytes(8, 0xEE), std::nullopt};
  append(ea.data, *mac);
  auto r = card->process_external_authenticate(ea);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), Errc::host_cryptogram_mismatch);
  EXPECT_FALSE(card->authenticated());
  EXPECT_EQ(card->sequence_counter(), 0);
}

TEST(Scp02Card, RejectsWrongKvnAndCommandBeforeAuthentication) {
  SeededRandom rnd(6);
  Scp02CardConfig cfg;
  cfg.keys = make_keys();
  auto card = Scp02Card::create(cfg, rnd);
  ASSERT_TRUE(card);
  auto r = card->process_initialize_update(Capdu{0x80, 0x50, 0x21, 0x00, Bytes(8, 0), 256u});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), Errc::wrong_kvn);
  auto u = card->unwrap_command(Capdu{0x84, 0xCA, 0x00, 0x66, Bytes(8, 0), 256u});
  ASSERT_FALSE(u);
  EXPECT_EQ(u.error(), Errc::not_authenticated);
  auto ea = card->process_external_authenticate(Capdu{0x84, 0x82, 0x01, 0x00, Bytes(16, 0), {}});
  ASSERT_FALSE(ea);
  EXPECT_EQ(ea.error(), Errc::bad_state);
}

TEST(Scp02Host, RejectsBadRmac) {
  Pair p;
  handshake(p, 0x55, 0x11);
  ASSERT_FALSE(HasFatalFailure());
  auto w = p.host->wrap(Capdu{0x80, 0xCA, 0x00, 0x66, {}, 256u});
  ASSERT_TRUE(w);
  ASSERT_TRUE(p.card->unwrap_command(*w));
  auto r = p.card->wrap_response(Rapdu{hex("0102030405"), 0x9000});
  ASSERT_TRUE(r);
  Rapdu bad = *r;
  bad.data.back() ^= 0x01;
  auto u = p.host->unwrap(bad);
  ASSERT_FALSE(u);
  EXPECT_EQ(u.error(), Errc::bad_rmac);
  auto trunc = p.host->unwrap(Rapdu{hex("01"), 0x9000});
  ASSERT_FALSE(trunc);
  EXPECT_EQ(trunc.error(), Errc::bad_response);
}

TEST(Scp02Host, RejectsOversizedCommand) {
  Pair p;
  handshake(p, 0x55, 0x03);
  ASSERT_FALSE(HasFatalFailure());
  auto w = p.host->wrap(Capdu{0x80, 0xE8, 0x00, 0x00, Bytes(240, 0), std::nullopt});
  ASSERT_FALSE(w);
  EXPECT_EQ(w.error(), Errc::data_too_long);
}

}  // namespace
}  // namespace gpram::scp
