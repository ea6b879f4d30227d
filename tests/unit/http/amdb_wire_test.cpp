// Real Amendment B wire formats through the parsers.
//  - FieldLog: public lab log "SCP81 / HTTP OTA live-card findings" (find it with that exact
//    string; repository not indexed), section "The one fully successful session trace": a real
//    card (3311) over plain HTTP, three steps, chunked card POSTs, Content-Length server
//    answers, 204 at the end. Header bytes not given in the log (Host, X-Admin-From) are ours.
//  - OPAL: pancanaka/opal src/main/java/fr/xlim/ssd/opal/library/HttpPostRequest.java
//    @7bf4d2f41a146ec75e0a2da90d71abfbc6fb966c: card-side POSTs with a space before every CRLF
//    and 8-byte chunks written as "08 ".
#include <gtest/gtest.h>

#include <string>

#include "gpram/http/parser.hpp"

using gpram::as_bytes;
using gpram::to_hex;
using namespace gpram::http;
using namespace std::string_literals;

TEST(AmdBWire, ParsesFieldLogCardPostWithChunkedResponseScript) {
  // FieldLog: POST /Download?req=1, X-Admin-Script-Status: ok, chunked body
  // "8\r\n" af 80 23 02 6a 88 00 00 "0\r\n\r\n" (R-APDU SW 6A88).
  const std::string wire =
      "POST /Download?req=1 HTTP/1.1\r\nHost: 127.0.0.1\r\n"
      "X-Admin-Protocol: globalplatform-remote-admin/1.0\r\nX-Admin-From: 3311\r\n"
      "X-Admin-Script-Status: ok\r\n"
      "Content-Type: application/vnd.globalplatform.card-content-mgt-response;version=1.0\r\n"
      "Transfer-Encoding: chunked\r\n\r\n"
      "8\r\n\xAF\x80\x23\x02\x6A\x88\x00\x00\r\n0\r\n\r\n"s;
  RequestParser p;
  auto n = p.feed(as_bytes(wire));
  ASSERT_TRUE(n) << n.error().message;
  ASSERT_TRUE(p.has_message());
  EXPECT_EQ(*n, wire.size());
  EXPECT_EQ(p.message().target, "/Download?req=1");
  EXPECT_EQ(p.message().headers.get("x-admin-script-status"), "ok");
  EXPECT_EQ(to_hex(p.message().body), "AF8023026A880000");
}

TEST(AmdBWire, ParsesFieldLogServerAnswersAndFinal204) {
  // FieldLog: 200 + X-Admin-Next-URI: /Download?req=1 + Content-Length: 11, body
  // ae 80 22 05 80 ca 00 85 00 00 00 (GET DATA 0085); the session ends with 204.
  const std::string wire =
      "HTTP/1.1 200 OK\r\nX-Admin-Protocol: globalplatform-remote-admin/1.0\r\n"
      "X-Admin-Next-URI: /Download?req=1\r\nContent-Length: 11\r\n"
      "Content-Type: application/vnd.globalplatform.card-content-mgt;version=1.0\r\n\r\n"
      "\xAE\x80\x22\x05\x80\xCA\x00\x85\x00\x00\x00"
      "HTTP/1.1 200 OK\r\nX-Admin-Next-URI: /Download?req=2\r\nContent-Length: 14\r\n\r\n"
      "\xAE\x80\x22\x08\x80\xF2\x80\x02\x02\x4F\x00\x00\x00\x00"
      "HTTP/1.1 204 No Content\r\n\r\n"s;
  ResponseParser p;
  gpram::ByteView in = as_bytes(wire);
  std::vector<std::string> bodies;
  std::vector<int> statuses;
  while (!in.empty()) {
    auto n = p.feed(in);
    ASSERT_TRUE(n) << n.error().message;
    in = in.subspan(*n);
    if (p.has_message()) {
      statuses.push_back(p.message().status);
      bodies.push_back(to_hex(p.message().body));
    }
  }
  ASSERT_EQ(statuses, (std::vector<int>{200, 200, 204}));
  EXPECT_EQ(bodies[0], "AE80220580CA0085000000");
  EXPECT_EQ(bodies[1], "AE80220880F28002024F00000000");
  EXPECT_EQ(bodies[2], "");
}

// OPAL writes "POST <uri> HTTP/1.1 " (space before CRLF): not RFC 9112 request-line syntax
// (§3: request-line = method SP request-target SP HTTP-version, then CRLF). llhttp rejects
// it; the 400 names the offset so an operator sees why such an agent fails.
TEST(AmdBWire, RejectsOpalRequestLineWithTrailingSpace) {
  const std::string wire =
      "POST /ram HTTP/1.1 \r\nHost: ras \r\n"
      "X-Admin-Protocol: globalplatform-remote-admin/1.0 \r\nX-Admin-From: 0123456789 \r\n\r\n";
  RequestParser p;
  auto n = p.feed(as_bytes(wire));
  ASSERT_FALSE(n);
  EXPECT_EQ(status_for(n.error().code), 400);
  EXPECT_NE(n.error().message.find("at byte 18"), std::string::npos) << n.error().message;
}

// OPAL's header lines end in " \r\n": trailing whitespace in a field value is OWS (RFC 9110
// §5.5) and is trimmed.
TEST(AmdBWire, TrimsOpalTrailingSpaceInFieldValues) {
  const std::string wire =
      "POST /ram HTTP/1.1\r\nHost: ras \r\n"
      "X-Admin-Protocol: globalplatform-remote-admin/1.0 \r\nX-Admin-From: 0123456789 \r\n"
      "X-Admin-Script-Status: ok \r\nTransfer-Encoding: chunked \r\n\r\n"
      "08\r\n01234567\r\n0\r\n\r\n";
  RequestParser p;
  auto n = p.feed(as_bytes(wire));
  ASSERT_TRUE(n) << n.error().message;
  ASSERT_TRUE(p.has_message());
  EXPECT_EQ(p.message().headers.get("X-Admin-From"), "0123456789");
  EXPECT_EQ(p.message().headers.get("X-Admin-Protocol"), "globalplatform-remote-admin/1.0");
  EXPECT_EQ(p.message().headers.get("Transfer-Encoding"), "chunked");
  EXPECT_EQ(p.message().body.size(), 8u);
}

// OPAL's chunk-size lines "08 \r\n": RFC 9112 §7.1 allows whitespace only before a ";"
// extension, so llhttp rejects them with a 400 naming the offset.
TEST(AmdBWire, RejectsOpalChunkSizeWithTrailingSpace) {
  const std::string wire =
      "POST /ram HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n08 \r\n01234567\r\n00 \r\n\r\n";
  RequestParser p;
  auto n = p.feed(as_bytes(wire));
  ASSERT_FALSE(n);
  EXPECT_EQ(status_for(n.error().code), 400);
  EXPECT_NE(n.error().message.find("chunk size"), std::string::npos) << n.error().message;
}
