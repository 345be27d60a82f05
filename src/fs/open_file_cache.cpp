// The cache is per thread because event loops are threads (shared-nothing, STYLE.md 7): no
// lock on the hot path. Descriptors are shared_ptr<const UniqueFd>, so evicting or
// replacing an entry never closes a descriptor a response is still sending from.

#include "fs/open_file_cache.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <utility>
#include <vector>

#include "fs/safe_path.hpp"
#include "reactor/event_loop.hpp"

namespace nethttp::detail {

namespace {

bool cacheable_error(int e) noexcept { return e == ENOENT || e == ENOTDIR || e == EXDEV || e == ELOOP; }

bool same_file(const struct stat& a, const struct stat& b) noexcept {
  return a.st_dev == b.st_dev && a.st_ino == b.st_ino && a.st_size == b.st_size &&
         a.st_mtim.tv_sec == b.st_mtim.tv_sec && a.st_mtim.tv_nsec == b.st_mtim.tv_nsec &&
         (a.st_mode & S_IFMT) == (b.st_mode & S_IFMT);
}

}  // namespace

namespace {

OpenedFile from_open_result(OpenResult r) {
  OpenedFile out;
  if (!r.fd) {
    out.error = r.error;
    return out;
  }
  if (::fstat(r.fd.get(), &out.st) != 0) {
    out.error = errno;
    return out;
  }
  if (S_ISREG(out.st.st_mode) || S_ISDIR(out.st.st_mode)) {
    out.fd = std::make_shared<const UniqueFd>(std::move(r.fd));
  }
  return out;
}

}  // namespace

OpenedFile open_file(int root_fd, std::string_view relative) {
  return from_open_result(open_beneath(root_fd, relative, open_file_flags()));
}

OpenedFile open_plain_file(const std::string& path) {
  return from_open_result(open_at(AT_FDCWD, path.c_str(), open_file_flags()));
}

OpenFileCache::OpenFileCache(std::size_t capacity, std::chrono::milliseconds valid, std::chrono::milliseconds inactive)
    : capacity_(capacity), valid_(valid), inactive_(inactive) {}

bool OpenFileCache::unchanged(int root_fd, const Entry& e) {
  // One stat through the path. Following symlinks here is harmless: the result is only
  // compared, and any change reopens through open_beneath.
  struct stat st {};
  const int rc = ::fstatat(root_fd, e.key.c_str(), &st, 0);
  return e.file.ok() ? (rc == 0 && same_file(st, e.file.st)) : (rc != 0 && errno == e.file.error);
}

std::chrono::milliseconds OpenFileCache::sweep_interval() const noexcept {
  return valid_.count() > 0 ? valid_ : std::chrono::milliseconds(1000);
}

void OpenFileCache::sweep(Clock::time_point now) {
  next_sweep_ = now + sweep_interval();
  for (auto it = lru_.begin(); it != lru_.end();) {
    Entry& e = *it;
    bool keep = now - e.used < inactive_;
    if (keep && now - e.checked >= valid_) {
      keep = unchanged(root_fd_, e);
      if (keep) e.checked = now;
    }
    if (keep) {
      ++it;
    } else {
      index_.erase(e.key);
      it = lru_.erase(it);
    }
  }
}

OpenedFile OpenFileCache::get(int root_fd, const std::string& relative, Clock::time_point now) {
  root_fd_ = root_fd;
  if (now >= next_sweep_) sweep(now);
  auto it = index_.find(relative);
  if (it != index_.end()) {
    Entry& e = *it->second;
    lru_.splice(lru_.begin(), lru_, it->second);
    e.used = now;
    if (now - e.checked < valid_) return e.file;
    if (unchanged(root_fd, e)) {
      e.checked = now;
      return e.file;
    }
    OpenedFile fresh = open_file(root_fd, relative);
    if (fresh.ok() || cacheable_error(fresh.error)) {
      e.file = fresh;
      e.checked = now;
    } else {
      index_.erase(it);
      lru_.pop_front();
    }
    return fresh;
  }

  OpenedFile fresh = open_file(root_fd, relative);
  if (capacity_ == 0 || !(fresh.ok() || cacheable_error(fresh.error))) return fresh;
  if (lru_.size() >= capacity_) {
    index_.erase(lru_.back().key);
    lru_.pop_back();
  }
  lru_.push_front(Entry{relative, fresh, now, now});
  index_.emplace(lru_.front().key, lru_.begin());
  return fresh;
}

namespace {

// ThreadCaches are one thread's caches, one per live file server that served on it.
struct ThreadCaches {
  struct Slot {
    std::weak_ptr<const void> owner;
    const void* key;
    std::unique_ptr<OpenFileCache> cache;
  };
  std::vector<Slot> slots;
  std::uint64_t armed_loop = 0;  // id of the loop whose timer sweeps these caches; 0: none
};

thread_local ThreadCaches caches;

void arm_sweep(EventLoop& loop, std::chrono::milliseconds after);

// sweep_thread_caches is the loop timer: it drops the caches of destroyed file servers,
// sweeps the others, and comes back while any of them holds entries.
void sweep_thread_caches() {
  caches.armed_loop = 0;
  std::erase_if(caches.slots, [](const ThreadCaches::Slot& s) { return s.owner.expired(); });
  const auto now = OpenFileCache::Clock::now();
  std::chrono::milliseconds next = std::chrono::milliseconds::max();
  for (ThreadCaches::Slot& s : caches.slots) {
    const std::shared_ptr<const void> alive = s.owner.lock();  // keeps the root open meanwhile
    if (!alive) continue;                                      // dropped by the next call
    s.cache->sweep(now);
    if (s.cache->size() > 0) next = std::min(next, s.cache->sweep_interval());
  }
  EventLoop* loop = EventLoop::current();
  if (loop != nullptr && next != std::chrono::milliseconds::max()) arm_sweep(*loop, next);
}

void arm_sweep(EventLoop& loop, std::chrono::milliseconds after) {
  caches.armed_loop = loop.id();
  loop.run_after(after.count(), [] { sweep_thread_caches(); });
}

}  // namespace

OpenFileCache& loop_cache(const std::shared_ptr<const void>& owner, std::size_t capacity,
                          std::chrono::milliseconds valid, std::chrono::milliseconds inactive) {
  std::erase_if(caches.slots, [](const ThreadCaches::Slot& s) { return s.owner.expired(); });
  OpenFileCache* cache = nullptr;
  for (ThreadCaches::Slot& s : caches.slots) {
    if (s.key == owner.get()) cache = s.cache.get();
  }
  if (cache == nullptr) {
    caches.slots.push_back(
        ThreadCaches::Slot{owner, owner.get(), std::make_unique<OpenFileCache>(capacity, valid, inactive)});
    cache = caches.slots.back().cache.get();
  }
  EventLoop* loop = EventLoop::current();
  if (loop != nullptr && caches.armed_loop != loop->id()) arm_sweep(*loop, cache->sweep_interval());
  return *cache;
}

}  // namespace nethttp::detail
