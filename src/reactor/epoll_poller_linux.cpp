// Linux backend of Poller: one epoll instance. The event's u64 is the owner's token, so
// nothing is looked up by descriptor.
#include <sys/epoll.h>

#include <cerrno>

#include "reactor/poller.hpp"

namespace nethttp::detail {

namespace {
std::uint32_t to_epoll(Interest i) noexcept {
  std::uint32_t ev = EPOLLRDHUP;
  if (i.read) ev |= EPOLLIN;
  if (i.write) ev |= EPOLLOUT;
  if (i.edge) ev |= EPOLLET;
  return ev;
}

std::error_code ctl(int epfd, int op, int fd, std::uint64_t token, Interest interest) {
  epoll_event ev{};
  ev.events = to_epoll(interest);
  ev.data.u64 = token;
  while (::epoll_ctl(epfd, op, fd, &ev) != 0) {
    if (errno != EINTR) return {errno, std::system_category()};
  }
  return {};
}
}  // namespace

Poller::Poller() : fd_(::epoll_create1(EPOLL_CLOEXEC)) {
  if (!fd_) throw std::system_error(errno, std::system_category(), "epoll_create1");
}

std::error_code Poller::add(int fd, std::uint64_t token, Interest interest) {
  return ctl(fd_.get(), EPOLL_CTL_ADD, fd, token, interest);
}

std::error_code Poller::modify(int fd, std::uint64_t token, Interest interest) {
  return ctl(fd_.get(), EPOLL_CTL_MOD, fd, token, interest);
}

void Poller::remove(int fd) noexcept {
  epoll_event ev{};  // non-null for kernels before 2.6.9
  ::epoll_ctl(fd_.get(), EPOLL_CTL_DEL, fd, &ev);
}

int Poller::wait(std::span<PollEvent> out, int timeout_ms, std::error_code& ec) noexcept {
  constexpr int kMax = 256;
  epoll_event events[kMax];
  if (int err = take_poll_fault()) [[unlikely]] {
    ec.assign(err, std::system_category());
    return -1;
  }
  int max = static_cast<int>(out.size() < kMax ? out.size() : kMax);
  int n = ::epoll_wait(fd_.get(), events, max, timeout_ms);
  if (n < 0) {
    if (errno == EINTR) return 0;
    ec.assign(errno, std::system_category());
    return -1;
  }
  for (int i = 0; i < n; ++i) {
    const std::uint32_t e = events[i].events;
    out[static_cast<std::size_t>(i)] = PollEvent{
        events[i].data.u64,
        (e & (EPOLLIN | EPOLLRDHUP)) != 0,
        (e & EPOLLOUT) != 0,
        (e & (EPOLLERR | EPOLLHUP)) != 0,
    };
  }
  return n;
}

}  // namespace nethttp::detail
