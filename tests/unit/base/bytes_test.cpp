#include <gtest/gtest.h>

#include "gpram/base/bytes.hpp"

using namespace gpram;

TEST(Hex, RoundTripUppercase) {
  auto b = from_hex("00a0ff7F");
  ASSERT_TRUE(b);
  EXPECT_EQ(to_hex(*b), "00A0FF7F");
}

TEST(Hex, IgnoresSeparatorsBetweenBytes) {
  auto b = from_hex("80 CA:00\n66");
  ASSERT_TRUE(b);
  EXPECT_EQ(to_hex(*b), "80CA0066");
}

TEST(Hex, RejectsBadCharacterWithPosition) {
  auto b = from_hex("80CG");
  ASSERT_FALSE(b);
  EXPECT_EQ(b.error().code, HexErrc::bad_hex);
  EXPECT_NE(b.error().message.find("'G' at position 3"), std::string::npos) << b.error().message;
}

TEST(Hex, RejectsOddLength) {
  auto b = from_hex("80C");
  ASSERT_FALSE(b);
  EXPECT_EQ(b.error().code, HexErrc::odd_hex_length);
}

TEST(Bytes, ConstantTimeCompare) {
  EXPECT_TRUE(equal_ct(hex("0102"), hex("0102")));
  EXPECT_FALSE(equal_ct(hex("0102"), hex("0103")));
  EXPECT_FALSE(equal_ct(hex("0102"), hex("01")));
}
