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
  if (p.empty() || p.front() != '/') return false;
  std::size_t i = 1;
  for (;;) {
    std::size_t j = p.find('/', i);
    bool last = j == std::string_view::npos;
    std::string_view elem = last ? p.substr(i) : p.substr(i, j - i);
    if (elem == "." || elem == "..") return false;
    if (last) return true;      // an empty last element is the trailing slash, which stays
    if (elem.empty()) return false;  // "//"
    i = j + 1;
  }
}

std::string_view strip_host_port(std::string_view host) noexcept {
  std::size_t last_colon = host.rfind(':');
  if (last_colon == std::string_view::npos) return host;
  if (host.front() == '[') {
    // "[v6]:port": the colon must follow the closing bracket directly.
    std::size_t close = host.find(']');
    if (close == std::string_view::npos || close + 1 != last_colon) return host;
    return host.substr(1, close - 1);
  }
  if (host.find(':') != last_colon) return host;  // bare IPv6 or garbage: leave it
  if (host.find_first_of("[]") != std::string_view::npos) return host;
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
