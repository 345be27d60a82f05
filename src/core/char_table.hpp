#pragma once
// CharTable: a 256-entry byte class built at compile time, for the scanners' per-byte checks
// (a table lookup beats a chain of comparisons on every header name and Host value).

#include <array>
#include <string_view>

namespace nethttp::detail {

using CharTable = std::array<bool, 256>;

/// alnum_and makes the table that is true for ASCII letters, digits and the bytes of extra.
constexpr CharTable alnum_and(std::string_view extra) noexcept {
  CharTable t{};
  for (int c = '0'; c <= '9'; ++c) t[static_cast<unsigned char>(c)] = true;
  for (int c = 'a'; c <= 'z'; ++c) t[static_cast<unsigned char>(c)] = true;
  for (int c = 'A'; c <= 'Z'; ++c) t[static_cast<unsigned char>(c)] = true;
  for (char c : extra) t[static_cast<unsigned char>(c)] = true;
  return t;
}

}  // namespace nethttp::detail
