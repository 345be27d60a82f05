#include "core/escape.hpp"

#include <cassert>

namespace nethttp::detail {

int hex_value(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

int escaped_byte(std::string_view s) noexcept {
  if (s.size() < 3 || s[0] != '%') return -1;
  int hi = hex_value(s[1]);
  int lo = hex_value(s[2]);
  if (hi < 0 || lo < 0) return -1;
  return hi * 16 + lo;
}

std::size_t percent_decode_to(std::string_view s, std::span<char> dst, bool plus_as_space) noexcept {
  assert(dst.size() >= s.size());
  std::size_t n = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '%') {
      int b = escaped_byte(s.substr(i));
      if (b < 0) return kMalformedEscape;
      c = static_cast<char>(b);
      i += 2;
    } else if (plus_as_space && c == '+') {
      c = ' ';
    }
    dst[n++] = c;
  }
  return n;
}

bool next_query_pair(std::string_view& rest, QueryPair& pair) noexcept {
  while (!rest.empty()) {
    const std::size_t amp = rest.find('&');
    const std::string_view text = rest.substr(0, amp);
    rest = amp == std::string_view::npos ? std::string_view() : rest.substr(amp + 1);
    if (text.empty()) continue;
    const std::size_t eq = text.find('=');
    pair.name = text.substr(0, eq);
    pair.value = eq == std::string_view::npos ? std::string_view() : text.substr(eq + 1);
    return true;
  }
  return false;
}

bool append_percent_decoded(std::string& out, std::string_view s, bool plus_as_space) {
  // Most paths have no escape: copy them without the byte loop.
  if (!plus_as_space && s.find('%') == std::string_view::npos) {
    out.append(s);
    return true;
  }
  const std::size_t old = out.size();
  out.resize(old + s.size());  // decoding never grows
  std::size_t n = percent_decode_to(s, std::span<char>(out).subspan(old), plus_as_space);
  if (n == kMalformedEscape) {
    out.resize(old);
    return false;
  }
  out.resize(old + n);
  return true;
}

std::string escape_redirect_location(std::string_view url) {
  std::string out;
  out.reserve(url.size());
  append_percent_encoded(out, url, [](unsigned char c) { return c <= 0x20 || c >= 0x7F; });
  return out;
}

void append_html_escaped(std::string& out, std::string_view s) {
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&#34;"; break;
      case '\'': out += "&#39;"; break;
      default: out.push_back(c);
    }
  }
}

std::string escape_html(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  append_html_escaped(out, s);
  return out;
}

}  // namespace nethttp::detail
