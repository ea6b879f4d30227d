// HTTP/1.1 serializer (RFC 9112 §3 request line, §4 status line, §5 fields, §6-7 framing).
#include "gpram/http/serializer.hpp"

#include <charconv>

namespace gpram::http {
namespace {

// Appends without going through fmt: this runs once per response on the hot path.
struct Writer {
  Bytes& out;
  void str(std::string_view s) { out.insert(out.end(), s.begin(), s.end()); }
  void dec(uint64_t v) {
    char buf[24];
    auto r = std::to_chars(buf, buf + sizeof buf, v);
    str(std::string_view(buf, static_cast<size_t>(r.ptr - buf)));
  }
  void hexnum(uint64_t v) {
    char buf[24];
    auto r = std::to_chars(buf, buf + sizeof buf, v, 16);
    for (char* c = buf; c < r.ptr; ++c)
      if (*c >= 'a' && *c <= 'f') *c = static_cast<char>(*c - 'a' + 'A');
    str(std::string_view(buf, static_cast<size_t>(r.ptr - buf)));
  }
};

size_t digits(uint64_t v, unsigned base) {
  size_t n = 1;
  while (v >= base) {
    v /= base;
    ++n;
  }
  return n;
}

bool is_framing(std::string_view name) {
  return iequals(name, "Content-Length") || iequals(name, "Transfer-Encoding");
}

void write_fields(Writer& w, const Headers& h, bool keep_alive) {
  for (auto [name, value] : h) {
    if (is_framing(name)) continue;
    w.str(name);
    w.str(": ");
    w.str(value);
    w.str("\r\n");
  }
  if (!keep_alive && !h.has_token("Connection", "close")) w.str("Connection: close\r\n");
}

size_t fields_size(const Headers& h, bool keep_alive) {
  size_t n = 0;
  for (auto [name, value] : h)
    if (!is_framing(name)) n += name.size() + value.size() + 4;
  if (!keep_alive && !h.has_token("Connection", "close")) n += 19;
  return n;
}

void write_body(Writer& w, ByteView body, const BodyOptions& o, bool framed) {
  if (!framed) {
    w.str("\r\n");
    return;
  }
  if (!o.chunked) {
    w.str("Content-Length: ");
    w.dec(body.size());
    w.str("\r\n\r\n");
    append(w.out, body);
    return;
  }
  w.str("Transfer-Encoding: chunked\r\n\r\n");
  const size_t step = o.chunk_size == 0 ? body.size() : o.chunk_size;
  for (size_t i = 0; i < body.size(); i += step) {
    const size_t n = std::min(step, body.size() - i);
    w.hexnum(n);
    w.str("\r\n");
    append(w.out, body.subspan(i, n));
    w.str("\r\n");
  }
  w.str("0\r\n\r\n");
}

size_t body_size(size_t body, const BodyOptions& o, bool framed) {
  if (!framed) return 2;
  if (!o.chunked) return 16 + digits(body, 10) + 4 + body;
  size_t n = 30 + 5;  // "Transfer-Encoding: chunked\r\n\r\n" + "0\r\n\r\n"
  const size_t step = o.chunk_size == 0 ? body : o.chunk_size;
  for (size_t i = 0; i < body; i += step) {
    const size_t c = std::min(step, body - i);
    n += digits(c, 16) + 2 + c + 2;
  }
  return n;
}

bool response_has_body(int status) { return !(status < 200 || status == 204 || status == 304); }

std::string_view reason_of(const Response& r) {
  return r.reason.empty() ? reason_phrase(r.status) : std::string_view(r.reason);
}

}  // namespace

void serialize(const Response& res, Bytes& out, const BodyOptions& opts) {
  out.reserve(out.size() + serialized_size(res, opts));
  Writer w{out};
  w.str("HTTP/1.1 ");
  w.dec(static_cast<uint64_t>(res.status < 0 ? 0 : res.status));
  w.str(" ");
  w.str(reason_of(res));
  w.str("\r\n");
  write_fields(w, res.headers, res.keep_alive);
  write_body(w, res.body, opts, response_has_body(res.status));
}

void serialize(const Request& req, Bytes& out, const BodyOptions& opts) {
  out.reserve(out.size() + serialized_size(req, opts));
  Writer w{out};
  w.str(req.method);
  w.str(" ");
  w.str(req.target);
  w.str(" HTTP/1.1\r\n");
  write_fields(w, req.headers, req.keep_alive);
  write_body(w, req.body, opts, !req.body.empty());
}

size_t serialized_size(const Response& res, const BodyOptions& opts) {
  return 9 + digits(static_cast<uint64_t>(res.status < 0 ? 0 : res.status), 10) + 1 +
         reason_of(res).size() + 2 + fields_size(res.headers, res.keep_alive) +
         body_size(res.body.size(), opts, response_has_body(res.status));
}

size_t serialized_size(const Request& req, const BodyOptions& opts) {
  return req.method.size() + 1 + req.target.size() + 11 + fields_size(req.headers, req.keep_alive) +
         body_size(req.body.size(), opts, !req.body.empty());
}

}  // namespace gpram::http
