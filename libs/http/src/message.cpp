// HTTP message model: header arena, reason phrases, error category (RFC 9110 §15 for statuses).
#include "gpram/http/message.hpp"

namespace gpram::http {
namespace {

const char* http_message(int ev) {
  switch (static_cast<Errc>(ev)) {
    case Errc::bad_request: return "HTTP: malformed message";
    case Errc::length_required: return "HTTP: length required";
    case Errc::body_too_large: return "HTTP: body too large";
    case Errc::uri_too_long: return "HTTP: request-target too long";
    case Errc::headers_too_large: return "HTTP: header section too large";
    case Errc::not_implemented: return "HTTP: unsupported feature";
    case Errc::version_not_supported: return "HTTP: version not supported";
    case Errc::incomplete: return "HTTP: stream ended inside a message";
  }
  return "HTTP: unknown error";
}

constexpr char lower(char c) noexcept {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

}  // namespace

const std::error_category& error_category() noexcept {
  static const SimpleCategory category("gpram.http", http_message);
  return category;
}

int status_for(std::error_code ec) noexcept {
  if (ec.category() != error_category()) return 400;
  switch (static_cast<Errc>(ec.value())) {
    case Errc::bad_request: return 400;
    case Errc::length_required: return 411;
    case Errc::body_too_large: return 413;
    case Errc::uri_too_long: return 414;
    case Errc::headers_too_large: return 431;
    case Errc::not_implemented: return 501;
    case Errc::version_not_supported: return 505;
    case Errc::incomplete: return 400;
  }
  return 400;
}

std::string_view reason_phrase(int status) noexcept {
  switch (status) {
    case 100: return "Continue";
    case 200: return "OK";
    case 204: return "No Content";
    case 400: return "Bad Request";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 409: return "Conflict";
    case 411: return "Length Required";
    case 413: return "Content Too Large";
    case 414: return "URI Too Long";
    case 415: return "Unsupported Media Type";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 503: return "Service Unavailable";
    case 505: return "HTTP Version Not Supported";
    default: return "Unknown";
  }
}

bool iequals(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (lower(a[i]) != lower(b[i])) return false;
  return true;
}

std::string_view trim_ows(std::string_view s) noexcept {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

void Headers::add(std::string_view name, std::string_view value) {
  begin_field();
  append_name(name);
  end_name();
  append_value(value);
}

void Headers::set(std::string_view name, std::string_view value) {
  remove(name);
  add(name, value);
}

void Headers::remove(std::string_view name) {
  // The arena keeps the removed bytes; only the index shrinks (headers are small and short-lived).
  std::erase_if(index_, [&](const Entry& e) {
    return iequals(std::string_view(arena_).substr(e.name_off, e.name_len), name);
  });
}

void Headers::clear() noexcept {
  arena_.clear();
  index_.clear();
}

Headers::Field Headers::operator[](size_t i) const noexcept {
  const Entry& e = index_[i];
  const std::string_view a(arena_);
  return {a.substr(e.name_off, e.name_len), a.substr(e.value_off, e.value_len)};
}

std::optional<std::string_view> Headers::get(std::string_view name) const noexcept {
  for (size_t i = 0; i < index_.size(); ++i) {
    auto [n, v] = (*this)[i];
    if (iequals(n, name)) return trim_ows(v);
  }
  return std::nullopt;
}

size_t Headers::count(std::string_view name) const noexcept {
  size_t n = 0;
  for (size_t i = 0; i < index_.size(); ++i)
    if (iequals((*this)[i].first, name)) ++n;
  return n;
}

bool Headers::has_token(std::string_view name, std::string_view token) const noexcept {
  for (size_t i = 0; i < index_.size(); ++i) {
    auto [n, v] = (*this)[i];
    if (!iequals(n, name)) continue;
    while (!v.empty()) {
      const size_t comma = v.find(',');
      const std::string_view item = trim_ows(v.substr(0, comma));
      if (iequals(item, token)) return true;
      if (comma == std::string_view::npos) break;
      v.remove_prefix(comma + 1);
    }
  }
  return false;
}

void Headers::append_name(std::string_view piece) {
  arena_.append(piece);
  index_.back().name_len += static_cast<uint32_t>(piece.size());
}

void Headers::append_value(std::string_view piece) {
  arena_.append(piece);
  index_.back().value_len += static_cast<uint32_t>(piece.size());
}

Target split_target(std::string_view target) noexcept {
  const size_t q = target.find('?');
  if (q == std::string_view::npos) return {target, {}};
  return {target.substr(0, q), target.substr(q + 1)};
}

std::optional<std::string_view> query_param(std::string_view query, std::string_view key) noexcept {
  while (!query.empty()) {
    const size_t amp = query.find('&');
    const std::string_view item = query.substr(0, amp);
    const size_t eq = item.find('=');
    if (item.substr(0, eq) == key)
      return eq == std::string_view::npos ? std::string_view{} : item.substr(eq + 1);
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return std::nullopt;
}

}  // namespace gpram::http
