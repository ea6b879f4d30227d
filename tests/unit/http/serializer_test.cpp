// HTTP/1.1 serializer tests: exact bytes for both framings, and parse(serialize(x)) == x.
#include <gtest/gtest.h>

#include "gpram/http/parser.hpp"
#include "gpram/http/serializer.hpp"

using gpram::as_bytes;
using gpram::as_chars;
using gpram::Bytes;
using namespace gpram::http;

namespace {
std::string wire_of(const Response& r, BodyOptions o = {}) {
  Bytes out;
  serialize(r, out, o);
  EXPECT_EQ(out.size(), serialized_size(r, o));
  return std::string(as_chars(out));
}
std::string wire_of(const Request& r, BodyOptions o = {}) {
  Bytes out;
  serialize(r, out, o);
  EXPECT_EQ(out.size(), serialized_size(r, o));
  return std::string(as_chars(out));
}
}  // namespace

TEST(Serializer, WritesContentLengthResponse) {
  Response r;
  r.headers.add("X-Admin-Protocol", "globalplatform-remote-admin/1.0");
  r.headers.add("Content-Length", "999");  // dropped: the serializer owns the framing
  r.body = {'a', 'b', 'c'};
  EXPECT_EQ(wire_of(r),
            "HTTP/1.1 200 OK\r\nX-Admin-Protocol: globalplatform-remote-admin/1.0\r\n"
            "Content-Length: 3\r\n\r\nabc");
}

TEST(Serializer, WritesChunkedResponseInGivenChunks) {
  Response r;
  r.body.assign(21, 'x');
  EXPECT_EQ(wire_of(r, {true, 10}),
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
            "A\r\nxxxxxxxxxx\r\nA\r\nxxxxxxxxxx\r\n1\r\nx\r\n0\r\n\r\n");
  EXPECT_EQ(wire_of(r, {true, 0}),
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
            "15\r\nxxxxxxxxxxxxxxxxxxxxx\r\n0\r\n\r\n");
}

TEST(Serializer, NoContentHasNoFraming) {
  Response r;
  r.status = 204;
  r.keep_alive = false;
  EXPECT_EQ(wire_of(r, {true, 0}), "HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n");
}

TEST(Serializer, EmptyRequestBodyHasNoFraming) {
  Request q;
  q.target = "/ram";
  q.headers.add("Host", "ras");
  EXPECT_EQ(wire_of(q, {true, 8}), "POST /ram HTTP/1.1\r\nHost: ras\r\n\r\n");
}

TEST(Serializer, RoundTripsThroughParsers) {
  for (BodyOptions o : {BodyOptions{false, 0}, BodyOptions{true, 0}, BodyOptions{true, 7}}) {
    Request q;
    q.target = "/ram?s=ab&n=3";
    q.headers.add("X-Admin-Script-Status", "ok");
    q.body.assign(100, 0xAF);
    Bytes out;
    serialize(q, out, o);
    RequestParser p;
    auto n = p.feed(out);
    ASSERT_TRUE(n) << n.error().message;
    ASSERT_TRUE(p.has_message());
    EXPECT_EQ(*n, out.size());
    EXPECT_EQ(p.message().target, q.target);
    EXPECT_EQ(p.message().body, q.body);
    EXPECT_EQ(p.message().headers.get("x-admin-script-status"), "ok");

    Response r;
    r.headers.add("X-Admin-Next-URI", "/ram?s=ab&n=4");
    r.body.assign(300, 0xAE);
    out.clear();
    serialize(r, out, o);
    ResponseParser rp;
    auto m = rp.feed(out);
    ASSERT_TRUE(m) << m.error().message;
    ASSERT_TRUE(rp.has_message());
    EXPECT_EQ(rp.message().status, 200);
    EXPECT_EQ(rp.message().body, r.body);
  }
}

TEST(Headers, CaseInsensitiveLookupAndTokens) {
  Headers h;
  h.add("Connection", "keep-alive, Close");
  h.add("x-admin-from", " 0123456789 ");
  EXPECT_TRUE(h.has_token("CONNECTION", "close"));
  EXPECT_FALSE(h.has_token("connection", "upgrade"));
  EXPECT_EQ(h.get("X-Admin-From"), "0123456789");
  h.set("X-ADMIN-FROM", "a");
  EXPECT_EQ(h.count("x-admin-from"), 1u);
  EXPECT_EQ(h.get("x-admin-from"), "a");
  h.remove("connection");
  EXPECT_FALSE(h.has("Connection"));
}

TEST(Target, SplitsPathAndQuery) {
  auto t = split_target("/ram?s=ab&n=3");
  EXPECT_EQ(t.path, "/ram");
  EXPECT_EQ(query_param(t.query, "n"), "3");
  EXPECT_EQ(query_param(t.query, "s"), "ab");
  EXPECT_FALSE(query_param(t.query, "x"));
}
