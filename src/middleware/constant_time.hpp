#pragma once
// Comparison whose running time does not depend on where the inputs differ.

#include <cstddef>
#include <string_view>

namespace nethttp::detail {

/// constant_time_equals compares given (attacker-controlled) with expected (secret). It
/// always walks the whole of expected and never stops at the first difference, so timing
/// reveals at most expected's length, never how much of a guess was right. Returns 1 when
/// equal, 0 otherwise, as an int, so results can be combined with & (no short circuit).
inline int constant_time_equals(std::string_view given, std::string_view expected) noexcept {
  // Fold the length difference in rather than returning early on it.
  unsigned diff = given.size() == expected.size() ? 0u : 1u;
  const std::size_t n = given.size();
  for (std::size_t i = 0; i < expected.size(); ++i) {
    // Past the end of given, compare against a byte that differs from the expected one,
    // which the length check has already counted anyway.
    unsigned char g = i < n ? static_cast<unsigned char>(given[i]) : static_cast<unsigned char>(~expected[i]);
    diff |= static_cast<unsigned>(g ^ static_cast<unsigned char>(expected[i]));
  }
  // volatile keeps the compiler from turning the loop back into an early-exit comparison.
  volatile unsigned sink = diff;
  return sink == 0 ? 1 : 0;
}

}  // namespace nethttp::detail
