#pragma once
// Header field syntax (RFC 9110 sections 5.6 and 12.4.2): tokens, the whitespace trim every
// header reader uses, and the one way the file server (precompressed siblings) and gzip()
// weigh Accept-Encoding.

#include <array>
#include <initializer_list>
#include <string_view>

#include "core/char_table.hpp"

namespace nethttp::detail {

/// kTokenChar[c] is true for the tchar bytes of RFC 9110 section 5.6.2: letters, digits and
/// !#$%&'*+-.^_`|~. A table, since every response header name is checked against it.
inline constexpr CharTable kTokenChar = alnum_and("!#$%&'*+-.^_`|~");

/// is_token reports whether s is a token (RFC 9110 5.6.2): non-empty, tchar bytes only. Field
/// names and methods are tokens.
constexpr bool is_token(std::string_view s) noexcept {
  if (s.empty()) return false;
  for (char c : s) {
    if (!kTokenChar[static_cast<unsigned char>(c)]) return false;
  }
  return true;
}

/// trim_ows returns s without optional whitespace (spaces and tabs, RFC 9110 5.6.3) at
/// either end.
std::string_view trim_ows(std::string_view s) noexcept;

/// parse_qvalue parses a weight (RFC 9110 12.4.2: qvalue = "0" [ "." 0*3DIGIT ] /
/// "1" [ "." 0*3("0") ]) into thousandths, 0 to 1000: "0" is 0, "0.5" is 500, "1.000" is
/// 1000. Anything else ("", "2", "1.5", "0.0001", ".5", "abc") is malformed: -1.
int parse_qvalue(std::string_view s) noexcept;

/// coding_weight returns the weight, in thousandths, that an Accept-Encoding value (all its
/// lines joined with commas) gives the content coding called any of names (compared without
/// case, e.g. {"gzip", "x-gzip"}):
///   - a member naming the coding gives its q, 1000 without one;
///   - if no member names it, "*" gives its weight the same way (RFC 9110 12.5.3);
///   - if neither is listed, -1: not acceptable, and callers send identity.
/// 0 means refused. RFC 9110 leaves two cases open, and both resolve towards identity,
/// which every client accepts, while a coding it refused would be unreadable to it:
/// a malformed q ("q=abc", "q=2", "q=0.0001") is a refusal (0), and when several members
/// name the coding (or several are "*"), the lowest weight counts, in any order. Other
/// parameters ("gzip;level=1") are ignored.
int coding_weight(std::string_view accept_encoding, std::initializer_list<std::string_view> names) noexcept;

}  // namespace nethttp::detail
