#pragma once
// Small URL helpers for redirect(): Go's path.Clean and the escaping http.Redirect applies.

#include <string>
#include <string_view>

namespace nethttp::detail {

/// clean_path returns the shortest path equivalent to p by purely lexical processing (Go:
/// path.Clean): repeated slashes collapse, "." elements go, ".." removes the element before
/// it, ".." at the root stays at the root. "" becomes ".".
std::string clean_path(std::string_view p);

/// has_scheme_or_host reports whether url is absolute ("https://x/", "mailto:a") or
/// network-path relative ("//host/p"), i.e. must not be resolved against the request path.
bool has_scheme_or_host(std::string_view url) noexcept;

/// escape_redirect_location percent-escapes bytes that may not appear raw in a Location header:
/// non-ASCII (Go's hexEscapeNonASCII) and, to rule out header injection, control bytes and
/// spaces.
std::string escape_redirect_location(std::string_view url);

/// escape_html escapes &, <, >, " and ' for an HTML attribute or text.
std::string escape_html(std::string_view s);

}  // namespace nethttp::detail
