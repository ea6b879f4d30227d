// SCP80 round trips server <-> card for every SPI coding and algorithm, and the card's
// rejections (RC/CC, counters, padding, lengths, TAR) with their PoR status codes
// (ETSI TS 102 225 §5.1.1, §5.2.2 Table 5).
#include <gtest/gtest.h>

#include <vector>

#include "gpram/crypto/crypto.hpp"
#include "gpram/scp/scp80.hpp"

using gpram::Bytes;
using gpram::hex;
using gpram::to_hex;
using namespace gpram::scp80;

namespace {

struct Algo {
  const char* name;
  uint8_t kic;
  uint8_t kid;
  size_t kic_len;
  size_t kid_len;
};

const Algo kAlgos[] = {
    {"DES-CBC", 0x11, 0x11, 8, 8},      {"3DES-2key", 0x25, 0x25, 16, 16},
    {"3DES-3key", 0x39, 0x39, 24, 24},  {"DES-ECB", 0x4D, 0x41, 8, 8},
    {"AES-128", 0x52, 0x52, 16, 16},    {"AES-192", 0x62, 0x62, 24, 24},
    {"AES-256", 0x72, 0x72, 32, 32},    {"AES+CRC32", 0x82, 0x85, 16, 16},
};

Bytes key(size_t n, uint8_t seed) {
  Bytes k(n);
  for (size_t i = 0; i < n; ++i) k[i] = static_cast<uint8_t>(seed + 17 * i);
  return k;
}

Keyset keyset(const Algo& a) {
  Keyset ks;
  ks.kic = a.kic;
  ks.kid = a.kid;
  ks.kic_key = key(a.kic_len, 0x40);
  ks.kid_key = key(a.kid_len, 0x80);
  ks.tar = {0xB0, 0x00, 0x10};
  return ks;
}

Spi spi(uint8_t s1, uint8_t s2) { return *Spi::decode(s1, s2); }

}  // namespace

TEST(Scp80RoundTrip, EverySpiAndAlgorithm) {
  const Bytes data = hex("80E6020016A0000000871002FF49FF8906000000000000000000");
  size_t runs = 0;
  for (const auto& a : kAlgos) {
    SCOPED_TRACE(a.name);
    for (unsigned s1 = 0; s1 < 0x20; ++s1) {
      if ((s1 & 3) == 3) continue;  // DS
      for (unsigned s2 = 0; s2 < 0x40; ++s2) {
        if ((s2 & 3) == 3 || ((s2 >> 2) & 3) == 3) continue;
        const Spi sp = spi(static_cast<uint8_t>(s1), static_cast<uint8_t>(s2));
        const Keyset ks = keyset(a);
        if (!checksum_length(ks.kid, sp.integrity) || !checksum_length(ks.kid, sp.por_integrity)) {
          // KID 39 / 25 / 52 name no RC algorithm (only low nibbles 1 and 5 do).
          auto bad = encode_command(ks, sp, 8, data);
          ASSERT_FALSE(bad);
          EXPECT_EQ(bad.error(), Errc::unsupported);
          continue;
        }
        auto pkt = encode_command(ks, sp, 8, data);
        ASSERT_TRUE(pkt) << pkt.error().message;
        std::vector<CardKeyset> card{{ks, CounterPolicy(7)}};
        auto cmd = open_command(*pkt, card);
        ASSERT_TRUE(cmd) << s1 << "/" << s2 << ": " << cmd.error().message;
        EXPECT_EQ(cmd->data, data);
        EXPECT_EQ(cmd->header.spi, sp);
        EXPECT_EQ(cmd->counter, 8u);
        EXPECT_EQ(card[0].counter.last(), sp.counter == CounterMode::none ? 7u : 8u);
        const Bytes resp = hex("029000");
        for (bool udh : {true, false}) {
          auto por = encode_por(ks, sp, cmd->counter, Status::ok, resp, udh);
          ASSERT_TRUE(por) << por.error().message;
          auto back = open_por(*por, ks, sp);
          ASSERT_TRUE(back) << s1 << "/" << s2 << ": " << back.error().message;
          EXPECT_EQ(back->data, resp);
          EXPECT_EQ(back->counter, 8u);
          EXPECT_TRUE(back->secured);
        }
        ++runs;
      }
    }
  }
  EXPECT_GT(runs, 8u * 9u * 9u);
}

TEST(Scp80RoundTrip, EmptyDataAndBlockAlignedData) {
  const Keyset ks = keyset(kAlgos[4]);
  for (size_t n : {0u, 2u, 18u, 100u}) {
    Bytes d(n, 0xA5);
    auto pkt = encode_command(ks, spi(0x06, 0x00), 0, d);
    ASSERT_TRUE(pkt);
    auto cmd = decode_command(*pkt, ks);
    ASSERT_TRUE(cmd) << cmd.error().message;
    EXPECT_TRUE(cmd->checksum_valid);
    EXPECT_EQ(cmd->data, d);
    EXPECT_LT(cmd->pcntr, 16);
  }
}

