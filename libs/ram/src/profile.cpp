// Built-in card profiles; docs/protocols/amendment-b.md explains each default.
#include "gpram/ram/profile.hpp"

namespace gpram::ram {

const std::vector<CardProfile>& builtin_profiles() {
  static const std::vector<CardProfile> profiles = [] {
    std::vector<CardProfile> v;
    CardProfile d;  // chunked, one chunk, 16 KB records, BER long form, targeted app on
    v.push_back(d);
    CardProfile cl = d;
    cl.name = "strict-content-length";
    cl.chunked = false;
    v.push_back(cl);
    CardProfile small = d;
    small.name = "small-records-512";
    small.max_record_size = 512;
    v.push_back(small);
    CardProfile ref = d;
    ref.name = "reference-chunked-100";
    ref.chunk_size = 100;
    v.push_back(ref);
    return v;
  }();
  return profiles;
}

const CardProfile* find_profile(std::string_view name) noexcept {
  for (const auto& p : builtin_profiles())
    if (p.name == name) return &p;
  return nullptr;
}

}  // namespace gpram::ram
