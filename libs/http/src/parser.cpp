// HTTP/1.1 parsing over llhttp 8 (RFC 9112 §2-§7). llhttp does the syntax (request/status line,
// field syntax, chunked coding, Content-Length/Transfer-Encoding conflicts); this file adds the
// limits, the status mapping and the one-message-per-feed pacing (HPE_PAUSED in callbacks).
#include "gpram/http/parser.hpp"

#include <llhttp.h>

#include <fmt/format.h>

#include <cstring>

namespace gpram::http {

static_assert(sizeof(llhttp_t) <= 128, "BasicParser::state_ too small for llhttp_t");
static_assert(alignof(llhttp_t) <= 8, "BasicParser::state_ under-aligned for llhttp_t");

namespace {

constexpr bool is_request(const Request*) { return true; }
constexpr bool is_request(const Response*) { return false; }

std::string_view sv(const char* at, size_t len) { return {at, len}; }

}  // namespace

struct ParserAccess {
  template <class M>
  static BasicParser<M>& self(llhttp_t* p) {
    return *static_cast<BasicParser<M>*>(p->data);
  }
  template <class M>
  static llhttp_t* state(BasicParser<M>& b) {
    return reinterpret_cast<llhttp_t*>(b.state_);
  }

  // Records a limit violation found in a callback; llhttp then returns HPE_USER.
  template <class M>
  static int user_error(llhttp_t* p, Errc code, std::string msg) {
    auto& s = self<M>(p);
    s.user_error_ = true;
    s.error_ = Error{make_error_code(code), std::move(msg)};
    llhttp_set_error_reason(p, "limit exceeded");
    return HPE_USER;
  }

  // Offset in the current message of the byte just after [at, at+len).
  template <class M>
  static uint64_t msg_pos(BasicParser<M>& s, const char* at, size_t len) {
    return s.stream_off_ + static_cast<uint64_t>(at - s.chunk_) + len - s.msg_start_;
  }

  template <class M>
  static int check_head(llhttp_t* p, const char* at, size_t len) {
    auto& s = self<M>(p);
    if (s.headers_done_) {
      s.trailer_bytes_ += len;
      if (s.trailer_bytes_ > s.opts_.max_header_bytes)
        return user_error<M>(p, Errc::headers_too_large,
                             fmt::format("HTTP: trailer section exceeds {} bytes",
                                         s.opts_.max_header_bytes));
      return 0;
    }
    const uint64_t pos = msg_pos(s, at, len);
    if (pos > s.opts_.max_header_bytes)
      return user_error<M>(p, Errc::headers_too_large,
                           fmt::format("HTTP: header section exceeds {} bytes (at byte {})",
                                       s.opts_.max_header_bytes, pos));
    return 0;
  }

  template <class M>
  static int on_message_begin(llhttp_t* p) {
    auto& s = self<M>(p);
    s.msg_.clear();
    s.in_message_ = true;
    s.headers_done_ = false;
    s.field_open_ = false;
    s.trailer_bytes_ = 0;
    return 0;
  }

  static int on_url(llhttp_t* p, const char* at, size_t len) {
    auto& s = self<Request>(p);
    if (s.msg_.target.size() + len > s.opts_.max_url)
      return user_error<Request>(p, Errc::uri_too_long,
                                 fmt::format("HTTP: request-target longer than {} bytes",
                                             s.opts_.max_url));
    if (int rc = check_head<Request>(p, at, len)) return rc;
    s.msg_.target.append(at, len);
    return 0;
  }

  static int on_status(llhttp_t* p, const char* at, size_t len) {
    auto& s = self<Response>(p);
    if (int rc = check_head<Response>(p, at, len)) return rc;
    s.msg_.reason.append(at, len);
    return 0;
  }

  template <class M>
  static int on_header_field(llhttp_t* p, const char* at, size_t len) {
    auto& s = self<M>(p);
    if (int rc = check_head<M>(p, at, len)) return rc;
    if (s.headers_done_) return 0;  // trailer: dropped
    if (!s.field_open_) {
      if (s.msg_.headers.size() >= s.opts_.max_header_count)
        return user_error<M>(p, Errc::headers_too_large,
                             fmt::format("HTTP: more than {} header fields",
                                         s.opts_.max_header_count));
      s.msg_.headers.begin_field();
      s.field_open_ = true;
    }
    s.msg_.headers.append_name(sv(at, len));
    return 0;
  }

  template <class M>
  static int on_header_field_complete(llhttp_t* p) {
    auto& s = self<M>(p);
    if (s.headers_done_ || !s.field_open_) return 0;
    s.msg_.headers.end_name();
    s.field_open_ = false;
    return 0;
  }

