#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>

#include "cli.hpp"

namespace gpram::cli {

nlohmann::json read_stdin_json() {
  std::string text((std::istreambuf_iterator<char>(std::cin)), std::istreambuf_iterator<char>());
  try {
    return nlohmann::json::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    throw UsageError(std::string("invalid JSON on stdin: ") + e.what());
  }
}

Bytes read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw UsageError("cannot read " + path);
  return Bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

std::optional<Bytes> opt_hex_field(const nlohmann::json& j, const char* key) {
  if (!j.is_object() || !j.contains(key) || j[key].is_null()) return std::nullopt;
  if (!j[key].is_string()) throw UsageError(std::string("field \"") + key + "\" must be a hex string");
  auto r = from_hex(j[key].get<std::string>());
  if (!r) throw UsageError(std::string("field \"") + key + "\": " + r.error().message);
  return std::move(*r);
}

Bytes hex_field(const nlohmann::json& j, const char* key) {
  auto v = opt_hex_field(j, key);
  if (!v) throw UsageError(std::string("missing field \"") + key + "\"");
  return std::move(*v);
}

Bytes hex_arg(const std::string& text, const char* what) {
  auto r = from_hex(text);
  if (!r) throw UsageError(std::string(what) + ": " + r.error().message);
  return std::move(*r);
}

void print_json(const nlohmann::json& j) { std::cout << j.dump(2) << '\n'; }

}  // namespace gpram::cli
