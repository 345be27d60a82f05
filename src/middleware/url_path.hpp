#pragma once
// Small URL helpers for redirect(): the escaping http.Redirect applies. The path cleaning
// (clean_path, Go's path.Clean) is shared with ServeMux and comes from core/url_path.hpp,
// included here for redirect.cpp.

#include <string>
#include <string_view>

#include "core/url_path.hpp"

namespace nethttp::detail {

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
