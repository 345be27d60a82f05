#pragma once
// URL helpers for redirect(): has_scheme_or_host is its own. The path cleaning (clean_path,
// Go's path.Clean) and the escaping it applies (escape_redirect_location, escape_html) are
// shared with ServeMux and the file server, and come from the core headers included here.

#include <string_view>

#include "core/escape.hpp"
#include "core/url_path.hpp"

namespace nethttp::detail {

/// has_scheme_or_host reports whether url is absolute ("https://x/", "mailto:a") or
/// network-path relative ("//host/p"), i.e. must not be resolved against the request path.
bool has_scheme_or_host(std::string_view url) noexcept;

}  // namespace nethttp::detail
