#pragma once
// OpenFileCache: per-loop cache of open descriptors and their stat results, so a hot file
// costs no open(2)/close(2) per request (nginx's open_file_cache).

#include <sys/stat.h>

#include <chrono>
#include <cstddef>
#include <list>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include "nethttp/unique_fd.hpp"

namespace nethttp::detail {

/// OpenedFile is a file opened beneath a root: its descriptor (shared with in-flight
/// responses, which keep it open) and fstat(2) result, or the errno of the failure. A
/// non-regular, non-directory file comes back with its stat and no descriptor.
struct OpenedFile {
  std::shared_ptr<const UniqueFd> fd;
  struct stat st {};
  int error = 0;
  [[nodiscard]] bool ok() const noexcept { return error == 0; }
  [[nodiscard]] bool is_regular() const noexcept { return ok() && S_ISREG(st.st_mode); }
  [[nodiscard]] bool is_directory() const noexcept { return ok() && S_ISDIR(st.st_mode); }
};

/// open_file opens relative beneath root_fd (see open_beneath) and fstats it. Devices,
/// FIFOs and sockets are closed at once and returned without a descriptor.
OpenedFile open_file(int root_fd, std::string_view relative);

/// open_plain_file opens path as the file system resolves it (relative to the working
/// directory, symlinks followed), for serve_file(), with the same type rules as open_file.
OpenedFile open_plain_file(const std::string& path);

/// OpenFileCache maps relative paths beneath one root to OpenedFiles, least recently used
/// first out. Entries older than valid are checked with one fstatat(2) and reopened when
/// the file changed (identity, size, mtime or type); failures that describe the tree
/// (ENOENT, ENOTDIR, EXDEV, ELOOP) are cached too, so missing precompressed siblings cost
/// nothing, while transient ones (EMFILE, ...) are not. Not thread-safe: one per loop.
///
/// So that a deleted or replaced file is not held open for long (nginx's open_file_cache
/// inactive= and open_file_cache_valid), the whole cache is swept every valid interval (1 s
/// when valid is 0): entries unused for inactive are dropped, and the others not checked
/// within valid are checked, and dropped if their file changed or went away. A get() sweeps
/// first when a sweep is due; on an event loop's thread, loop_cache() also arms a loop timer
/// that sweeps while the cache holds entries, so an idle loop lets a deleted file go within
/// two valid intervals (plus inactive for entries a response still sends from).
class OpenFileCache {
 public:
  using Clock = std::chrono::steady_clock;

  OpenFileCache(std::size_t capacity, std::chrono::milliseconds valid,
                std::chrono::milliseconds inactive = std::chrono::seconds(60));
  /// get returns the file at relative beneath root_fd, from the cache when still valid.
  OpenedFile get(int root_fd, const std::string& relative, Clock::time_point now);
  /// size is the number of cached entries.
  [[nodiscard]] std::size_t size() const noexcept { return lru_.size(); }
  /// sweep drops the entries that are inactive, changed or gone (see above), beneath the
  /// root of the last get(). The root's owner must still be alive.
  void sweep(Clock::time_point now);
  /// sweep_interval is how often sweep() is due: valid, or 1 s when valid is 0.
  [[nodiscard]] std::chrono::milliseconds sweep_interval() const noexcept;

 private:
  struct Entry {
    std::string key;
    OpenedFile file;
    Clock::time_point checked;  // last opened or found unchanged
    Clock::time_point used;     // last handed out
  };
  /// unchanged checks e against the file system with one fstatat(2).
  static bool unchanged(int root_fd, const Entry& e);

  std::size_t capacity_;
  std::chrono::milliseconds valid_;
  std::chrono::milliseconds inactive_;
  Clock::time_point next_sweep_{};
  int root_fd_ = -1;      // the root of the last get(); entries live beneath it
  std::list<Entry> lru_;  // most recently used first
  std::unordered_map<std::string_view, std::list<Entry>::iterator> index_;  // keys view lru_'s strings
};

/// loop_cache returns the calling thread's cache for the file server identified by owner,
/// creating it on first use. Caches of owners that have been destroyed are dropped (and
/// their descriptors closed) on the next call or sweep on that thread, or when the thread
/// exits. Called on an event loop's thread (EventLoop::current()), it arms one timer on that
/// loop that sweeps all of the thread's caches every sweep_interval() and re-arms itself
/// only while some cache holds entries: a loop with empty caches has no timer.
OpenFileCache& loop_cache(const std::shared_ptr<const void>& owner, std::size_t capacity,
                          std::chrono::milliseconds valid,
                          std::chrono::milliseconds inactive = std::chrono::seconds(60));

}  // namespace nethttp::detail
