// libFuzzer harness: RequestParser and ResponseParser on arbitrary bytes. The first two bytes
// seed the split points; the parse result (messages, failure) must not depend on how the
// stream is split, and every parsed message must survive serialize -> parse.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "gpram/http/parser.hpp"
#include "gpram/http/serializer.hpp"

namespace {

using namespace gpram::http;

// Messages and whether the stream failed must not depend on the split. The error code may:
// with two defects (say a control byte in a target that is also too long) the split decides
// which one llhttp reports first (fuzz/corpus/http/regress_two_defects).
struct Outcome {
  std::vector<std::string> messages;  // a canonical dump of each message
  int error = 0;
  bool operator==(const Outcome& o) const {
    return messages == o.messages && (error != 0) == (o.error != 0);
  }
};

std::string dump(const Request& m) {
  std::string s = m.method + ' ' + m.target + ' ' + std::to_string(m.version.minor) +
                  (m.keep_alive ? "K" : "C");
  for (auto [n, v] : m.headers) s.append(n).append(":").append(v).append("\n");
  s.append(gpram::as_chars(m.body));
  return s;
}
std::string dump(const Response& m) {
  std::string s = std::to_string(m.status) + ' ' + m.reason + (m.keep_alive ? "K" : "C");
  for (auto [n, v] : m.headers) s.append(n).append(":").append(v).append("\n");
  s.append(gpram::as_chars(m.body));
  return s;
}

ParserOptions small_limits() {
  ParserOptions o;
  o.max_header_bytes = 512;
  o.max_header_count = 16;
  o.max_body = 2048;
  o.max_url = 128;
  return o;
}

template <class M>
void check_round_trip(const M& m) {
  gpram::Bytes out;
  for (BodyOptions o : {BodyOptions{false, 0}, BodyOptions{true, 5}}) {
    out.clear();
    serialize(m, out, o);
    if (out.size() != serialized_size(m, o)) __builtin_trap();
    BasicParser<M> p;  // default (larger) limits: our own output must always parse
    auto n = p.feed(out);
    if (!n || !p.has_message() || *n != out.size()) __builtin_trap();
    if (p.message().body != m.body) {
      // 1xx/204/304 responses carry no body by definition.
      if constexpr (std::is_same_v<M, Response>) {
        if (!(m.status < 200 || m.status == 204 || m.status == 304)) __builtin_trap();
      } else {
        __builtin_trap();
      }
    }
  }
}

template <class M>
Outcome run(gpram::ByteView in, uint32_t seed, bool split) {
  Outcome out;
  BasicParser<M> p(small_limits());
  while (!in.empty()) {
    size_t take = in.size();
    if (split) {
      seed = seed * 1103515245u + 12345u;
      take = std::min<size_t>(in.size(), 1 + (seed >> 16) % 23);
    }
    gpram::ByteView piece = in.first(take);
    in = in.subspan(take);
    while (!piece.empty()) {
      auto n = p.feed(piece);
      if (!n) {
        out.error = n.error().code.value();
        if (n.error().message.empty()) __builtin_trap();
        return out;
      }
      piece = piece.subspan(*n);
      if (p.has_message()) {
        out.messages.push_back(dump(p.message()));
        if (!split) check_round_trip(p.message());
      }
    }
  }
  auto f = p.finish();
  if (!f) out.error = 1000 + f.error().code.value();
  else if (*f) out.messages.push_back(dump(p.message()));
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  const uint32_t seed = static_cast<uint32_t>(data[0] << 8 | data[1]);
  gpram::ByteView in(data + 2, size - 2);
  if (run<Request>(in, seed, false) != run<Request>(in, seed, true)) __builtin_trap();
  if (run<Response>(in, seed, false) != run<Response>(in, seed, true)) __builtin_trap();
  return 0;
}
