// BSD/macOS Wakeup: a non-blocking self-pipe. NOTE: not built on this project's Linux CI.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>

#include "reactor/wakeup.hpp"

namespace nethttp::detail {

Wakeup::Wakeup() {
  int fds[2];
  if (::pipe(fds) != 0) throw std::system_error(errno, std::system_category(), "pipe");
  read_.reset(fds[0]);
  write_.reset(fds[1]);
  for (int fd : fds) {
    ::fcntl(fd, F_SETFD, FD_CLOEXEC);
    ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
  }
}

void Wakeup::notify() noexcept {
  char b = 1;
  while (::write(write_.get(), &b, 1) < 0 && errno == EINTR) {}
}

void Wakeup::drain() noexcept {
  char buf[64];
  while (::read(read_.get(), buf, sizeof buf) > 0) {}
}

}  // namespace nethttp::detail
