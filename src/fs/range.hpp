#pragma once
// Range header parsing (RFC 9110 section 14), pure and allocation-light.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace nethttp::detail {

/// ByteRange is a non-empty, satisfiable range of a representation: [start, start+length).
struct ByteRange {
  std::uint64_t start = 0;
  std::uint64_t length = 0;
  friend bool operator==(const ByteRange&, const ByteRange&) = default;
};

/// RangeOutcome is what a Range header asks for once checked against the content's size.
enum class RangeOutcome {
  none,           ///< no Range header
  ignored,        ///< malformed, another unit, or abusive: serve the whole content (200)
  satisfiable,    ///< serve ranges (206)
  unsatisfiable,  ///< no range overlaps the content: 416 with `Content-Range: bytes */SIZE`
};

/// RangeRequest is parse_range's result; ranges is filled only when satisfiable, in the
/// order the client listed them, with unsatisfiable members dropped.
struct RangeRequest {
  RangeOutcome outcome = RangeOutcome::none;
  std::vector<ByteRange> ranges;
};

/// kMaxRanges is the most range-specs a Range header may hold before it is ignored.
inline constexpr std::size_t kMaxRanges = 16;

/// parse_range reads a Range header value against content of size bytes.
///
/// Grammar (RFC 9110 section 14.1.1): `bytes=` (unit case-insensitive), then a list of
/// `first-last`, `first-` or `-suffix` with optional whitespace and empty list elements. A
/// malformed header (including last < first) or another unit is ignored. Specs starting
/// at or past the end are dropped; if none remains the result is unsatisfiable. The
/// header is ignored as abusive (nginx and Go ignore such headers, Apache's CVE-2011-3192
/// is the reason) when it has more than kMaxRanges specs, when the satisfiable ranges add
/// up to more than size, when more than two of them overlap another, or when three or more
/// are not in ascending order. Content of size 0 has no satisfiable range; a suffix range
/// on it (which RFC 9110 calls satisfiable but which selects nothing) is ignored.
RangeRequest parse_range(std::string_view header, std::uint64_t size);

/// content_range formats "bytes START-END/SIZE" for r.
std::string content_range(const ByteRange& r, std::uint64_t size);

}  // namespace nethttp::detail
