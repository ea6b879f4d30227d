// HTTP/1.1 parser tests: hand-written RFC 9112 cases (framing, chunked coding, pipelining,
// limits, versions) and real Amendment B exchanges.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "gpram/http/parser.hpp"

using gpram::as_bytes;
using gpram::to_hex;
using namespace gpram::http;
using namespace std::string_literals;

namespace {

// Feeds `wire` in pieces of `step` bytes (0 = all at once) and collects the messages.
template <class P>
auto parse_all(P& p, std::string_view wire, size_t step = 0) {
  std::vector<std::decay_t<decltype(p.message())>> out;
  gpram::ByteView in = as_bytes(wire);
  while (!in.empty()) {
    gpram::ByteView piece = step ? in.first(std::min(step, in.size())) : in;
    while (!piece.empty()) {
      auto n = p.feed(piece);
      if (!n) return gpram::Result<decltype(out)>(gpram::fail(n.error()));
      piece = piece.subspan(*n);
      in = in.subspan(*n);
      if (p.has_message()) out.push_back(p.message());
    }
  }
  return gpram::Result<decltype(out)>(std::move(out));
}

std::string body_str(const gpram::Bytes& b) { return std::string(gpram::as_chars(b)); }

}  // namespace

TEST(RequestParser, ParsesContentLengthPost) {
  RequestParser p;
  auto r = parse_all(p,
                     "POST /ram?s=1&n=2 HTTP/1.1\r\nHost: ras\r\ncontent-length: 5\r\n"
                     "X-Admin-Protocol:  globalplatform-remote-admin/1.0 \r\n\r\nhello");
  ASSERT_TRUE(r) << r.error().message;
  ASSERT_EQ(r->size(), 1u);
  const Request& m = (*r)[0];
  EXPECT_EQ(m.method, "POST");
  EXPECT_EQ(m.target, "/ram?s=1&n=2");
  EXPECT_EQ(m.version, (Version{1, 1}));
  EXPECT_EQ(body_str(m.body), "hello");
  EXPECT_EQ(m.headers.get("HOST"), "ras");
  EXPECT_EQ(m.headers.get("x-admin-protocol"), "globalplatform-remote-admin/1.0");
  EXPECT_TRUE(m.keep_alive);
}

// RFC 9112 §7.1: chunk extensions are ignored; §7.1.2: trailer fields are not merged here.
TEST(RequestParser, ParsesChunkedWithExtensionsAndTrailers) {
  const std::string wire =
      "POST /x HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
      "4;ext=1\r\nWiki\r\n5;flag\r\npedia\r\nE\r\n in\r\n\r\nchunks.\r\n0\r\nX-Trailer: v\r\n\r\n";
  for (size_t step : std::vector<size_t>{0, 1, 3, 7}) {
    RequestParser p;
    auto r = parse_all(p, wire, step);
    ASSERT_TRUE(r) << r.error().message;
    ASSERT_EQ(r->size(), 1u);
    EXPECT_EQ(body_str((*r)[0].body), "Wikipedia in\r\n\r\nchunks.");
    EXPECT_FALSE((*r)[0].headers.has("X-Trailer"));
  }
}

TEST(RequestParser, SplitsPipelinedRequests) {
  const std::string wire =
      "POST /a HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc"
      "POST /b HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nde\r\n0\r\n\r\n"
      "POST /c HTTP/1.1\r\nHost: h\r\n\r\n";
  for (size_t step : std::vector<size_t>{0, 1, 2, 5, 13}) {
    RequestParser p;
    auto r = parse_all(p, wire, step);
    ASSERT_TRUE(r) << r.error().message;
    ASSERT_EQ(r->size(), 3u) << "step " << step;
    EXPECT_EQ((*r)[0].target, "/a");
    EXPECT_EQ(body_str((*r)[0].body), "abc");
    EXPECT_EQ((*r)[1].target, "/b");
    EXPECT_EQ(body_str((*r)[1].body), "de");
    EXPECT_EQ((*r)[2].target, "/c");
    EXPECT_TRUE((*r)[2].body.empty());
    EXPECT_TRUE(p.idle());
    EXPECT_EQ(p.offset(), wire.size());
  }
}

TEST(RequestParser, OneMessagePerFeed) {
  RequestParser p;
  const std::string wire = "POST /a HTTP/1.1\r\n\r\nPOST /b HTTP/1.1\r\n\r\n";
  auto n = p.feed(as_bytes(wire));
  ASSERT_TRUE(n);
  EXPECT_EQ(*n, wire.size() / 2);
  ASSERT_TRUE(p.has_message());
  EXPECT_EQ(p.message().target, "/a");
}

