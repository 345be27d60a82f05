#pragma once
// reset_error_headers: what every error body (error(), json_error()) does to the headers first.

#include <string_view>

#include "nethttp/headers.hpp"

namespace nethttp::detail {

/// reset_error_headers drops the headers meant for the successful response (Go 1.23 does the
/// same for Content-Length and friends), so an error body is not framed or typed as the
/// original would have been, then types the body as content_type with nosniff.
void reset_error_headers(Headers& h, std::string_view content_type);

}  // namespace nethttp::detail
