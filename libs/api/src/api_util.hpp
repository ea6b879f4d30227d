// Helpers shared by the REST API sources (private to libs/api): answers, request validation.
#pragma once

#include <fmt/format.h>

#include <chrono>
#include <initializer_list>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "gpram/api/api.hpp"

namespace gpram::api::detail {

using nlohmann::json;

inline ApiResponse error(int status, std::string_view message) {
  return {status, "application/json", json{{"error", message}}.dump()};
}

inline ApiResponse ok_json(int status, const json& j) { return {status, "application/json", j.dump()}; }

inline int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

inline bool token_equal(std::string_view a, std::string_view b) {
  return equal_ct(as_bytes(a), as_bytes(b));
}

// Precise validation helpers: each throws a Reject carrying the 422 message.
struct Reject {
  int status;
  std::string message;
};

inline void only_fields(const json& j, std::string_view where, std::initializer_list<const char*> allowed) {
  for (const auto& [k, v] : j.items()) {
    bool known = false;
    for (const char* a : allowed) known = known || k == a;
    if (!known) throw Reject{422, fmt::format("{}: unknown field \"{}\"", where, k)};
  }
}

inline std::string str_field(const json& j, const char* key, std::string_view where, bool required,
                      size_t max_len = 256) {
  if (!j.contains(key) || j[key].is_null()) {
    if (required) throw Reject{422, fmt::format("{}: missing field \"{}\"", where, key)};
    return {};
  }
  if (!j[key].is_string()) throw Reject{422, fmt::format("{}.{}: must be a string", where, key)};
  std::string s = j[key].get<std::string>();
  if (required && s.empty()) throw Reject{422, fmt::format("{}.{}: must not be empty", where, key)};
  if (s.size() > max_len)
    throw Reject{422, fmt::format("{}.{}: longer than {} characters", where, key, max_len)};
  return s;
}

inline Bytes hex_field(const json& j, const char* key, std::string_view where, bool required,
                size_t min_len = 0, size_t max_len = 4096) {
  std::string s = str_field(j, key, where, required, 2 * max_len + 64);
  if (s.empty()) return {};
  auto b = from_hex(s);
  if (!b) throw Reject{422, fmt::format("{}.{}: {}", where, key, b.error().message)};
  if (b->size() < min_len || b->size() > max_len)
    throw Reject{422, fmt::format("{}.{}: {} bytes, expected {}..{}", where, key, b->size(),
                                  min_len, max_len)};
  return std::move(*b);
}

inline json parse_body(std::string_view body) {
  if (body.empty()) throw Reject{400, "request body is empty (JSON object expected)"};
  json j;
  try {
    j = json::parse(body.begin(), body.end());
  } catch (const json::parse_error& e) {
    throw Reject{400, fmt::format("invalid JSON: {}", e.what())};
  }
  if (!j.is_object()) throw Reject{400, "the body must be a JSON object"};
  return j;
}

inline bool valid_iccid(std::string_view s) {
  if (s.size() < 6 || s.size() > 22) return false;
  for (char c : s)
    if (!((c >= '0' && c <= '9') || c == 'F' || c == 'f')) return false;
  return true;
}

}  // namespace gpram::api::detail