  template <class M>
  static int on_header_value(llhttp_t* p, const char* at, size_t len) {
    auto& s = self<M>(p);
    if (int rc = check_head<M>(p, at, len)) return rc;
    if (s.headers_done_ || s.msg_.headers.empty()) return 0;
    s.msg_.headers.append_value(sv(at, len));
    return 0;
  }

  template <class M>
  static int on_headers_complete(llhttp_t* p) {
    auto& s = self<M>(p);
    s.headers_done_ = true;
    s.msg_.version = Version{p->http_major, p->http_minor};
    if (p->http_major != 1)
      return user_error<M>(p, Errc::version_not_supported,
                           fmt::format("HTTP: version {}.{} not supported (only HTTP/1.x)",
                                       p->http_major, p->http_minor));
    if constexpr (is_request(static_cast<M*>(nullptr))) {
      const auto method = static_cast<llhttp_method_t>(p->method);
      s.msg_.method.assign(llhttp_method_name(method));
      if (method == HTTP_CONNECT)
        return user_error<M>(p, Errc::not_implemented, "HTTP: CONNECT is not supported");
    } else {
      s.msg_.status = p->status_code;
      if (p->status_code < 100 || p->status_code > 599)  // RFC 9110 §15: 3-digit 1xx-5xx
        return user_error<M>(p, Errc::bad_request,
                             fmt::format("HTTP: status code {} outside 100-599", p->status_code));
    }
    // Only "chunked" is understood (RFC 9112 §6.1: 501 for an unknown transfer coding).
    for (auto [name, value] : s.msg_.headers) {
      if (!iequals(name, "Transfer-Encoding")) continue;
      if (!iequals(trim_ows(value), "chunked"))
        return user_error<M>(p, Errc::not_implemented,
                             fmt::format("HTTP: unsupported Transfer-Encoding '{}' (only chunked)",
                                         trim_ows(value).substr(0, 64)));
    }
    if (s.msg_.headers.count("Transfer-Encoding") > 1)
      return user_error<M>(p, Errc::not_implemented,
                           "HTTP: Transfer-Encoding repeated (only one 'chunked' is supported)");
    if ((p->flags & F_CONTENT_LENGTH) && p->content_length > s.opts_.max_body)
      return user_error<M>(p, Errc::body_too_large,
                           fmt::format("HTTP: Content-Length {} exceeds the {}-byte limit",
                                       p->content_length, s.opts_.max_body));
    p->upgrade = 0;  // no protocol switch on this channel: keep parsing HTTP/1.1
    s.pause_ = BasicParser<M>::Pause::headers;
    return HPE_PAUSED;
  }

  template <class M>
  static int on_chunk_header(llhttp_t* p) {
    auto& s = self<M>(p);
    if (p->content_length > s.opts_.max_body - s.msg_.body.size())
      return user_error<M>(p, Errc::body_too_large,
                           fmt::format("HTTP: chunk of {} bytes takes the body past the {}-byte "
                                       "limit",
                                       p->content_length, s.opts_.max_body));
    return 0;
  }

  template <class M>
  static int on_body(llhttp_t* p, const char* at, size_t len) {
    auto& s = self<M>(p);
    if (len > s.opts_.max_body - s.msg_.body.size())
      return user_error<M>(p, Errc::body_too_large,
                           fmt::format("HTTP: body exceeds the {}-byte limit", s.opts_.max_body));
    const auto* b = reinterpret_cast<const uint8_t*>(at);
    s.msg_.body.insert(s.msg_.body.end(), b, b + len);
    return 0;
  }

  template <class M>
  static int on_message_complete(llhttp_t* p) {
    auto& s = self<M>(p);
    s.msg_.keep_alive = llhttp_should_keep_alive(p) != 0;
    s.in_message_ = false;
    s.pause_ = BasicParser<M>::Pause::message;
    return HPE_PAUSED;
  }

  template <class M>
  static const llhttp_settings_t* settings() {
    static const llhttp_settings_t st = [] {
      llhttp_settings_t x;
      llhttp_settings_init(&x);
      x.on_message_begin = &on_message_begin<M>;
      if constexpr (is_request(static_cast<M*>(nullptr)))
        x.on_url = &on_url;
      else
        x.on_status = &on_status;
      x.on_header_field = &on_header_field<M>;
      x.on_header_field_complete = &on_header_field_complete<M>;
      x.on_header_value = &on_header_value<M>;
      x.on_headers_complete = &on_headers_complete<M>;
      x.on_chunk_header = &on_chunk_header<M>;
      x.on_body = &on_body<M>;
      x.on_message_complete = &on_message_complete<M>;
      return x;
    }();
    return &st;
  }

