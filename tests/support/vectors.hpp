// Loads the shared known-answer vector files (../shared/testdata/vectors/*.json).
#pragma once

#include <fstream>
#include <stdexcept>
#include <string>

#include <nlohmann/json.hpp>

namespace gpram::test {

inline std::string testdata(const std::string& rel) {
  return std::string(GPRAM_TESTDATA_DIR) + "/" + rel;
}

inline nlohmann::json load_vectors(const std::string& file) {
  std::ifstream in(testdata("vectors/" + file));
  if (!in) throw std::runtime_error("cannot open vectors/" + file);
  return nlohmann::json::parse(in);
}

/// The vector with the given id from a vector file.
inline nlohmann::json vector(const std::string& file, const std::string& id) {
  const nlohmann::json all = load_vectors(file);
  for (const auto& v : all["vectors"])
    if (v["id"] == id) return v;
  throw std::runtime_error("no vector " + id + " in " + file);
}

}  // namespace gpram::test
