// Path safety. Two layers, so one bug does not open the file system:
//
// 1. clean_request_path() refuses anything suspicious in the decoded request path ("..",
//    backslashes, NUL) and hides dotfiles. The core already rejects bad %XX escapes and
//    decoded NULs, so "%2e%2e" and "..%2f" arrive here as ".." and "../" and are refused.
// 2. open_beneath() resolves beneath a directory descriptor, never by string concatenation
//    with the root's path. On Linux >= 5.6 the kernel does it: openat2 with RESOLVE_BENEATH
//    fails with EXDEV on any ".." or symlink that would leave the root, and on absolute
//    symlinks; RESOLVE_NO_MAGICLINKS refuses /proc-style links. Elsewhere (older kernels,
//    BSD) the walk opens one component at a time with O_NOFOLLOW; when a component is a
//    symlink it reads the link and splices its target into the remaining components, with
//    ".." popping a stack of directory descriptors that can never pop past the root. That
//    is the same rule RESOLVE_BENEATH applies, so symlinks inside the root work with both.

#include "fs/safe_path.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cerrno>
#include <deque>
#include <vector>

#if defined(__linux__)
#include <linux/openat2.h>
#include <sys/syscall.h>
#endif

namespace nethttp::detail {

namespace {

constexpr int kMaxSymlinks = 40;  // Linux's MAXSYMLINKS
constexpr int kOpenat2Retries = 4;

#if defined(O_PATH)
constexpr int kDirWalkFlags = O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC;
#else
constexpr int kDirWalkFlags = O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC;
#endif

// 0 = not probed, 1 = available, -1 = not available.
std::atomic<int> g_openat2_state{0};

void split_into(std::string_view path, std::deque<std::string>& out, bool front) {
  std::vector<std::string> parts;
  while (!path.empty()) {
    std::size_t slash = path.find('/');
    std::string_view seg = path.substr(0, slash);
    if (!seg.empty() && seg != ".") parts.emplace_back(seg);
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  if (front) {
    out.insert(out.begin(), parts.begin(), parts.end());
  } else {
    out.insert(out.end(), parts.begin(), parts.end());
  }
}

#if defined(__linux__) && defined(SYS_openat2)
OpenResult open_with_openat2(int root_fd, std::string_view relative, int flags) {
  std::string path(relative.empty() ? std::string_view(".") : relative);
  open_how how{};
  how.flags = static_cast<decltype(how.flags)>(flags | O_CLOEXEC);
  how.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;
  for (int attempt = 0;; ++attempt) {
    OpenResult r;
    r.fd.reset(static_cast<int>(::syscall(SYS_openat2, root_fd, path.c_str(), &how, sizeof how)));
    if (r.fd) return r;
    r.error = errno;
    // EAGAIN: a concurrent rename or mount raced the lookup; the kernel asks us to retry.
    if (r.error == EINTR || (r.error == EAGAIN && attempt < kOpenat2Retries)) continue;
    if (r.error == ENOSYS) g_openat2_state.store(-1, std::memory_order_relaxed);
    return r;
  }
}
#else
OpenResult open_with_openat2(int, std::string_view, int) {
  OpenResult r;
  r.error = ENOSYS;
  return r;
}
#endif

}  // namespace

OpenResult open_at(int dir, const char* name, int flags) {
  OpenResult r;
  for (;;) {
    r.fd.reset(::openat(dir, name, flags));
    if (r.fd) return r;
    if (errno != EINTR) break;
  }
  r.error = errno;
  return r;
}

namespace {

// read_link returns the target of the symlink name in dir_fd, or sets error (EINVAL when
// name is not a symlink).
bool read_link(int dir_fd, const std::string& name, std::string& target, int& error) {
  std::array<char, 4096> buf{};
  ssize_t n = ::readlinkat(dir_fd, name.c_str(), buf.data(), buf.size());
  if (n < 0) {
    error = errno;
    return false;
  }
  if (static_cast<std::size_t>(n) >= buf.size()) {
    error = ENAMETOOLONG;
    return false;
  }
  target.assign(buf.data(), static_cast<std::size_t>(n));
  return true;
}

OpenResult open_with_walk(int root_fd, std::string_view relative, int flags) {
  if (relative.starts_with('/')) {  // absolute: refused, as RESOLVE_BENEATH does
    OpenResult r;
    r.error = EXDEV;
    return r;
  }
  std::deque<std::string> todo;
  split_into(relative, todo, false);
  // dirs holds the directories entered below the root; the root itself is borrowed and
  // stands at depth 0, so ".." at depth 0 is an escape.
  std::vector<UniqueFd> dirs;
  auto current = [&] { return dirs.empty() ? root_fd : dirs.back().get(); };
  int links = 0;
  OpenResult r;

  if (todo.empty()) return open_at(root_fd, ".", flags | O_CLOEXEC);  // the root itself

  while (!todo.empty()) {
    std::string name = std::move(todo.front());
    todo.pop_front();
    if (name == "..") {
      if (dirs.empty()) {
        r.error = EXDEV;
        return r;
      }
      dirs.pop_back();
      // A path ending in ".." names the directory we are back in.
      if (todo.empty()) return open_at(current(), ".", flags | O_CLOEXEC);
      continue;
    }
    bool last = todo.empty();
    int open_flags = last ? (flags | O_NOFOLLOW | O_CLOEXEC) : kDirWalkFlags;
    OpenResult opened = open_at(current(), name.c_str(), open_flags);
    if (opened.fd) {
      if (last) return opened;
      dirs.push_back(std::move(opened.fd));
      continue;
    }
    int err = opened.error;
    // A symlink shows up as ELOOP (O_NOFOLLOW), ENOTDIR (O_PATH|O_DIRECTORY opened on the
    // link itself) or EMLINK (FreeBSD's O_NOFOLLOW). Read it to tell links from real errors.
    if (err == ELOOP || err == ENOTDIR || err == EMLINK) {
      std::string target;
      int link_error = 0;
      if (read_link(current(), name, target, link_error)) {
        if (++links > kMaxSymlinks) {
          r.error = ELOOP;
          return r;
        }
        if (target.empty()) {
          r.error = ENOENT;
          return r;
        }
        if (target.front() == '/') {  // absolute: refused, as RESOLVE_BENEATH does
          r.error = EXDEV;
          return r;
        }
        split_into(target, todo, true);
        if (todo.empty()) return open_at(current(), ".", flags | O_CLOEXEC);  // a link to "." or "./"
        continue;
      }
      if (link_error != EINVAL) err = link_error;
    }
    r.error = err;
    return r;
  }
  r.error = ENOENT;  // unreachable: the loop returns on its last component
  return r;
}

}  // namespace

int open_file_flags() noexcept { return O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC; }

CleanPath clean_request_path(std::string_view path, bool allow_dotfiles, bool allow_well_known) {
  CleanPath out;
  bool first = true;
  std::string_view rest = path;
  while (true) {
    std::size_t slash = rest.find('/');
    std::string_view seg = rest.substr(0, slash);
    if (seg.find('\\') != std::string_view::npos || seg.find('\0') != std::string_view::npos || seg == "..") {
      out.verdict = PathVerdict::bad_request;
      out.relative.clear();
      return out;
    }
    if (!seg.empty() && seg != ".") {
      if (seg.front() == '.' && !allow_dotfiles && !(first && allow_well_known && seg == ".well-known")) {
        out.verdict = PathVerdict::hidden;  // keep scanning: a later ".." is still a 400
      }
      if (!out.relative.empty()) out.relative += '/';
      out.relative += seg;
      first = false;
    }
    if (slash == std::string_view::npos) break;
    rest.remove_prefix(slash + 1);
  }
  if (out.verdict != PathVerdict::ok) {
    out.relative.clear();
  } else if (out.relative.empty()) {
    out.relative = ".";
  }
  return out;
}

bool openat2_supported() noexcept {
  int state = g_openat2_state.load(std::memory_order_relaxed);
  if (state != 0) return state > 0;
#if defined(__linux__) && defined(SYS_openat2)
  // Probe with a harmless call: "." beneath the root directory.
  UniqueFd root(::open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  open_how how{};
  how.flags = O_RDONLY | O_DIRECTORY | O_CLOEXEC;
  how.resolve = RESOLVE_BENEATH;
  UniqueFd probe(static_cast<int>(::syscall(SYS_openat2, root.get(), ".", &how, sizeof how)));
  state = (probe || errno != ENOSYS) ? 1 : -1;
#else
  state = -1;
#endif
  g_openat2_state.store(state, std::memory_order_relaxed);
  return state > 0;
}

OpenResult open_beneath(int root_fd, std::string_view relative, int flags, OpenMethod method) {
  switch (method) {
    case OpenMethod::openat2: return open_with_openat2(root_fd, relative, flags);
    case OpenMethod::walk: return open_with_walk(root_fd, relative, flags);
    case OpenMethod::automatic: break;
  }
  if (openat2_supported()) {
    OpenResult r = open_with_openat2(root_fd, relative, flags);
    if (r.error != ENOSYS) return r;
  }
  return open_with_walk(root_fd, relative, flags);
}

}  // namespace nethttp::detail
