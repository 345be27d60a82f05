#include "router/path_clean.hpp"

#include <span>

#include "core/escape.hpp"

namespace nethttp::detail {

std::string_view strip_host_port(std::string_view host) noexcept {
  // One pass over the (short) host instead of several find() calls: this runs per request.
  std::size_t colons = 0, last_colon = 0, close = std::string_view::npos;
  bool brackets = false;
  for (std::size_t i = 0; i < host.size(); ++i) {
    char c = host[i];
    if (c == ':') {
      ++colons;
      last_colon = i;
    } else if (c == '[' || c == ']') {
      brackets = true;
      if (c == ']' && close == std::string_view::npos) close = i;
    }
  }
  if (colons == 0) return host;
  if (host.front() == '[') {
    // "[v6]:port": the last colon must follow the closing bracket directly.
    if (close == std::string_view::npos || close + 1 != last_colon) return host;
    return host.substr(1, close - 1);
  }
  if (colons > 1 || brackets) return host;  // bare IPv6 or garbage: leave it
  return host.substr(0, last_colon);
}

std::string_view SegmentUnescaper::decode(std::string_view raw) {
  if (raw.find('%') == std::string_view::npos) return raw;
  std::span<char> dst = inline_;
  if (raw.size() > inline_.size()) {
    heap_.resize(raw.size());
    dst = heap_;
  }
  std::size_t n = percent_decode_to(raw, dst, /*plus_as_space=*/false);
  if (n == kMalformedEscape) return raw;
  return {dst.data(), n};
}

std::string unescape_segment(std::string_view raw) {
  std::string out;
  if (!append_percent_decoded(out, raw)) return std::string(raw);
  return out;
}

}  // namespace nethttp::detail