TEST(RequestParser, ConnectionCloseClearsKeepAlive) {
  RequestParser p;
  auto r = parse_all(p, "POST /a HTTP/1.1\r\nConnection: close\r\n\r\n");
  ASSERT_TRUE(r);
  EXPECT_FALSE((*r)[0].keep_alive);
  RequestParser p10;
  auto r10 = parse_all(p10, "POST /a HTTP/1.0\r\n\r\n");
  ASSERT_TRUE(r10) << r10.error().message;
  EXPECT_FALSE((*r10)[0].keep_alive);
  EXPECT_EQ((*r10)[0].version, (Version{1, 0}));
}

// RFC 9112 §6.3: Content-Length together with Transfer-Encoding is a smuggling vector: 400.
TEST(RequestParser, RejectsContentLengthWithChunked) {
  RequestParser p;
  auto r = parse_all(p,
                     "POST /a HTTP/1.1\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n"
                     "0\r\n\r\n");
  ASSERT_FALSE(r);
  EXPECT_EQ(status_for(r.error().code), 400);
  EXPECT_NE(r.error().message.find("HPE_"), std::string::npos) << r.error().message;
}

TEST(RequestParser, RejectsDuplicateDifferingContentLength) {
  RequestParser p;
  auto r = parse_all(p, "POST /a HTTP/1.1\r\nContent-Length: 4\r\nContent-Length: 5\r\n\r\nabcd");
  ASSERT_FALSE(r);
  EXPECT_EQ(status_for(r.error().code), 400);
}

TEST(RequestParser, RejectsOversizedHeaderWith431) {
  ParserOptions o;
  o.max_header_bytes = 100;
  for (size_t step : std::vector<size_t>{0, 1, 10}) {
    RequestParser p(o);
    auto r = parse_all(p, "POST /a HTTP/1.1\r\nX-Big: " + std::string(200, 'a') + "\r\n\r\n", step);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, Errc::headers_too_large);
    EXPECT_EQ(status_for(r.error().code), 431);
    EXPECT_NE(r.error().message.find("100 bytes"), std::string::npos) << r.error().message;
  }
}

TEST(RequestParser, RejectsTooManyHeadersWith431) {
  ParserOptions o;
  o.max_header_count = 3;
  RequestParser p(o);
  auto r = parse_all(p, "POST /a HTTP/1.1\r\nA: 1\r\nB: 2\r\nC: 3\r\nD: 4\r\n\r\n");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::headers_too_large);
  EXPECT_NE(r.error().message.find("more than 3 header fields"), std::string::npos);
}

TEST(RequestParser, RejectsOversizedBodyWith413BeforeReadingIt) {
  ParserOptions o;
  o.max_body = 10;
  RequestParser p(o);
  // Only the head is sent: the limit applies as soon as Content-Length is known.
  auto r = parse_all(p, "POST /a HTTP/1.1\r\nContent-Length: 11\r\n\r\n");
  ASSERT_FALSE(r);
  EXPECT_EQ(status_for(r.error().code), 413);
  EXPECT_NE(r.error().message.find("Content-Length 11 exceeds the 10-byte limit"),
            std::string::npos)
      << r.error().message;
}

TEST(RequestParser, RejectsOversizedChunkedBodyWith413) {
  ParserOptions o;
  o.max_body = 10;
  RequestParser p(o);
  auto r = parse_all(p,
                     "POST /a HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
                     "6\r\n123456\r\n6\r\n123456\r\n0\r\n\r\n");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::body_too_large);
}

TEST(RequestParser, RejectsLongTargetWith414) {
  ParserOptions o;
  o.max_url = 16;
  RequestParser p(o);
  auto r = parse_all(p, "POST /" + std::string(40, 'a') + " HTTP/1.1\r\n\r\n");
  ASSERT_FALSE(r);
  EXPECT_EQ(status_for(r.error().code), 414);
}

TEST(RequestParser, RejectsBadVersionWith505) {
  for (const char* wire : {"POST /a HTTP/2.0\r\n\r\n", "POST /a HTTP/3.1\r\n\r\n"}) {
    RequestParser p;
    auto r = parse_all(p, wire);
    ASSERT_FALSE(r) << wire;
    EXPECT_EQ(status_for(r.error().code), 505) << wire << ": " << r.error().message;
  }
}

TEST(RequestParser, RejectsUnknownTransferCodingWith501) {
  RequestParser p;
  auto r = parse_all(p, "POST /a HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n");
  ASSERT_FALSE(r);
  EXPECT_EQ(status_for(r.error().code), 501);
  EXPECT_NE(r.error().message.find("gzip"), std::string::npos) << r.error().message;
}

