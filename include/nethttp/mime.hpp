#pragma once
/// \file mime.hpp
/// The file extension to Content-Type table used by file_server(), serve_file() and
/// serve_content(), with a way to add or override entries (Go: mime.AddExtensionType).

#include <string>
#include <string_view>

namespace nethttp::mime {

/// set_type makes files whose name ends in extension (".webmanifest" or "webmanifest";
/// ASCII case is ignored) be served as content_type, adding the extension or overriding
/// the built-in entry (Go: mime.AddExtensionType). As in Go, a text/* type without a
/// charset parameter gets "; charset=utf-8". The type counts as compressible (precompressed
/// siblings are looked for, and `Vary: Accept-Encoding` is sent) when it is text/*, or its
/// media type is JSON, XML, JavaScript or SVG, or ends in "+json" or "+xml"; the overload
/// below says so explicitly.
///
/// Thread-safe: may be called from any thread at any time, also while servers run (a
/// request being answered sees the old or the new type); meant for startup. Each call keeps
/// a few hundred bytes for the life of the process, so do not call it per request.
/// Throws std::invalid_argument if extension is empty, longer than 16 characters, or holds
/// anything but ASCII letters, digits, '-', '_' and '+' (after an optional leading '.'), or
/// if content_type is empty or has a control character.
void set_type(std::string_view extension, std::string_view content_type);

/// set_type with an explicit answer to "is this type worth compressing?".
void set_type(std::string_view extension, std::string_view content_type, bool compressible);

/// type_for returns the Content-Type file_server() sends for a file named name (a name or
/// path; its last extension counts), "application/octet-stream" when the extension is
/// unknown. Thread-safe.
std::string type_for(std::string_view name);

}  // namespace nethttp::mime
