#pragma once
// MIME types: file extension to Content-Type, for serve_content() and file_server().

#include <span>
#include <string_view>

namespace nethttp::detail {

/// MimeEntry maps one lower-case extension (without the dot) to its Content-Type.
/// compressible marks types worth serving from a precompressed sibling (text, scripts,
/// JSON, SVG, XML, wasm, uncompressed fonts); already-compressed formats are not.
struct MimeEntry {
  std::string_view extension;
  std::string_view content_type;
  bool compressible;
};

/// kDefaultContentType is what a name without a known extension is served as.
inline constexpr std::string_view kDefaultContentType = "application/octet-stream";

/// mime_table is the built-in table, sorted by extension (tests check the order), without
/// the entries added with mime::set_type().
std::span<const MimeEntry> mime_table() noexcept;

/// find_mime returns the entry for name's extension (the text after the last '.' of its
/// last path segment, compared ignoring ASCII case), or nullptr when there is none. Entries
/// set with mime::set_type() win over the built-in ones. The entry stays valid for the life
/// of the process (a later set_type() adds a new one rather than changing it).
const MimeEntry* find_mime(std::string_view name) noexcept;

/// content_type_for returns name's Content-Type, kDefaultContentType when unknown. Text
/// types carry "; charset=utf-8".
std::string_view content_type_for(std::string_view name) noexcept;

/// is_compressible reports whether a Content-Type (parameters ignored) benefits from
/// compression: text/*, and the compressible entries of the table.
bool is_compressible(std::string_view content_type) noexcept;

}  // namespace nethttp::detail