// ---- card-side rejections ---------------------------------------------------------------------

namespace {
struct CardFixture {
  Keyset ks = keyset(kAlgos[1]);
  std::vector<CardKeyset> card{{ks, CounterPolicy(7)}};
};
}  // namespace

TEST(Scp80Card, RejectsBadCc) {
  CardFixture f;
  for (uint8_t s1 : {uint8_t{0x02}, uint8_t{0x06}, uint8_t{0x01}}) {
    auto pkt = encode_command(f.ks, spi(s1, 0x01), 0, hex("00A40000023F00"));
    ASSERT_TRUE(pkt);
    pkt->back() ^= 0x01;
    auto r = open_command(*pkt, f.card);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error(), Errc::checksum_mismatch) << r.error().message;
    EXPECT_EQ(por_status(r.error()), Status::checksum_failed);
    EXPECT_NE(r.error().message.find("mismatch for TAR B00010"), std::string::npos);
  }
}

TEST(Scp80Card, RejectsLowCounterWithPreciseMessage) {
  CardFixture f;
  auto pkt = encode_command(f.ks, spi(0x16, 0x01), 5, hex("00A40000023F00"));
  ASSERT_TRUE(pkt);
  auto r = open_command(*pkt, f.card);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), Errc::counter_low);
  EXPECT_EQ(r.error().message, "SCP80: counter 0000000005 not greater than last 0000000007");
  EXPECT_EQ(por_status(r.error()), Status::counter_low);
  EXPECT_EQ(f.card[0].counter.last(), 7u);
}

TEST(Scp80Card, RejectsRepeatedCounter) {
  CardFixture f;
  auto pkt = encode_command(f.ks, spi(0x16, 0x01), 8, hex("00A40000023F00"));
  ASSERT_TRUE(pkt);
  ASSERT_TRUE(open_command(*pkt, f.card));
  auto again = open_command(*pkt, f.card);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error(), Errc::counter_low);
  EXPECT_EQ(again.error().message, "SCP80: counter 0000000008 not greater than last 0000000008");
}

TEST(Scp80Card, CounterMustBeExactlyOneMore) {
  CardFixture f;
  auto skip = encode_command(f.ks, spi(0x1E, 0x01), 9, hex("00"));  // mode 11 = next
  ASSERT_TRUE(skip);
  auto r = open_command(*skip, f.card);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), Errc::counter_high);
  EXPECT_EQ(por_status(r.error()), Status::counter_high);
  EXPECT_NE(r.error().message.find("expected 0000000008"), std::string::npos) << r.error().message;
  auto next = encode_command(f.ks, spi(0x1E, 0x01), 8, hex("00"));
  ASSERT_TRUE(open_command(*next, f.card));
  // Mode 01 (no check) accepts a lower counter and does not move the stored value back.
  auto low = encode_command(f.ks, spi(0x0E, 0x01), 3, hex("00"));
  ASSERT_TRUE(open_command(*low, f.card));
  EXPECT_EQ(f.card[0].counter.last(), 8u);
}

TEST(Scp80Card, BlockedCounter) {
  CounterPolicy p(kCounterMax);
  auto r = p.check(CounterMode::higher, 1);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), Errc::counter_blocked);
  EXPECT_EQ(por_status(r.error()), Status::counter_blocked);
  EXPECT_TRUE(p.check(CounterMode::none, 1));
}

TEST(Scp80Card, ForgedPacketDoesNotMoveCounter) {
  CardFixture f;
  auto pkt = encode_command(f.ks, spi(0x16, 0x01), 100, hex("00A40000023F00"));
  (*pkt)[12] ^= 0x80;
  ASSERT_FALSE(open_command(*pkt, f.card));
  EXPECT_EQ(f.card[0].counter.last(), 7u);
}

TEST(Scp80Card, RejectsUnknownTar) {
  CardFixture f;
  Keyset other = f.ks;
  other.tar = {0xB0, 0x00, 0x11};
  auto pkt = encode_command(other, spi(0x06, 0x01), 0, hex("00"));
  auto r = open_command(*pkt, f.card);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), Errc::unknown_tar);
  EXPECT_EQ(r.error().message, "SCP80: unknown TAR B00011");
  EXPECT_EQ(por_status(r.error()), Status::tar_unknown);
  // The card then answers in clear; the server still reads the status.
  Keyset clear{};
  clear.tar = other.tar;
  auto por = encode_por(clear, Spi{}, 0, por_status(r.error()), {});
  ASSERT_TRUE(por);
  auto got = open_por(*por, other, spi(0x06, 0x19));
  ASSERT_TRUE(got) << got.error().message;
  EXPECT_FALSE(got->secured);
  EXPECT_EQ(got->status, 0x09);
}

TEST(Scp80Card, RejectsKeysetMismatch) {
  CardFixture f;
  Keyset other = f.ks;
  other.kic = 0x35;
  auto pkt = encode_command(other, spi(0x06, 0x01), 0, hex("00"));
  auto r = open_command(*pkt, f.card);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), Errc::bad_key);
  EXPECT_EQ(por_status(r.error()), Status::security_error);
}

