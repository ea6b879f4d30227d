// Time and randomness are passed into protocol cores, never read by them.
#pragma once

#include <chrono>
#include <cstdint>
#include <span>

namespace gpram {

using Clock = std::chrono::steady_clock;
using TimePoint = Clock::time_point;
using Duration = Clock::duration;

/// A source of random bytes (the real one wraps GnuTLS's RNG; tests pass a seeded one).
class Random {
 public:
  virtual ~Random() = default;
  virtual void fill(std::span<uint8_t> out) = 0;
};

/// Deterministic generator for tests and reproducible simulations (xorshift64*; NOT for keys).
class SeededRandom final : public Random {
 public:
  explicit SeededRandom(uint64_t seed) noexcept : state_(seed ? seed : 0x9E3779B97F4A7C15ull) {}
  void fill(std::span<uint8_t> out) override {
    for (auto& b : out) {
      state_ ^= state_ >> 12;
      state_ ^= state_ << 25;
      state_ ^= state_ >> 27;
      b = static_cast<uint8_t>((state_ * 0x2545F4914F6CDD1Dull) >> 56);
    }
  }

 private:
  uint64_t state_;
};

}  // namespace gpram
