// Amendment B triggering parameters: GP Card Spec v2.2 Amd B v1.1.3 §3.7 Table 3-3 (v1.2 §3.8),
// OPEN CHANNEL COMPREHENSION-TLVs of ETSI TS 102 223 §6.6.27 / §8.52 (bearer), §8.55 (buffer),
// §8.61 (APN), §8.59 (transport level), §8.58 (other address), Timer value §8.38.
// Cross-checked with osmocom/pysim pySim/global_platform/http.py and pySim/cat.py, and
// bagyenda/njiwa src/io/njiwa/sr/transports/RamHttp.java (makeRAMHttpPushCommand).
#include "gpram/ram/trigger.hpp"

#include <fmt/format.h>

#include "gpram/tlv/tlv.hpp"

namespace gpram::ram {
namespace {

const char* trigger_message(int ev) {
  switch (static_cast<Errc>(ev)) {
    case Errc::malformed_tlv: return "AmdB trigger: malformed TLV";
    case Errc::unexpected_tag: return "AmdB trigger: unexpected tag";
    case Errc::duplicate_tag: return "AmdB trigger: repeated tag";
    case Errc::bad_value: return "AmdB trigger: malformed value";
    case Errc::trailing_data: return "AmdB trigger: bytes after the data";
  }
  return "AmdB trigger: unknown error";
}

constexpr uint16_t kCtBearer = 0x35, kCtBuffer = 0x39, kCtApn = 0x47, kCtTransport = 0x3C,
                   kCtAddress = 0x3E;

Unexpected tlv_error(const Error& e, const char* where) {
  return fail(Errc::malformed_tlv, fmt::format("AmdB trigger: {}: {}", where, e.message));
}

/// Reads all BER-TLVs of `in`; `base` is the offset of `in` in the outermost input.
Result<std::vector<tlv::Tlv>> children(ByteView in, size_t base, const char* where) {
  tlv::Reader r(in, base);
  std::vector<tlv::Tlv> out;
  while (!r.done()) {
    auto t = r.next();
    if (!t) return tlv_error(t.error(), where);
    out.push_back(*t);
  }
  return out;
}

Unexpected duplicate(tlv::Tag tag, size_t offset, const char* where) {
  return fail(Errc::duplicate_tag,
              fmt::format("AmdB trigger: tag {:02X} at offset {} repeated in {}", tag, offset, where));
}
Unexpected unexpected(tlv::Tag tag, size_t offset, const char* where, const char* allowed) {
  return fail(Errc::unexpected_tag,
              fmt::format("AmdB trigger: tag {:02X} at offset {} not allowed in {} (allowed: {})",
                          tag, offset, where, allowed));
}

std::string text_of(ByteView v) { return std::string(as_chars(v)); }

// ---- 84: connection parameters --------------------------------------------------------------

Result<ConnectionParams> decode_connection(ByteView v, size_t base) {
  ConnectionParams c;
  size_t pos = 0;
  while (pos < v.size()) {
    auto t = tlv::read_ctlv(v, pos);
    if (!t) return tlv_error(t.error(), "connection parameters (84)");
    const size_t off = base + t->offset;
    const ByteView raw = v.subspan(t->offset, pos - t->offset);
    auto dup = [&](bool present) -> Result<void> {
      if (present) return duplicate(t->tag, off, "connection parameters (84)");
      return {};
    };
    auto bad = [&](const std::string& what) {
      return fail(Errc::bad_value, fmt::format("AmdB trigger: connection TLV {:02X} at offset {}: {}",
                                               t->tag, off, what));
    };
    if (t->three_byte_tag) {
      c.other.emplace_back(raw.begin(), raw.end());
      continue;
    }
    switch (t->tag) {
      case kCtBearer:
        if (auto d = dup(c.bearer.has_value()); !d) return fail(d.error());
        if (t->value.empty()) return bad("bearer description needs a bearer type");
        c.bearer = Bytes(t->value.begin(), t->value.end());
        break;
      case kCtBuffer:
        if (auto d = dup(c.buffer_size.has_value()); !d) return fail(d.error());
        if (t->value.size() != 2)
          return bad(fmt::format("buffer size must be 2 bytes, got {}", t->value.size()));
        c.buffer_size = load_u16(t->value.data());
        break;
      case kCtApn: {
        if (auto d = dup(c.apn.has_value()); !d) return fail(d.error());
        auto apn = decode_apn(t->value);
        if (!apn) return bad(apn.error().message);
        c.apn = std::move(*apn);
        break;
      }
      case kCtTransport:
        if (auto d = dup(c.transport.has_value()); !d) return fail(d.error());
        if (t->value.size() != 3)
          return bad(fmt::format("transport level must be 3 bytes (protocol, port), got {}",
                                 t->value.size()));
        c.transport = TransportLevel{t->value[0], load_u16(&t->value[1])};
        break;
      case kCtAddress: {
        if (auto d = dup(c.destination.has_value()); !d) return fail(d.error());
        if (t->value.empty()) return bad("other address needs a type byte");
        const uint8_t type = t->value[0];
        const size_t n = t->value.size() - 1;
        if ((type == 0x21 && n != 4) || (type == 0x57 && n != 16))
          return bad(fmt::format("address type {:02X} needs {} bytes, got {}", type,
                                 type == 0x21 ? 4 : 16, n));
        c.destination = OtherAddress{type, Bytes(t->value.begin() + 1, t->value.end())};
        break;
      }
      default: c.other.emplace_back(raw.begin(), raw.end());
    }
  }
  return c;
}

void encode_connection(Bytes& out, const ConnectionParams& c) {
  if (c.bearer) tlv::append_ctlv(out, kCtBearer, true, *c.bearer);
  if (c.buffer_size) {
    Bytes b;
    append_u16(b, *c.buffer_size);
    tlv::append_ctlv(out, kCtBuffer, true, b);
  }
  if (c.apn) {
    auto a = encode_apn(*c.apn);  // validated by encode_session_params
    if (a) tlv::append_ctlv(out, kCtApn, true, *a);
  }
  if (c.transport) {
    Bytes b{c.transport->protocol};
    append_u16(b, c.transport->port);
    tlv::append_ctlv(out, kCtTransport, true, b);
  }
  if (c.destination) {
    Bytes b{c.destination->type};
    append(b, c.destination->address);
    tlv::append_ctlv(out, kCtAddress, true, b);
  }
  for (const auto& o : c.other) append(out, o);
}

// ---- 85 / 86 / 89 ----------------------------------------------------------------------------

Result<SecurityParams> decode_security(ByteView v, size_t off) {
  auto bad = [&](const std::string& what) {
    return fail(Errc::bad_value,
                fmt::format("AmdB trigger: security parameters (85) at offset {}: {}", off, what));
  };
  if (v.empty()) return bad("empty value");
  const size_t n = v[0];
  if (n == 0) return bad("PSK identity length is 0");
  if (v.size() < 1 + n + 3)
    return bad(fmt::format("{} bytes cannot hold a {}-byte PSK identity, 02, KVN and KID", v.size(), n));
  SecurityParams s;
  s.psk_identity.assign(v.begin() + 1, v.begin() + static_cast<std::ptrdiff_t>(1 + n));
  if (v[1 + n] != 0x02)
    return bad(fmt::format("key identifier length is {:02X}, expected 02 (KVN, KID)", v[1 + n]));
  s.kvn = v[2 + n];
  s.kid = v[3 + n];
  const size_t rest = v.size() - (4 + n);
  if (rest == 1) s.sha_type = v[4 + n];
  if (rest > 1) return bad(fmt::format("{} bytes after KID (at most a 1-byte SHA type)", rest));
  return s;
}

Result<Bytes> encode_security_value(const SecurityParams& s) {
  if (s.psk_identity.empty() || s.psk_identity.size() > 0xFF)
    return fail(Errc::bad_value, fmt::format("AmdB trigger: PSK identity of {} bytes (1..255 allowed)",
                                             s.psk_identity.size()));
  Bytes v{static_cast<uint8_t>(s.psk_identity.size())};
  append(v, s.psk_identity);
  v.push_back(0x02);
  v.push_back(s.kvn);
  v.push_back(s.kid);
  if (s.sha_type) v.push_back(*s.sha_type);
  return v;
}

Result<RetryPolicy> decode_retry(ByteView v, size_t off) {
  auto bad = [&](const std::string& what) {
    return fail(Errc::bad_value,
                fmt::format("AmdB trigger: retry policy (86) at offset {}: {}", off, what));
  };
  if (v.size() < 7)
    return bad(fmt::format("{} bytes, expected at least 7 (counter, 25 03 hh mm ss)", v.size()));
  RetryPolicy r;
  r.count = load_u16(v.data());
  if (v[2] != 0x25 && v[2] != 0xA5)
    return bad(fmt::format("delay must be a Timer-Value TLV (25 or A5), got tag {:02X}", v[2]));
  if (v[3] != 0x03) return bad(fmt::format("Timer-Value length {:02X}, expected 03", v[3]));
  r.timer_tag = v[2];
  r.delay = {v[4], v[5], v[6]};
  if (v.size() > 7) r.report_failure = Bytes(v.begin() + 7, v.end());
  return r;
}

Result<HttpPostParams> decode_http_post(ByteView v, size_t base) {
  auto kids = children(v, base, "HTTP POST parameters (89)");
  if (!kids) return fail(std::move(kids.error()));
  HttpPostParams h;
  for (const auto& t : *kids) {
    std::optional<std::string>* slot = t.tag == 0x8A   ? &h.host
                                       : t.tag == 0x8B ? &h.agent_id
                                       : t.tag == 0x8C ? &h.uri
                                                       : nullptr;
    if (slot == nullptr) return unexpected(t.tag, t.offset, "HTTP POST parameters (89)", "8A 8B 8C");
    if (slot->has_value()) return duplicate(t.tag, t.offset, "HTTP POST parameters (89)");
    *slot = text_of(t.value);
  }
  return h;
}

Result<Bytes> encode_session_impl(const SessionParams& p) {
  Bytes out;
  if (p.connection) {
    if (p.connection->apn)
      if (auto a = encode_apn(*p.connection->apn); !a) return fail(std::move(a.error()));
    if (p.connection->destination) {
      const auto& d = *p.connection->destination;
      if ((d.type == 0x21 && d.address.size() != 4) || (d.type == 0x57 && d.address.size() != 16))
        return fail(Errc::bad_value, fmt::format("AmdB trigger: address type {:02X} with {} bytes",
                                                 d.type, d.address.size()));
    }
    for (const auto& o : p.connection->other) {
      size_t pos = 0;
      auto t = tlv::read_ctlv(o, pos);
      if (!t || pos != o.size())
        return fail(Errc::bad_value, fmt::format("AmdB trigger: connection element {} is not one "
                                                 "COMPREHENSION-TLV",
                                                 to_hex(o)));
    }
    Bytes c;
    encode_connection(c, *p.connection);
    tlv::append(out, 0x84, c);
  }
  if (p.extended_security) {
    Bytes ext;
    for (const auto& s : p.security) {
      auto v = encode_security_value(s);
      if (!v) return fail(std::move(v.error()));
      tlv::append(ext, 0x85, *v);
    }
    tlv::append(out, 0xA5, ext);
  } else if (!p.security.empty()) {
    if (p.security.size() > 1)
      return fail(Errc::bad_value,
                  "AmdB trigger: several security parameter sets need the extended form (A5)");
    auto v = encode_security_value(p.security[0]);
    if (!v) return fail(std::move(v.error()));
    tlv::append(out, 0x85, *v);
  }
  if (p.retry) {
    if (p.retry->timer_tag != 0x25 && p.retry->timer_tag != 0xA5)
      return fail(Errc::bad_value, fmt::format("AmdB trigger: Timer-Value tag {:02X} (25 or A5)",
                                               p.retry->timer_tag));
    Bytes v;
    append_u16(v, p.retry->count);
    v.push_back(p.retry->timer_tag);
    v.push_back(0x03);
    append(v, p.retry->delay);
    if (p.retry->report_failure) append(v, *p.retry->report_failure);
    tlv::append(out, 0x86, v);
  }
  if (p.http_post) {
    Bytes v;
    if (p.http_post->host) tlv::append(v, 0x8A, as_bytes(*p.http_post->host));
    if (p.http_post->agent_id) tlv::append(v, 0x8B, as_bytes(*p.http_post->agent_id));
    if (p.http_post->uri) tlv::append(v, 0x8C, as_bytes(*p.http_post->uri));
    tlv::append(out, 0x89, v);
  }
  return out;
}

Result<SessionParams> decode_session_impl(ByteView v, size_t base, const char* where) {
  auto kids = children(v, base, where);
  if (!kids) return fail(std::move(kids.error()));
  SessionParams p;
  bool seen85 = false, seenA5 = false;
  for (const auto& t : *kids) {
    const size_t voff = t.offset + t.header_size;
    switch (t.tag) {
      case 0x84: {
        if (p.connection) return duplicate(t.tag, t.offset, where);
        auto c = decode_connection(t.value, voff);
        if (!c) return fail(std::move(c.error()));
        p.connection = std::move(*c);
        break;
      }
      case 0x85: {
        if (seen85) return duplicate(t.tag, t.offset, where);
        if (seenA5)
          return fail(Errc::unexpected_tag,
                      fmt::format("AmdB trigger: 85 at offset {} next to the extended security "
                                  "parameters (A5) in {}",
                                  t.offset, where));
        seen85 = true;
        auto s = decode_security(t.value, t.offset);
        if (!s) return fail(std::move(s.error()));
        p.security.push_back(std::move(*s));
        break;
      }
      case 0xA5: {
        if (seenA5) return duplicate(t.tag, t.offset, where);
        if (seen85)
          return fail(Errc::unexpected_tag,
                      fmt::format("AmdB trigger: A5 at offset {} next to security parameters (85) "
                                  "in {}",
                                  t.offset, where));
        seenA5 = true;
        p.extended_security = true;
        auto inner = children(t.value, voff, "extended security parameters (A5)");
        if (!inner) return fail(std::move(inner.error()));
        for (const auto& s : *inner) {
          if (s.tag != 0x85)
            return unexpected(s.tag, s.offset, "extended security parameters (A5)", "85");
          auto d = decode_security(s.value, s.offset);
          if (!d) return fail(std::move(d.error()));
          p.security.push_back(std::move(*d));
        }
        break;
      }
      case 0x86: {
        if (p.retry) return duplicate(t.tag, t.offset, where);
        auto r = decode_retry(t.value, t.offset);
        if (!r) return fail(std::move(r.error()));
        p.retry = std::move(*r);
        break;
      }
      case 0x89: {
        if (p.http_post) return duplicate(t.tag, t.offset, where);
        auto h = decode_http_post(t.value, voff);
        if (!h) return fail(std::move(h.error()));
        p.http_post = std::move(*h);
        break;
      }
      default: return unexpected(t.tag, t.offset, where, "84 85 A5 86 89");
    }
  }
  return p;
}

Result<tlv::Tlv> outer(ByteView in, tlv::Tag tag, const char* what) {
  tlv::Reader r(in);
  auto t = r.next();
  if (!t) return tlv_error(t.error(), what);
  if (t->tag != tag)
    return fail(Errc::unexpected_tag,
                fmt::format("AmdB trigger: expected {} (tag {:02X}) at offset 0, got tag {:X}", what,
                            tag, t->tag));
  if (!r.done())
    return fail(Errc::trailing_data,
                fmt::format("AmdB trigger: {} bytes after the {} TLV (offset {})",
                            in.size() - r.position(), what, r.position()));
  return t;
}

}  // namespace

const std::error_category& error_category() noexcept {
  static const SimpleCategory category("gpram.ram.trigger", trigger_message);
  return category;
}

Result<std::string> decode_apn(ByteView v) {
  std::string out;
  size_t pos = 0;
  if (v.empty()) return fail(Errc::bad_value, "AmdB trigger: empty APN");
  while (pos < v.size()) {
    const size_t n = v[pos];
    if (n == 0 || n > 63 || n > v.size() - pos - 1)
      return fail(Errc::bad_value,
                  fmt::format("AmdB trigger: APN label length {} at offset {} is invalid", n, pos));
    if (!out.empty()) out.push_back('.');
    for (size_t i = 0; i < n; ++i) {
      const uint8_t ch = v[pos + 1 + i];
      if (ch <= 0x20 || ch >= 0x7F || ch == '.')
        return fail(Errc::bad_value,
                    fmt::format("AmdB trigger: APN byte {:02X} at offset {} is not a label character",
                                ch, pos + 1 + i));
      out.push_back(static_cast<char>(ch));
    }
    pos += 1 + n;
  }
  return out;
}

Result<Bytes> encode_apn(const std::string& dotted) {
  Bytes out;
  size_t start = 0;
  while (true) {
    const size_t dot = dotted.find('.', start);
    const std::string label = dotted.substr(start, dot == std::string::npos ? dotted.npos : dot - start);
    if (label.empty() || label.size() > 63)
      return fail(Errc::bad_value,
                  fmt::format("AmdB trigger: APN \"{}\" has an empty or over-long label", dotted));
    for (char ch : label)
      if (static_cast<unsigned char>(ch) <= 0x20 || static_cast<unsigned char>(ch) >= 0x7F)
        return fail(Errc::bad_value,
                    fmt::format("AmdB trigger: APN \"{}\" has a non-printable character", dotted));
    out.push_back(static_cast<uint8_t>(label.size()));
    append(out, as_bytes(label));
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  return out;
}

Result<Bytes> encode_session_params(const SessionParams& p) { return encode_session_impl(p); }

Result<SessionParams> decode_session_params(ByteView content) {
  return decode_session_impl(content, 0, "session parameters (83)");
}

Result<Bytes> encode_trigger(const TriggerParams& p) {
  Bytes content;
  if (p.session) {
    auto s = encode_session_impl(*p.session);
    if (!s) return s;
    tlv::append(content, 0x83, *s);
  }
  if (p.dns) tlv::append(content, 0xB3, *p.dns);
  return tlv::encode(0x81, content);
}

Result<TriggerParams> decode_trigger(ByteView in) {
  auto t = outer(in, 0x81, "triggering parameters");
  if (!t) return fail(std::move(t.error()));
  auto kids = children(t->value, t->header_size, "triggering parameters (81)");
  if (!kids) return fail(std::move(kids.error()));
  TriggerParams p;
  for (const auto& k : *kids) {
    if (k.tag == 0x83) {
      if (p.session) return duplicate(k.tag, k.offset, "triggering parameters (81)");
      auto s = decode_session_impl(k.value, k.offset + k.header_size, "session parameters (83)");
      if (!s) return fail(std::move(s.error()));
      p.session = std::move(*s);
    } else if (k.tag == 0xB3) {
      if (p.dns) return duplicate(k.tag, k.offset, "triggering parameters (81)");
      p.dns = Bytes(k.value.begin(), k.value.end());
    } else {
      return unexpected(k.tag, k.offset, "triggering parameters (81)", "83 B3");
    }
  }
  return p;
}

Result<Bytes> encode_stored(const SessionParams& p) {
  auto s = encode_session_impl(p);
  if (!s) return s;
  return tlv::encode(0x85, *s);
}

Result<SessionParams> decode_stored(ByteView in) {
  auto t = outer(in, 0x85, "stored parameters");
  if (!t) return fail(std::move(t.error()));
  return decode_session_impl(t->value, t->header_size, "stored parameters (85)");
}

Result<StoredUpdate> decode_stored_update(ByteView in) {
  auto t = outer(in, 0xA5, "parameter update");
  if (!t) return fail(std::move(t.error()));
  auto kids = children(t->value, t->header_size, "parameter update (A5)");
  if (!kids) return fail(std::move(kids.error()));
  StoredUpdate u;
  Bytes present;
  for (const auto& k : *kids) {
    if (k.tag != 0x84 && k.tag != 0x85 && k.tag != 0x86 && k.tag != 0x89)
      return unexpected(k.tag, k.offset, "parameter update (A5)", "84 85 86 89");
    for (uint8_t seen : u.deleted)
      if (seen == k.tag) return duplicate(k.tag, k.offset, "parameter update (A5)");
    if (k.value.empty()) {
      u.deleted.push_back(static_cast<uint8_t>(k.tag));
      continue;
    }
    tlv::append(present, k.tag, k.value);
  }
  auto set = decode_session_impl(present, 0, "parameter update (A5)");
  if (!set) return fail(std::move(set.error()));
  u.set = std::move(*set);
  for (uint8_t d : u.deleted) {
    const bool also_set = (d == 0x84 && u.set.connection) || (d == 0x85 && !u.set.security.empty()) ||
                          (d == 0x86 && u.set.retry) || (d == 0x89 && u.set.http_post);
    if (also_set)
      return fail(Errc::duplicate_tag,
                  fmt::format("AmdB trigger: tag {:02X} both deleted and set in the update", d));
  }
  return u;
}

void apply_update(SessionParams& s, const StoredUpdate& u) {
  for (uint8_t d : u.deleted) {
    if (d == 0x84) s.connection.reset();
    if (d == 0x85) s.security.clear(), s.extended_security = false;
    if (d == 0x86) s.retry.reset();
    if (d == 0x89) s.http_post.reset();
  }
  if (u.set.connection) s.connection = u.set.connection;
  if (!u.set.security.empty()) {
    s.security = u.set.security;
    s.extended_security = u.set.extended_security;
  }
  if (u.set.retry) s.retry = u.set.retry;
  if (u.set.http_post) s.http_post = u.set.http_post;
}

}  // namespace gpram::ram