TEST(Scp80Card, RejectsBadPcntr) {
  CardFixture f;
  // Unciphered packet with a non-zero PCNTR (offset 15).
  auto plain = encode_command(f.ks, spi(0x00, 0x00), 0, hex("00A40000023F00"));
  (*plain)[15] = 0x01;
  auto r = decode_command(*plain, f.ks);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), Errc::bad_padding);
  // Ciphered packet whose PCNTR (after deciphering) exceeds the data.
  auto pkt = encode_command(f.ks, spi(0x04, 0x00), 0, hex("00A40000023F00"));
  ASSERT_TRUE(pkt);
  Bytes sec(pkt->begin() + 10, pkt->end());
  const Bytes iv(8, 0);
  Bytes plain2 = *gpram::crypto::des_cbc_decrypt(f.ks.kic_key, iv, sec);
  plain2[5] = 0x20;
  Bytes enc = *gpram::crypto::des_cbc_encrypt(f.ks.kic_key, iv, plain2);
  Bytes forged(pkt->begin(), pkt->begin() + 10);
  gpram::append(forged, enc);
  auto r2 = decode_command(forged, f.ks);
  ASSERT_FALSE(r2);
  EXPECT_EQ(r2.error(), Errc::bad_padding);
  EXPECT_NE(r2.error().message.find("PCNTR 32 exceeds"), std::string::npos) << r2.error().message;
  EXPECT_EQ(por_status(r2.error()), Status::ciphering_error);
  // Ciphered part not block-aligned.
  Bytes odd = *pkt;
  odd.push_back(0);
  odd[1] = static_cast<uint8_t>(odd[1] + 1);
  auto r3 = decode_command(odd, f.ks);
  ASSERT_FALSE(r3);
  EXPECT_EQ(r3.error(), Errc::bad_padding);
}

TEST(Scp80Card, RejectsTruncatedAndCplMismatch) {
  CardFixture f;
  auto pkt = encode_command(f.ks, spi(0x06, 0x01), 0, hex("00A40000023F00"));
  ASSERT_TRUE(pkt);
  auto t = decode_command(Bytes(pkt->begin(), pkt->begin() + 12), f.ks);
  ASSERT_FALSE(t);
  EXPECT_EQ(t.error(), Errc::truncated);
  Bytes longer = *pkt;
  longer.push_back(0);
  auto l = decode_command(longer, f.ks);
  ASSERT_FALSE(l);
  EXPECT_EQ(l.error(), Errc::bad_length);
  EXPECT_NE(l.error().message.find("CPL 0020 announces 32 bytes but 33 follow"), std::string::npos)
      << l.error().message;
  Bytes chl = *pkt;
  chl[2] = 0x0D;
  auto c = decode_command(chl, f.ks);
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error(), Errc::bad_length);
  EXPECT_TRUE(decode_command({}, f.ks).error() == Errc::truncated);
}

TEST(Scp80Card, RejectsDigitalSignature) {
  CardFixture f;
  auto e = encode_command(f.ks, spi(0x03, 0x00), 0, hex("00"));
  ASSERT_FALSE(e);
  EXPECT_EQ(e.error(), Errc::unsupported);
  auto p = encode_command(f.ks, spi(0x00, 0x0C), 0, hex("00"));
  ASSERT_FALSE(p);
  EXPECT_EQ(p.error(), Errc::unsupported);
}

TEST(Scp80Card, RejectsWrongKeyLength) {
  Keyset ks = keyset(kAlgos[1]);
  ks.kic_key.resize(15);
  auto e = encode_command(ks, spi(0x04, 0x00), 0, hex("00"));
  ASSERT_FALSE(e);
  EXPECT_EQ(e.error(), Errc::bad_key);
  EXPECT_NE(e.error().message.find("must be 16 bytes, got 15"), std::string::npos)
      << e.error().message;
}

TEST(Scp80Por, RejectsMalformed) {
  const Keyset ks = keyset(kAlgos[4]);
  const Spi sp = spi(0x06, 0x19);
  auto por = encode_por(ks, sp, 1, Status::ok, hex("019000"));
  ASSERT_TRUE(por);
  auto t = decode_por(Bytes(por->begin(), por->begin() + 10), ks, sp);
  ASSERT_FALSE(t);
  EXPECT_EQ(t.error(), Errc::truncated);
  Bytes bad_rpl = *por;
  bad_rpl[4] = static_cast<uint8_t>(bad_rpl[4] + 1);
  auto l = decode_por(bad_rpl, ks, sp);
  ASSERT_FALSE(l);
  EXPECT_EQ(l.error(), Errc::bad_length);
  Bytes flipped = *por;
  flipped.back() ^= 1;
  auto c = open_por(flipped, ks, sp);
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error(), Errc::checksum_mismatch);
}
