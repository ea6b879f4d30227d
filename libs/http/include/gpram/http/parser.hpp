// Incremental HTTP/1.1 parsers over llhttp (RFC 9112): RequestParser for the server,
// ResponseParser for the card-side agent.
//
//   RequestParser p(opts);
//   while (!in.empty()) {
//     auto n = p.feed(in);                  // error: answer http::status_for(n.error().code)
//     if (!n) return reject(n.error());     // and close the connection
//     in = in.subspan(*n);
//     if (p.has_message()) handle(p.message());   // valid until the next feed()/next()
//   }
//
// feed() stops after each complete message, so pipelined messages in one buffer come out one by
// one and the result never depends on how the byte stream was split. Bodies: Content-Length,
// chunked (extensions ignored, trailers dropped but counted against the header limits) and, for
// responses only, read-until-close (call finish() at EOF). Errors are sticky.
#pragma once

#include <cstddef>
#include <cstdint>

#include "gpram/base/bytes.hpp"
#include "gpram/http/message.hpp"

namespace gpram::http {

struct ParserOptions {
  size_t max_header_bytes = 8 * 1024;  // start line + header section (431)
  size_t max_header_count = 64;        // header fields (431)
  size_t max_body = 64 * 1024;         // decoded body bytes (413)
  size_t max_url = 2 * 1024;           // request-target (414)
};

struct ParserAccess;

template <class Message>
class BasicParser {
 public:
  explicit BasicParser(ParserOptions opts = {});
  BasicParser(const BasicParser&) = delete;
  BasicParser& operator=(const BasicParser&) = delete;
  BasicParser(BasicParser&&) noexcept = default;
  BasicParser& operator=(BasicParser&&) noexcept = default;
  ~BasicParser() = default;

  /// Consumes bytes up to the end of the first complete message (then has_message() is true)
  /// or all of `data`. Returns the number of bytes consumed.
  [[nodiscard]] Result<size_t> feed(ByteView data);

  /// The peer closed its side: completes a read-until-close response body. Returns true if a
  /// message completed, false if the stream ended cleanly between messages; an error (incomplete)
  /// if it ended inside one.
  [[nodiscard]] Result<bool> finish();

  [[nodiscard]] bool has_message() const noexcept { return has_message_; }
  /// The completed message (only while has_message()); may be moved from.
  [[nodiscard]] Message& message() noexcept { return msg_; }
  /// Drops the completed message; feed() does this itself.
  void next() noexcept;
  /// True when no partial message is buffered (safe point to close or hand the stream over).
  [[nodiscard]] bool idle() const noexcept { return !in_message_; }
  /// Stream bytes consumed so far.
  [[nodiscard]] uint64_t offset() const noexcept { return stream_off_; }
  /// Back to a fresh stream (keeps buffer capacity).
  void reset() noexcept;

  [[nodiscard]] const ParserOptions& options() const noexcept { return opts_; }

 private:
  friend struct ParserAccess;
  enum class Pause : uint8_t { none, headers, message };

  alignas(8) unsigned char state_[128];  // llhttp_t (checked in parser.cpp)
  ParserOptions opts_;
  Message msg_;
  Error error_;
  uint64_t stream_off_ = 0;  // bytes consumed before the current llhttp_execute chunk
  uint64_t msg_start_ = 0;   // stream offset where the current message began
  const char* chunk_ = nullptr;  // start of the chunk being executed (for callback offsets)
  size_t trailer_bytes_ = 0;
  bool user_error_ = false;  // error_ was set by a callback (limit, version, coding)
  Pause pause_ = Pause::none;
  bool failed_ = false;
  bool has_message_ = false;
  bool in_message_ = false;
  bool headers_done_ = false;
  bool field_open_ = false;  // a header name is being received
};

using RequestParser = BasicParser<Request>;
using ResponseParser = BasicParser<Response>;

extern template class BasicParser<Request>;
extern template class BasicParser<Response>;

}  // namespace gpram::http