TEST(RequestParser, RejectsMalformedWith400AndOffset) {
  RequestParser p;
  auto r = parse_all(p, "POST /a HTTP/1.1\r\nHost\r\n\r\n");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::bad_request);
  EXPECT_NE(r.error().message.find("at byte"), std::string::npos) << r.error().message;
  // Sticky: later feeds keep failing.
  auto again = p.feed(as_bytes("POST /b HTTP/1.1\r\n\r\n"));
  EXPECT_FALSE(again);
}

TEST(RequestParser, RejectsBadChunkSize) {
  RequestParser p;
  auto r = parse_all(p, "POST /a HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n");
  ASSERT_FALSE(r);
  EXPECT_EQ(status_for(r.error().code), 400);
}

TEST(RequestParser, FinishInsideMessageIsIncomplete) {
  RequestParser p;
  auto n = p.feed(as_bytes("POST /a HTTP/1.1\r\nContent-Length: 5\r\n\r\nab"));
  ASSERT_TRUE(n);
  EXPECT_FALSE(p.idle());
  auto f = p.finish();
  ASSERT_FALSE(f);
  EXPECT_EQ(f.error().code, Errc::incomplete);
  RequestParser q;
  auto f2 = q.finish();
  ASSERT_TRUE(f2);
  EXPECT_FALSE(*f2);
}

TEST(ResponseParser, ParsesChunkedAndNoContent) {
  const std::string wire =
      "HTTP/1.1 200 OK\r\nX-Admin-Next-URI: /ram?s=1&n=1\r\nTransfer-Encoding: chunked\r\n\r\n"
      "B\r\n\xAE\x80\x22\x05\x80\xCA\x00\x85\x00\x00\x00\r\n0\r\n\r\n"
      "HTTP/1.1 204 No Content\r\nX-Admin-Protocol: globalplatform-remote-admin/1.0\r\n\r\n"s;
  for (size_t step : std::vector<size_t>{0, 1, 4}) {
    ResponseParser p;
    auto r = parse_all(p, wire, step);
    ASSERT_TRUE(r) << r.error().message;
    ASSERT_EQ(r->size(), 2u);
    EXPECT_EQ((*r)[0].status, 200);
    EXPECT_EQ((*r)[0].reason, "OK");
    EXPECT_EQ(to_hex((*r)[0].body), "AE80220580CA0085000000");
    EXPECT_EQ((*r)[1].status, 204);
    EXPECT_TRUE((*r)[1].body.empty());
  }
}

TEST(ResponseParser, ReadsUntilCloseOnFinish) {
  ResponseParser p;
  auto n = p.feed(as_bytes("HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nabc"));
  ASSERT_TRUE(n) << n.error().message;
  EXPECT_FALSE(p.has_message());
  auto f = p.finish();
  ASSERT_TRUE(f) << f.error().message;
  ASSERT_TRUE(*f);
  EXPECT_EQ(body_str(p.message().body), "abc");
}

// Fuzz regression (fuzz/corpus/http/regress_status_20): llhttp accepts "HTTP/1.1 20"; RFC 9110
// §15 status codes are three digits, 100-599.
TEST(ResponseParser, RejectsStatusOutsideRange) {
  ResponseParser p;
  auto n = p.feed(as_bytes("HTTP/1.1 20\r\nContent-Length: 0\r\n\r\n"));
  ASSERT_FALSE(n);
  EXPECT_EQ(n.error().code, Errc::bad_request);
  EXPECT_NE(n.error().message.find("status code 20"), std::string::npos) << n.error().message;
}

TEST(RequestParser, BodyExactlyAtLimitPasses) {
  ParserOptions o;
  o.max_body = 4;
  RequestParser p(o);
  auto r = parse_all(p,
                     "POST /a HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
                     "2\r\nab\r\n2\r\ncd\r\n0\r\n\r\n");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(body_str((*r)[0].body), "abcd");
}

TEST(RequestParser, ResetClearsStickyError) {
  RequestParser p;
  ASSERT_FALSE(p.feed(as_bytes("NOT HTTP\r\n\r\n")));
  p.reset();
  EXPECT_EQ(p.offset(), 0u);
  auto n = p.feed(as_bytes("POST /a HTTP/1.1\r\n\r\n"));
  ASSERT_TRUE(n) << n.error().message;
  EXPECT_TRUE(p.has_message());
}

TEST(ResponseParser, IgnoresUpgradeAndKeepsParsing) {
  ResponseParser p;
  auto r = parse_all(p,
                     "HTTP/1.1 200 OK\r\nConnection: upgrade\r\nUpgrade: h2c\r\n"
                     "Content-Length: 1\r\n\r\nx"
                     "HTTP/1.1 204 No Content\r\n\r\n");
  ASSERT_TRUE(r) << r.error().message;
  ASSERT_EQ(r->size(), 2u);
  EXPECT_EQ((*r)[1].status, 204);
}
