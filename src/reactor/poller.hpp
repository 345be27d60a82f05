#pragma once
// Poller: the readiness-notification contract every event loop uses. Exactly one backend is
// compiled in, chosen by CMake (libuv style, no vtable): epoll_poller_linux.cpp on Linux,
// kqueue_poller_bsd.cpp on BSD and macOS.

#include <atomic>
#include <cstdint>
#include <span>
#include <system_error>

#include "nethttp/unique_fd.hpp"

namespace nethttp::detail {

/// PollEvent reports readiness for the descriptor registered with token.
struct PollEvent {
  std::uint64_t token = 0;
  bool readable = false;
  bool writable = false;
  bool hangup = false;  ///< error or hang-up; a read will tell which
};

/// Interest selects what to watch. Edge-triggered registrations report each transition to
/// ready once (the owner must read or write until EAGAIN, or remember that it did not);
/// level-triggered ones report for as long as the descriptor stays ready.
struct Interest {
  bool read = false;
  bool write = false;
  bool edge = false;
};

/// Poller wraps one epoll or kqueue instance. Owned by one EventLoop; not thread-safe.
class Poller {
 public:
  Poller();  ///< throws std::system_error if the kernel object cannot be created
  Poller(const Poller&) = delete;
  Poller& operator=(const Poller&) = delete;

  std::error_code add(int fd, std::uint64_t token, Interest interest);
  std::error_code modify(int fd, std::uint64_t token, Interest interest);
  /// remove stops watching fd. Closing fd also removes it; call this first when the
  /// descriptor may be shared (dup'ed) or stays open.
  void remove(int fd) noexcept;
  /// wait blocks up to timeout_ms (-1: forever) and fills out; returns how many events
  /// arrived (0 on timeout or EINTR), or -1 with ec set if the kernel refused (the poller is
  /// then unusable: EBADF, EINVAL, ENOMEM...).
  int wait(std::span<PollEvent> out, int timeout_ms, std::error_code& ec) noexcept;

 private:
  UniqueFd fd_;
};

/// poll_fault is test-only fault injection: when non-zero, the next Poller::wait on any loop
/// fails with this errno instead of polling (and resets it to 0). An unused hook costs one
/// relaxed load per wait, not per request. See fail_next_poll().
extern std::atomic<int> poll_fault;

/// fail_next_poll makes the next Poller::wait on any loop fail with err (tests only).
inline void fail_next_poll(int err) noexcept { poll_fault.store(err, std::memory_order_relaxed); }

/// take_poll_fault returns and clears an injected fault, 0 if none (the backends' wait).
inline int take_poll_fault() noexcept {
  if (poll_fault.load(std::memory_order_relaxed) == 0) [[likely]]
    return 0;
  return poll_fault.exchange(0);
}

}  // namespace nethttp::detail
