#include "core/random_hex.hpp"

#include <cstdint>
#include <random>

namespace nethttp::detail {

std::string random_hex(std::size_t digits) {
  // One generator per thread: no lock, and the seeding cost is paid once per thread.
  thread_local std::mt19937_64 rng = [] {
    std::random_device rd;
    std::seed_seq seq{rd(), rd(), rd(), rd()};
    return std::mt19937_64(seq);
  }();
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(digits, '0');
  std::uint64_t bits = 0;
  for (std::size_t i = 0; i < digits; ++i, bits >>= 4) {
    if (i % 16 == 0) bits = rng();  // 16 digits per 64-bit draw
    out[i] = kHex[bits & 0xF];
  }
  return out;
}

}  // namespace nethttp::detail
