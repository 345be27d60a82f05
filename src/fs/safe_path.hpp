#pragma once
// Request paths to file system paths, and opening files beneath a root directory without
// ever leaving it.

#include <string>
#include <string_view>

#include "nethttp/unique_fd.hpp"

namespace nethttp::detail {

/// PathVerdict classifies a request path for the file server.
enum class PathVerdict {
  ok,           ///< relative holds the path to open
  bad_request,  ///< a ".." segment, a backslash or a NUL byte: 400
  hidden,       ///< a segment starting with '.' while dotfiles are hidden: 404
};

/// CleanPath is a request path made safe to open beneath a root.
struct CleanPath {
  PathVerdict verdict = PathVerdict::ok;
  /// relative is the path beneath the root: segments joined by '/', without empty or "."
  /// segments; "." for the root itself. Never absolute, never containing "..".
  std::string relative;
};

/// clean_request_path checks a decoded request path (Request::path()). It rejects rather
/// than resolves "..": a client has no business sending one and Go's ServeFile does the
/// same. Backslashes are rejected too, since some file systems and tools treat them as
/// separators. Dotfile segments are hidden unless allow_dotfiles; when allow_well_known, a
/// first segment ".well-known" (RFC 8615) is not a dotfile.
CleanPath clean_request_path(std::string_view path, bool allow_dotfiles, bool allow_well_known);

/// OpenMethod chooses how open_beneath resolves a path (tests force each one).
enum class OpenMethod {
  automatic,  ///< openat2 when the kernel has it, else walk
  openat2,    ///< openat2(RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS); ENOSYS if unavailable
  walk,       ///< component by component with O_NOFOLLOW, symlinks resolved by hand
};

/// OpenResult is an opened descriptor, or the errno that prevented it (fd invalid).
struct OpenResult {
  UniqueFd fd;
  int error = 0;
};

/// open_at is openat(2) retried on EINTR: the descriptor, or the errno that prevented it.
/// dir may be AT_FDCWD, for a path as the file system resolves it.
OpenResult open_at(int dir, const char* name, int flags);

/// kOpenFileFlags opens files to serve: read-only, close-on-exec, and non-blocking so that
/// a FIFO planted in the tree cannot block the event loop in open(2) (nginx does the same);
/// non-regular files are refused after fstat(2).
int open_file_flags() noexcept;

/// open_beneath opens relative (no leading '/') beneath the directory root_fd with flags,
/// following symlinks only while they stay beneath root_fd. An escape attempt (a ".."
/// above the root, an absolute symlink, a magic link) fails with EXDEV or ELOOP; more than
/// 40 symlinks with ELOOP. Both methods give the same answers: openat2's RESOLVE_BENEATH
/// semantics are what the walk reproduces in user space. Retries EINTR and openat2's EAGAIN.
OpenResult open_beneath(int root_fd, std::string_view relative, int flags, OpenMethod method = OpenMethod::automatic);

/// openat2_supported reports whether the running kernel has openat2(2) (probed once).
bool openat2_supported() noexcept;

}  // namespace nethttp::detail
