#pragma once
// short_code: turns the n-th link into its short code.
//
// Codes are the base-62 spelling of a bijective scramble of n within [0, 2^36): unique
// without a collision check (the scramble is a permutation), yet consecutive links do not
// get consecutive, guessable codes. 62^7 > 2^36, so every code is exactly 7 characters.
// This hides the sequence from casual eyes only; it is not a secret.

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace shortener {

/// kCodeSpace is how many distinct codes there are: n must stay below it.
inline constexpr std::uint64_t kCodeSpace = std::uint64_t{1} << 36;
/// kCodeLength is the length of every code.
inline constexpr std::size_t kCodeLength = 7;

namespace detail {
inline constexpr std::string_view kAlphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

// scramble permutes [0, 2^36): multiplying by an odd constant and xor-ing with a right
// shift of itself are each invertible modulo a power of two.
constexpr std::uint64_t scramble(std::uint64_t x) {
  constexpr std::uint64_t mask = kCodeSpace - 1;
  x = (x * 0x9E3779B97ull) & mask;
  x ^= x >> 17;
  x = (x * 0x85EBCA6Bull) & mask;
  x ^= x >> 13;
  return x;
}
}  // namespace detail

/// short_code returns the code of the n-th link (n < kCodeSpace): kCodeLength characters
/// from [0-9A-Za-z]. Distinct n give distinct codes.
inline std::string short_code(std::uint64_t n) {
  std::uint64_t x = detail::scramble(n & (kCodeSpace - 1));
  std::string code(kCodeLength, '0');
  for (std::size_t i = kCodeLength; i-- > 0;) {
    code[i] = detail::kAlphabet[x % 62];
    x /= 62;
  }
  return code;
}

/// is_code reports whether s has the shape of a code, so lookups of garbage stop early.
inline bool is_code(std::string_view s) {
  if (s.size() != kCodeLength) return false;
  for (char c : s) {
    if (detail::kAlphabet.find(c) == std::string_view::npos) return false;
  }
  return true;
}

}  // namespace shortener
