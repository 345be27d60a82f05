// strip_prefix (Go: http.StripPrefix). Our Request always carries the raw path as sent,
// while Go's URL.RawPath is set only when it differs from the default encoding, so instead
// of trimming the prefix text from the raw path (which fails for "/a%20b" under "/a b"), we
// find the raw bytes that decode to the prefix.

#include <string>

#include "core/escape.hpp"
#include "nethttp/helpers.hpp"

namespace nethttp {

namespace {

// raw_prefix_length returns how many bytes of raw decode to exactly prefix, or npos when
// raw does not start with an encoding of prefix. Each raw unit (a byte or a %XX escape)
// decodes to one byte, so walking both strings in step is enough.
std::size_t raw_prefix_length(std::string_view raw, std::string_view prefix) noexcept {
  std::size_t i = 0;
  for (char want : prefix) {
    if (i >= raw.size()) return std::string_view::npos;
    char got = raw[i];
    std::size_t unit = 1;
    if (int b = detail::escaped_byte(raw.substr(i)); b >= 0) {
      got = static_cast<char>(b);
      unit = 3;
    }
    if (got != want) return std::string_view::npos;
    i += unit;
  }
  return i;
}

}  // namespace

Handler strip_prefix(std::string prefix, Handler next) {
  return [prefix = std::move(prefix), next = std::move(next)](ResponseWriter& w, Request& r) {
    std::string_view path = r.path();
    std::string_view raw = r.raw_path();
    if (!path.starts_with(prefix)) {
      error(w, "404 page not found", Status::NotFound);
      return;
    }
    std::size_t raw_len = raw.empty() ? 0 : raw_prefix_length(raw, prefix);
    if (raw_len == std::string_view::npos) {
      error(w, "404 page not found", Status::NotFound);
      return;
    }
    Request copy = r;
    copy.set_path(path.substr(prefix.size()), raw.substr(raw_len));
    next.serve(w, copy);
  };
}

}  // namespace nethttp
