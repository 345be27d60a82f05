#pragma once
/// \file file_server.hpp
/// Static files: file_server() serves a directory tree, serve_file() one file, and
/// serve_content() any content with conditional requests and ranges (Go: http.FileServer,
/// http.ServeFile, http.ServeContent).

#include <chrono>
#include <cstddef>
#include <ctime>
#include <string>
#include <string_view>

#include "nethttp/handler.hpp"
#include "nethttp/mime.hpp"  // the extension to Content-Type table, and mime::set_type
#include "nethttp/request.hpp"
#include "nethttp/response_writer.hpp"

namespace nethttp {

/// FileServerOptions configures file_server(). The defaults serve files and index.html
/// pages, hide dotfiles, list no directories and use precompressed siblings when present.
struct FileServerOptions {
  /// list_directories answers a directory without an index file with an HTML listing
  /// (names sorted, HTML-escaped, links percent-encoded). Off: such a directory is a 404.
  bool list_directories = false;
  /// allow_dotfiles serves paths with a segment starting with '.' (".git", ".env"). Off:
  /// they are a 404, whether or not they exist.
  bool allow_dotfiles = false;
  /// allow_well_known serves "/.well-known/..." (RFC 8615) even when dotfiles are hidden.
  bool allow_well_known = true;
  /// cache_control, if not empty, is sent as `Cache-Control` with every file response
  /// (200, 206 and 304), e.g. "public, max-age=3600".
  std::string cache_control;
  /// precompressed serves `NAME.br` or `NAME.gz` instead of NAME, with `Content-Encoding`,
  /// when the client's Accept-Encoding allows it (br preferred, q=0 respected), the sibling
  /// is a regular file at least as new as NAME, and the request has no Range. Compressible
  /// types then always carry `Vary: Accept-Encoding`.
  bool precompressed = true;
  /// index_file is the file served for a directory ("/docs/" serves "docs/index.html");
  /// a request for it by name is redirected to the directory ("./").
  std::string index_file = "index.html";
  /// open_file_cache_entries bounds each event loop's cache of open descriptors and their
  /// stat results (least recently used entries go first); 0 turns the cache off, so every
  /// request opens and closes its file.
  std::size_t open_file_cache_entries = 128;
  /// open_file_cache_valid is how long a cached entry is trusted before it is checked
  /// against the file system again with one stat(2); 0 checks on every request.
  std::chrono::milliseconds open_file_cache_valid{1000};
  /// open_file_cache_inactive drops a cached entry (closing its descriptor unless a
  /// response still sends from it) when no request used it for this long (nginx's
  /// open_file_cache inactive=). Together with open_file_cache_valid it bounds how long a
  /// deleted or replaced file stays open: each loop sweeps its cache once per valid
  /// interval (on a timer while the cache holds entries, requests or not), dropping entries
  /// inactive for this long and those whose file changed or is gone.
  std::chrono::milliseconds open_file_cache_inactive{60'000};
  /// spa_fallback serves the root's index file (200) for a missing path whose last segment
  /// has no extension ("/app/settings"), for single-page applications with client-side
  /// routing. Missing paths with an extension ("/app.js") stay 404.
  bool spa_fallback = false;
  /// require_root makes file_server() throw std::system_error (ENOENT) when root_dir does
  /// not exist, for programs whose one job is serving it (nethttp-static fails at startup).
  /// Off: a missing root is a warning and 404s until the directory is created.
  bool require_root = false;
};

/// file_server returns a Handler that serves the files under root_dir (Go: http.FileServer).
///
/// The request path (Request::path(), already percent-decoded) is resolved beneath a
/// descriptor of root_dir opened here, with openat2(RESOLVE_BENEATH) where the kernel has it
/// and a component-by-component O_NOFOLLOW walk otherwise, so no path, encoding or symlink
/// can leave the root: `..` segments and backslashes are a 400, symlinks that lead outside
/// the root (or are absolute) a 404; symlinks that stay inside are followed. Only regular
/// files and directories are served. Methods other than GET and HEAD get 405 with
/// `Allow: GET, HEAD`. Conditional requests and ranges follow RFC 9110 (see serve_content),
/// bodies go out with ResponseWriter::send_file(), and file system errors map to 404
/// (ENOENT, ENOTDIR and refused paths), 403 (EACCES, EPERM) or 500, never with internal
/// detail.
///
/// Redirects (301) are relative, so the handler works below strip_prefix(): a directory
/// without its trailing slash goes to "./NAME/", a file with one to "../NAME", and the index
/// file by name to "./"; the query is kept.
///
/// The returned Handler may be called from every loop at once. Each loop keeps its own
/// open-file cache (see FileServerOptions), and descriptors are shared with in-flight
/// responses, so a file replaced on disk is picked up within open_file_cache_valid while
/// responses already started keep sending the old one.
///
/// A root_dir that does not exist is not an error (as in Go): file_server() logs one warning
/// through default_logger() naming the directory to create, every request gets a 404 until
/// it exists, and the first request after it is created opens it for good (set
/// FileServerOptions::require_root to throw instead). Throws std::system_error if root_dir
/// exists but cannot be opened as a directory (a file, EACCES, ...).
Handler file_server(std::string root_dir, FileServerOptions options = {});

/// serve_file answers r with the file or directory at path, a file system path (relative
/// to the working directory, or absolute) chosen by the caller rather than by the client
/// (Go: http.ServeFile). As a precaution a request whose path has a ".." segment is a 400.
/// A directory is served through its index file (options.index_file) or, if
/// options.list_directories, listed; the redirects, conditional requests, ranges and
/// precompressed siblings work as in file_server(), without the open-file cache. Runs on
/// the calling loop thread; errors become 404, 403 or 500 responses, never exceptions.
void serve_file(ResponseWriter& w, const Request& r, std::string_view path, const FileServerOptions& options = {});

/// serve_content answers r with the bytes of content (a slice of an open file, sent with
/// send_file()), named name for its Content-Type and last modified at modtime (0: unknown),
/// handling conditional requests and ranges (Go: http.ServeContent).
///
/// Headers the caller set win: a Content-Type already in w.headers() is kept (otherwise it
/// comes from name's extension, default application/octet-stream), and an ETag already set
/// is the validator for If-Match, If-None-Match and If-Range. Preconditions are evaluated in
/// RFC 9110 section 13.2.2's order: a failing If-Match or If-Unmodified-Since is a 412, a
/// matching If-None-Match or an unchanged If-Modified-Since a 304 (412 for If-None-Match on
/// methods other than GET and HEAD). For GET and HEAD, a Range (ignored when an If-Range
/// does not match) gives a 206 for one range, a 206 multipart/byteranges for several, and a
/// 416 with `Content-Range: bytes */SIZE` when none can be satisfied; a malformed or abusive
/// Range (more than 16 ranges, ranges adding up to more than the content, more than two
/// overlapping ranges, or more than two ranges out of order) is ignored and the whole
/// content sent. HEAD gets the same headers and no body.
void serve_content(ResponseWriter& w, const Request& r, std::string_view name, std::time_t modtime, FileSlice content);

/// serve_content is the overload for content held in memory; content must stay valid until
/// the call returns (it is copied into the response).
void serve_content(ResponseWriter& w, const Request& r, std::string_view name, std::time_t modtime,
                   std::string_view content);

}  // namespace nethttp
