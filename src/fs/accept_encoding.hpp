#pragma once
// Accept-Encoding negotiation (RFC 9110 section 12.5.3) for precompressed siblings.

#include <array>
#include <cstddef>
#include <string_view>

namespace nethttp::detail {

/// Precompressed is a content coding we can serve from a sibling file.
struct Precompressed {
  std::string_view coding;  ///< Content-Encoding value: "br" or "gzip"
  std::string_view suffix;  ///< sibling file suffix: ".br" or ".gz"
};

inline constexpr Precompressed kBrotli{"br", ".br"};
inline constexpr Precompressed kGzip{"gzip", ".gz"};

/// CodingPreference lists the precompressed codings a client accepts, best first.
struct CodingPreference {
  std::array<Precompressed, 2> order{};
  std::size_t count = 0;
};

/// accepted_codings parses an Accept-Encoding value (all lines joined with commas) and
/// returns br and gzip in the client's order of preference: higher q first, br on a tie
/// (it is smaller). Each coding's weight is coding_weight's (core/header_list.hpp): q=0
/// refuses, and so does a malformed q; "*" stands for codings not listed; "x-gzip" is gzip.
/// An empty or absent header accepts neither.
CodingPreference accepted_codings(std::string_view accept_encoding) noexcept;

}  // namespace nethttp::detail
