#include "middleware/url_path.hpp"

namespace nethttp::detail {

bool has_scheme_or_host(std::string_view url) noexcept {
  if (url.starts_with("//")) return true;
  // RFC 3986 scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) ":", before any / ? #.
  for (std::size_t i = 0; i < url.size(); ++i) {
    char c = url[i];
    bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    if (c == ':') return i > 0;
    if (alpha) continue;
    if (i > 0 && ((c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.')) continue;
    return false;
  }
  return false;
}

}  // namespace nethttp::detail
