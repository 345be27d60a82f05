#include "middleware/base64.hpp"

#include <cstdint>

namespace nethttp::detail {

namespace {
int value(char c) noexcept {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}
}  // namespace

std::optional<std::string> base64_decode(std::string_view in) {
  if (in.size() % 4 != 0) return std::nullopt;
  std::string out;
  out.reserve(in.size() / 4 * 3);
  for (std::size_t i = 0; i < in.size(); i += 4) {
    const bool last = i + 4 == in.size();
    int pad = 0;
    std::uint32_t group = 0;
    for (std::size_t k = 0; k < 4; ++k) {
      char c = in[i + k];
      int v;
      if (c == '=') {
        // Padding only at the end of the last group, and at most two.
        if (!last || k < 2) return std::nullopt;
        ++pad;
        v = 0;
      } else {
        if (pad > 0) return std::nullopt;  // data after padding
        v = value(c);
        if (v < 0) return std::nullopt;
      }
      group = (group << 6) | static_cast<std::uint32_t>(v);
    }
    out.push_back(static_cast<char>((group >> 16) & 0xff));
    if (pad < 2) out.push_back(static_cast<char>((group >> 8) & 0xff));
    if (pad < 1) out.push_back(static_cast<char>(group & 0xff));
  }
  return out;
}

}  // namespace nethttp::detail
