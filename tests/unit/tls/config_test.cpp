// Suite list parsing (interfaces.md --tls-suites) and the GnuTLS priority string.
#include <gtest/gtest.h>

#include "gpram/tls/config.hpp"

using namespace gpram::tls;

TEST(TlsConfig, ParsesSuiteList) {
  auto s = parse_suites("psk-aes128-cbc-sha256, psk-aes128-cbc-sha,tls13,tls13");
  ASSERT_TRUE(s) << s.error().message;
  EXPECT_EQ(*s, (std::vector<Suite>{Suite::psk_aes128_cbc_sha256, Suite::psk_aes128_cbc_sha,
                                    Suite::tls13}));
  EXPECT_EQ(suites_to_string(*s), "psk-aes128-cbc-sha256,psk-aes128-cbc-sha,tls13");
}

TEST(TlsConfig, RejectsUnknownSuite) {
  auto s = parse_suites("psk-aes128-cbc-sha256,psk-rc4");
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, make_error_code(Errc::bad_config));
  EXPECT_NE(s.error().message.find("'psk-rc4'"), std::string::npos);
  EXPECT_FALSE(parse_suites(""));
}

TEST(TlsConfig, DefaultHasNoNullNor3Des) {
  EXPECT_EQ(suites_to_string(default_suites()), "psk-aes128-cbc-sha256,psk-aes128-cbc-sha,tls13");
}

TEST(TlsConfig, IanaCodes) {
  // RFC 5487 §3.1 (00AE, 00B0), RFC 4279 §2 (008B, 008C), RFC 4785 §2 (002C), RFC 8446 B.4.
  EXPECT_EQ(suite_iana_code(Suite::psk_aes128_cbc_sha256), 0x00AE);
  EXPECT_EQ(suite_iana_code(Suite::psk_null_sha256), 0x00B0);
  EXPECT_EQ(suite_iana_code(Suite::psk_3des_ede_cbc_sha), 0x008B);
  EXPECT_EQ(suite_iana_code(Suite::psk_aes128_cbc_sha), 0x008C);
  EXPECT_EQ(suite_iana_code(Suite::psk_null_sha), 0x002C);
  EXPECT_EQ(suite_iana_code(Suite::tls13), 0x1301);
}

TEST(TlsConfig, PriorityStringDefault) {
  auto p = priority_string(Options{});
  ASSERT_TRUE(p);
  EXPECT_EQ(*p,
            "NONE:+VERS-TLS1.3:+VERS-TLS1.2:+PSK:+ECDHE-PSK:+AES-128-GCM:+AES-128-CCM:"
            "+AES-128-CBC:+AEAD:+SHA256:+SHA1:+GROUP-X25519:+GROUP-SECP256R1:+GROUP-SECP384R1:"
            "+COMP-NULL:+SIGN-ALL:%NO_ETM");
}

TEST(TlsConfig, PriorityStringLegacy) {
  Options o;
  o.suites = {Suite::psk_3des_ede_cbc_sha, Suite::psk_null_sha};
  o.tls10 = true;
  o.encrypt_then_mac = true;
  auto p = priority_string(o);
  ASSERT_TRUE(p);
  EXPECT_EQ(*p, "NONE:+VERS-TLS1.2:+VERS-TLS1.0:+PSK:+3DES-CBC:+NULL:+SHA1:+COMP-NULL:+SIGN-ALL");
}

TEST(TlsConfig, RejectsEmptySelection) {
  Options o;
  o.suites = {Suite::psk_aes128_cbc_sha};
  o.tls12 = false;
  EXPECT_FALSE(priority_string(o));
  Options small;
  small.max_record_size = 100;
  EXPECT_FALSE(Config::server(small, std::make_shared<MemoryPskResolver>()));
  EXPECT_FALSE(Config::server(Options{}, nullptr));
}

TEST(TlsConfig, MemoryResolver) {
  MemoryPskResolver r;
  r.add("a", gpram::hex("0102"));
  EXPECT_EQ(r.psk_for("a"), gpram::hex("0102"));
  EXPECT_FALSE(r.psk_for("b"));
  r.remove("a");
  EXPECT_FALSE(r.psk_for("a"));
}

// SCP81 "i" bits per protocol.md §5 (GP Amendment B v1.2: 01 TLS 1.0, 02 TLS 1.1, 04 TLS 1.2,
// 08 TLS 1.3).
TEST(TlsConfig, Scp81ParameterI) {
  Options o;
  apply_scp81_i(o, 0x04);
  EXPECT_FALSE(o.tls10);
  EXPECT_FALSE(o.tls11);
  EXPECT_TRUE(o.tls12);
  EXPECT_EQ(suites_to_string(o.suites), "psk-aes128-cbc-sha256,psk-aes128-cbc-sha");
  Options all;
  apply_scp81_i(all, 0x0F);
  EXPECT_TRUE(all.tls10 && all.tls11 && all.tls12);
  EXPECT_EQ(suites_to_string(all.suites), "psk-aes128-cbc-sha256,psk-aes128-cbc-sha,tls13");
  Options only13;
  apply_scp81_i(only13, 0x08);
  auto p = priority_string(only13);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->find("VERS-TLS1.2"), std::string::npos) << *p;
}
