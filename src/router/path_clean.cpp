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