  template <class M>
  static Error llhttp_error(BasicParser<M>& s, llhttp_t* p, llhttp_errno_t err, uint64_t abs) {
    if (s.user_error_) return s.error_;
    const uint64_t in_msg = abs - s.msg_start_;
    const char* reason = llhttp_get_error_reason(p);
    // HPE_INVALID_VERSION also covers request-line syntax ("Expected CRLF after version"):
    // only a well-formed but unsupported version is a 505 (RFC 9110 §15.6.6).
    const bool bad_number = reason && std::strstr(reason, "Invalid") != nullptr;
    const Errc code = (err == HPE_INVALID_VERSION && bad_number) ? Errc::version_not_supported
                      : err == HPE_INVALID_TRANSFER_ENCODING     ? Errc::not_implemented
                                                                 : Errc::bad_request;
    return Error{make_error_code(code),
                 fmt::format("HTTP: {} ({}) at byte {} of the {} (stream offset {})",
                             reason ? reason : "parse error",
                             llhttp_errno_name(err), in_msg,
                             is_request(static_cast<M*>(nullptr)) ? "request" : "response", abs)};
  }
};

template <class Message>
BasicParser<Message>::BasicParser(ParserOptions opts) : opts_(opts) {
  llhttp_t* p = ParserAccess::state(*this);
  std::memset(p, 0, sizeof(llhttp_t));
  llhttp_init(p, is_request(static_cast<Message*>(nullptr)) ? HTTP_REQUEST : HTTP_RESPONSE,
              ParserAccess::settings<Message>());
}

template <class Message>
void BasicParser<Message>::next() noexcept {
  if (!has_message_) return;
  has_message_ = false;
  msg_.clear();
}

template <class Message>
void BasicParser<Message>::reset() noexcept {
  llhttp_reset(ParserAccess::state(*this));
  msg_.clear();
  error_ = {};
  stream_off_ = msg_start_ = 0;
  trailer_bytes_ = 0;
  pause_ = Pause::none;
  failed_ = has_message_ = in_message_ = headers_done_ = field_open_ = user_error_ = false;
}

template <class Message>
Result<size_t> BasicParser<Message>::feed(ByteView data) {
  if (failed_) return fail(error_);
  next();
  llhttp_t* p = ParserAccess::state(*this);
  p->data = this;
  const char* const begin = reinterpret_cast<const char*>(data.data());
  size_t off = 0;
  for (;;) {
    chunk_ = begin + off;
    const size_t len = data.size() - off;
    const llhttp_errno_t err = llhttp_execute(p, chunk_, len);
    if (err == HPE_OK) {
      stream_off_ += len;
      off = data.size();
      if (in_message_ && !headers_done_ && stream_off_ - msg_start_ > opts_.max_header_bytes) {
        failed_ = true;
        error_ = Error{make_error_code(Errc::headers_too_large),
                       fmt::format("HTTP: header section exceeds {} bytes (still incomplete "
                                   "after {} bytes)",
                                   opts_.max_header_bytes, stream_off_ - msg_start_)};
        return fail(error_);
      }
      return off;
    }
    const char* pos = llhttp_get_error_pos(p);
    const size_t used = (pos && pos >= chunk_ && pos <= chunk_ + len)
                            ? static_cast<size_t>(pos - chunk_) : len;
    if (err == HPE_PAUSED) {
      stream_off_ += used;
      off += used;
      llhttp_resume(p);
      const Pause why = pause_;
      pause_ = Pause::none;
      if (why == Pause::headers) {
        if (stream_off_ - msg_start_ > opts_.max_header_bytes) {
          failed_ = true;
          error_ = Error{make_error_code(Errc::headers_too_large),
                         fmt::format("HTTP: header section of {} bytes exceeds {} bytes",
                                     stream_off_ - msg_start_, opts_.max_header_bytes)};
          return fail(error_);
        }
        continue;
      }
      has_message_ = true;
      msg_start_ = stream_off_;
      return off;
    }
    failed_ = true;
    error_ = ParserAccess::llhttp_error(*this, p, err, stream_off_ + used);
    in_message_ = false;
    return fail(error_);
  }
}

template <class Message>
Result<bool> BasicParser<Message>::finish() {
  if (failed_) return fail(error_);
  next();
  if (!in_message_) return false;
  llhttp_t* p = ParserAccess::state(*this);
  p->data = this;
  const llhttp_errno_t err = llhttp_finish(p);
  if ((err == HPE_OK || err == HPE_PAUSED) && pause_ == Pause::message) {
    pause_ = Pause::none;
    has_message_ = true;
    msg_start_ = stream_off_;
    return true;
  }
  failed_ = true;
  in_message_ = false;
  error_ = Error{make_error_code(Errc::incomplete),
                 fmt::format("HTTP: stream closed inside a {} after {} bytes of it",
                             is_request(static_cast<Message*>(nullptr)) ? "request" : "response",
                             stream_off_ - msg_start_)};
  return fail(error_);
}

template class BasicParser<Request>;
template class BasicParser<Response>;

}  // namespace gpram::http
