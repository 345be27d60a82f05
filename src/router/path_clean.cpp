#include "router/path_clean.hpp"

namespace nethttp::detail {

namespace {

int hex_digit(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// unescape_into writes the decoded form of raw to dst (at least raw.size() bytes) and returns
// its length, or returns raw.size() + 1 when an escape is malformed.
std::size_t unescape_into(std::string_view raw, char* dst) noexcept {
  std::size_t n = 0;
  for (std::size_t i = 0; i < raw.size(); ++i) {
    if (raw[i] != '%') {
      dst[n++] = raw[i];
      continue;
    }
    if (i + 2 >= raw.size()) return raw.size() + 1;
    int hi = hex_digit(raw[i + 1]);
    int lo = hex_digit(raw[i + 2]);
    if (hi < 0 || lo < 0) return raw.size() + 1;
    dst[n++] = static_cast<char>(hi * 16 + lo);
    i += 2;
  }
  return n;
}

}  // namespace

std::string canonical_path(std::string_view p) {
  std::string out;
  out.reserve(p.size() + 1);
  out.push_back('/');
  std::size_t i = 0;
  while (i < p.size()) {
    std::size_t j = p.find('/', i);
    if (j == std::string_view::npos) j = p.size();
    std::string_view elem = p.substr(i, j - i);
    i = j + 1;
    if (elem.empty() || elem == ".") continue;
    if (elem == "..") {
      // A rooted path cannot climb above the root, so ".." there is simply dropped.
      out.resize(out.size() > 1 ? out.rfind('/') : 1);
      if (out.empty()) out.push_back('/');
      continue;
    }
    if (out.size() > 1) out.push_back('/');
    out.append(elem);
  }
  // Like Go's cleanPath (and unlike path.Clean), a trailing slash survives: "/a/" names a
  // subtree, which patterns distinguish from the leaf "/a".
  if (!p.empty() && p.back() == '/' && out.size() > 1) out.push_back('/');
  return out;
}

bool is_canonical_path(std::string_view p) noexcept {
  // One pass, no find(): this runs for every request, and paths are short.
  if (p.empty() || p.front() != '/') return false;
  const std::size_t n = p.size();
  std::size_t start = 1;  // first byte of the current element
  for (std::size_t i = 1; i <= n; ++i) {
    if (i < n && p[i] != '/') continue;
    std::size_t len = i - start;
    if (len == 0 && i < n) return false;  // "//"; an empty last element is the trailing slash
    if (len == 1 && p[start] == '.') return false;
    if (len == 2 && p[start] == '.' && p[start + 1] == '.') return false;
    start = i + 1;
  }
  return true;
}

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
  char* dst = inline_.data();
  if (raw.size() > inline_.size()) {
    heap_.resize(raw.size());
    dst = heap_.data();
  }
  std::size_t n = unescape_into(raw, dst);
  if (n > raw.size()) return raw;
  return {dst, n};
}

std::string unescape_segment(std::string_view raw) {
  std::string out(raw.size(), '\0');
  std::size_t n = unescape_into(raw, out.data());
  if (n > raw.size()) return std::string(raw);
  out.resize(n);
  return out;
}

}  // namespace nethttp::detail
