#pragma once
// Content negotiation helpers for gzip(): does the client take gzip, is a type worth
// compressing.

#include <string_view>

namespace nethttp::detail {

/// accepts_gzip reads an Accept-Encoding value (RFC 9110 12.5.3) with coding_weight's rules
/// (core/header_list.hpp), as the file server does: gzip (or its alias x-gzip) is
/// acceptable when listed with q > 0, or, when not listed, if "*" is listed with q > 0. An
/// empty or absent header means no preference, which we read as "no gzip": identity is
/// always safe.
bool accepts_gzip(std::string_view accept_encoding) noexcept;

/// compressible reports whether a Content-Type names text-like data that gzip shrinks:
/// text/*, JSON, JavaScript, XML and any "+json"/"+xml" type (SVG included), YAML, WASM,
/// uncompressed fonts. Parameters (";charset=...") and case are ignored.
bool compressible(std::string_view content_type) noexcept;

}  // namespace nethttp::detail
