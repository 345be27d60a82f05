#include "core/url_path.hpp"

namespace nethttp::detail {

namespace {

// clean walks p element by element, appending to out. floor is how much of out no ".." may
// remove: the root "/" of a rooted path, or the leading "../.." a relative path has built.
// rooted treats p as if it started with '/', so canonical_path needs no copy to root it.
std::string clean(std::string_view p, bool rooted) {
  std::string out;
  out.reserve(p.size() + 1);
  std::size_t floor = 0;
  if (rooted) {
    out.push_back('/');
    floor = 1;
  }
  std::size_t i = 0;
  while (i < p.size()) {
    std::size_t j = p.find('/', i);
    if (j == std::string_view::npos) j = p.size();
    std::string_view elem = p.substr(i, j - i);
    i = j + 1;
    if (elem.empty() || elem == ".") continue;
    if (elem == "..") {
      if (out.size() > floor) {
        // Drop the last element and the slash before it (but never the floor).
        std::size_t slash = out.rfind('/');
        out.resize(slash == std::string::npos || slash < floor ? floor : slash);
      } else if (!rooted) {
        if (!out.empty()) out.push_back('/');
        out.append("..");
        floor = out.size();
      }
      continue;
    }
    if (out.size() > (rooted ? 1U : 0U)) out.push_back('/');
    out.append(elem);
  }
  if (out.empty()) out.push_back('.');
  return out;
}

}  // namespace

std::string clean_path(std::string_view p) { return clean(p, !p.empty() && p.front() == '/'); }

std::string canonical_path(std::string_view p) {
  std::string out = clean(p, true);
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
