// BSD/macOS backend of Poller: one kqueue. NOTE: this file cannot be built or tested on
// this project's Linux CI machines; it is written against the same contract as
// epoll_poller_linux.cpp and compiled only where <sys/event.h> exists (CMake selects it).
// Read and write interest are two filters; EV_CLEAR gives edge-triggered behaviour.
#include <sys/event.h>
#include <sys/time.h>

#include <cerrno>

#include "reactor/poller.hpp"

namespace nethttp::detail {

namespace {
std::error_code apply(int kq, int fd, std::uint64_t token, Interest interest) {
  struct kevent changes[2];
  unsigned short flags_common = EV_ADD | (interest.edge ? EV_CLEAR : 0);
  void* udata = reinterpret_cast<void*>(static_cast<std::uintptr_t>(token));
  EV_SET(&changes[0], fd, EVFILT_READ, interest.read ? flags_common | EV_ENABLE : EV_ADD | EV_DISABLE, 0, 0, udata);
  EV_SET(&changes[1], fd, EVFILT_WRITE, interest.write ? flags_common | EV_ENABLE : EV_ADD | EV_DISABLE, 0, 0, udata);
  while (::kevent(kq, changes, 2, nullptr, 0, nullptr) != 0) {
    if (errno != EINTR) return {errno, std::system_category()};
  }
  return {};
}
}  // namespace

Poller::Poller() : fd_(::kqueue()) {
  if (!fd_) throw std::system_error(errno, std::system_category(), "kqueue");
}

std::error_code Poller::add(int fd, std::uint64_t token, Interest interest) {
  return apply(fd_.get(), fd, token, interest);
}

std::error_code Poller::modify(int fd, std::uint64_t token, Interest interest) {
  return apply(fd_.get(), fd, token, interest);
}

void Poller::remove(int fd) noexcept {
  struct kevent changes[2];
  EV_SET(&changes[0], fd, EVFILT_READ, EV_DELETE, 0, 0, nullptr);
  EV_SET(&changes[1], fd, EVFILT_WRITE, EV_DELETE, 0, 0, nullptr);
  ::kevent(fd_.get(), changes, 2, nullptr, 0, nullptr);
}

int Poller::wait(std::span<PollEvent> out, int timeout_ms, std::error_code& ec) noexcept {
  constexpr int kMax = 256;
  struct kevent events[kMax];
  if (int err = take_poll_fault()) [[unlikely]] {
    ec.assign(err, std::system_category());
    return -1;
  }
  timespec ts{timeout_ms / 1000, (timeout_ms % 1000) * 1000000L};
  int max = static_cast<int>(out.size() < kMax ? out.size() : kMax);
  int n = ::kevent(fd_.get(), nullptr, 0, events, max, timeout_ms < 0 ? nullptr : &ts);
  if (n < 0) {
    if (errno == EINTR) return 0;
    ec.assign(errno, std::system_category());
    return -1;
  }
  for (int i = 0; i < n; ++i) {
    const struct kevent& e = events[i];
    out[static_cast<std::size_t>(i)] = PollEvent{
        static_cast<std::uint64_t>(reinterpret_cast<std::uintptr_t>(e.udata)),
        e.filter == EVFILT_READ,
        e.filter == EVFILT_WRITE,
        (e.flags & (EV_EOF | EV_ERROR)) != 0,
    };
  }
  return n;
}

}  // namespace nethttp::detail
