#pragma once
// Request-path sanitizing for ServeMux: the Host header without its port, per-segment
// unescaping and the segment walk. The canonical form of a path (canonical_path,
// is_canonical_path) lives in core/url_path.hpp, built on the clean_path that redirect()
// uses too, so both follow one set of rules; it is included here for the router's files.

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/url_path.hpp"

namespace nethttp::detail {

/// strip_host_port returns host without a trailing ":port" ("example.com:80" is
/// "example.com", "[::1]:80" is "::1"). A value that does not split cleanly (no port, or
/// several colons without brackets) is returned unchanged, as Go's stripHostPort does.
std::string_view strip_host_port(std::string_view host) noexcept;

/// SegmentUnescaper percent-decodes path segments into storage it owns. Segments up to
/// kInline bytes decode without touching the heap, so route matching does not allocate.
/// A segment without '%' is returned as is; so is one with a malformed escape (Go's
/// pathUnescape keeps the original). '+' is not a space in a path. The returned view is
/// valid until the next decode().
class SegmentUnescaper {
 public:
  static constexpr std::size_t kInline = 256;
  std::string_view decode(std::string_view raw);

 private:
  std::array<char, kInline> inline_;  // deliberately not zeroed: written before read
  std::string heap_;                  // only for segments longer than kInline
};

/// PathStep is one step of walking an escaped path ("" or starting with '/') segment by
/// segment. "/a/b/" walks as segment "a", segment "b", trailing_slash, end; "/" as
/// trailing_slash, end; "/a//b" (only CONNECT paths stay unclean) as "a", "", "b", end.
struct PathStep {
  enum class Kind : std::uint8_t { end, trailing_slash, segment };
  Kind kind = Kind::end;
  std::string_view segment;       ///< the escaped segment, when kind == segment
  std::string_view rest;          ///< the path after it: "" or starting with '/'
  bool rest_extra_slash = false;  ///< whether the virtual trailing '/' is still ahead
  bool escaped = false;           ///< whether segment contains '%' (needs unescaping)
};

/// next_step splits the first step off path. extra_slash walks path as if a '/' were
/// appended, which is how ServeMux tries "/tree" as "/tree/" without building a string.
/// A plain loop rather than find(): segments are short, and this runs once per segment of
/// every routed request.
inline PathStep next_step(std::string_view path, bool extra_slash) noexcept {
  if (path.empty()) return {extra_slash ? PathStep::Kind::trailing_slash : PathStep::Kind::end, {}, {}, false, false};
  const char* begin = path.data() + 1;
  const char* end = path.data() + path.size();
  if (begin == end && !extra_slash) return {PathStep::Kind::trailing_slash, {}, {}, false, false};
  const char* p = begin;
  bool escaped = false;
  for (; p != end && *p != '/'; ++p) escaped |= *p == '%';
  return {PathStep::Kind::segment, std::string_view(begin, static_cast<std::size_t>(p - begin)),
          std::string_view(p, static_cast<std::size_t>(end - p)), extra_slash, escaped};
}

/// unescape_segment decodes raw into a new string with the same rules as SegmentUnescaper
/// (for registration-time work such as pattern literals).
std::string unescape_segment(std::string_view raw);

}  // namespace nethttp::detail
