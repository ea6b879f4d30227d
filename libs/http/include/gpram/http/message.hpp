// HTTP/1.1 message model (RFC 9110 §5-6, RFC 9112 §2-6) for the Amendment B admin channel.
//
// Header storage is one contiguous string arena plus an index, so a parser that reuses its
// Request/Response object reaches steady state with no allocation per message. Names keep the
// peer's spelling; lookups are ASCII case-insensitive (RFC 9110 §5.1).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include "gpram/base/bytes.hpp"

namespace gpram::http {

/// Parse errors. Each maps to the status a server should answer (status_for()).
enum class Errc {
  bad_request = 1,          // 400: malformed syntax (llhttp's reason and offset in the message)
  length_required,          // 411: reserved; requests without framing have an empty body
  body_too_large,           // 413: Content-Length or chunk sizes above ParserOptions::max_body
  uri_too_long,             // 414: request-target above ParserOptions::max_url
  headers_too_large,        // 431: header section above max_header_bytes or max_header_count
  not_implemented,          // 501: unsupported transfer coding, CONNECT
  version_not_supported,    // 505: HTTP major version other than 1
  incomplete,               // 400: the peer closed the stream inside a message
};

}  // namespace gpram::http

GPRAM_DECLARE_ERRC(gpram::http);

namespace gpram::http {

/// The HTTP status a server answers for a parse error (400 for foreign error codes).
[[nodiscard]] int status_for(std::error_code ec) noexcept;

/// Standard reason phrase ("OK", "No Content", ...); "Unknown" for unlisted codes.
[[nodiscard]] std::string_view reason_phrase(int status) noexcept;

/// ASCII case-insensitive equality (header names, tokens).
[[nodiscard]] bool iequals(std::string_view a, std::string_view b) noexcept;

/// Strips optional whitespace (SP / HTAB) at both ends (RFC 9110 §5.6.3).
[[nodiscard]] std::string_view trim_ows(std::string_view s) noexcept;

/// Ordered header list in one arena. Duplicates are kept in order.
class Headers {
 public:
  using Field = std::pair<std::string_view, std::string_view>;

  void add(std::string_view name, std::string_view value);
  /// Replaces every field named `name` by one field (appended at the end if absent).
  void set(std::string_view name, std::string_view value);
  void remove(std::string_view name);
  void clear() noexcept;

  /// First value of `name` (case-insensitive), OWS-trimmed.
  [[nodiscard]] std::optional<std::string_view> get(std::string_view name) const noexcept;
  [[nodiscard]] bool has(std::string_view name) const noexcept { return get(name).has_value(); }
  [[nodiscard]] size_t count(std::string_view name) const noexcept;
  /// True if a comma-separated list header (Connection, Transfer-Encoding) holds `token`.
  [[nodiscard]] bool has_token(std::string_view name, std::string_view token) const noexcept;

  [[nodiscard]] size_t size() const noexcept { return index_.size(); }
  [[nodiscard]] bool empty() const noexcept { return index_.empty(); }
  [[nodiscard]] Field operator[](size_t i) const noexcept;

  class Iterator {
   public:
    Iterator(const Headers* h, size_t i) noexcept : h_(h), i_(i) {}
    Field operator*() const noexcept { return (*h_)[i_]; }
    Iterator& operator++() noexcept { ++i_; return *this; }
    bool operator!=(const Iterator& o) const noexcept { return i_ != o.i_; }
    bool operator==(const Iterator& o) const noexcept { return i_ == o.i_; }

   private:
    const Headers* h_;
    size_t i_;
  };
  [[nodiscard]] Iterator begin() const noexcept { return {this, 0}; }
  [[nodiscard]] Iterator end() const noexcept { return {this, index_.size()}; }

  void reserve(size_t fields, size_t bytes) {
    index_.reserve(fields);
    arena_.reserve(bytes);
  }
  /// Bytes of names and values held.
  [[nodiscard]] size_t arena_size() const noexcept { return arena_.size(); }

  // Incremental building, used by the parser (a field arrives in pieces across feeds).
  void begin_field() { index_.push_back({static_cast<uint32_t>(arena_.size()), 0, 0, 0}); }
  void append_name(std::string_view piece);
  void end_name() noexcept { index_.back().value_off = static_cast<uint32_t>(arena_.size()); }
  void append_value(std::string_view piece);

 private:
  struct Entry {
    uint32_t name_off, name_len, value_off, value_len;
  };
  std::string arena_;
  std::vector<Entry> index_;
};

struct Version {
  uint8_t major = 1;
  uint8_t minor = 1;
  friend bool operator==(const Version&, const Version&) = default;
};

struct Request {
  std::string method = "POST";
  std::string target;  // request-target as sent (origin-form: path?query)
  Version version;
  Headers headers;
  Bytes body;
  /// Parser: false if the peer asked to close after this message (Connection: close, or
  /// HTTP/1.0 without keep-alive). Serializer: false adds "Connection: close".
  bool keep_alive = true;

  void clear() noexcept {
    method.clear();
    target.clear();
    version = {};
    headers.clear();
    body.clear();
    keep_alive = true;
  }
};

struct Response {
  int status = 200;
  std::string reason;  // empty: the serializer uses reason_phrase(status)
  Version version;
  Headers headers;
  Bytes body;
  bool keep_alive = true;  // as for Request

  void clear() noexcept {
    status = 200;
    reason.clear();
    version = {};
    headers.clear();
    body.clear();
    keep_alive = true;
  }
};

/// Splits a request-target "path?query" (no fragment in HTTP).
struct Target {
  std::string_view path;
  std::string_view query;  // without '?', empty if none
};
[[nodiscard]] Target split_target(std::string_view target) noexcept;

/// Value of `key` in an application/x-www-form-urlencoded style query "a=1&b=2" (no decoding).
[[nodiscard]] std::optional<std::string_view> query_param(std::string_view query,
                                                          std::string_view key) noexcept;

}  // namespace gpram::http
