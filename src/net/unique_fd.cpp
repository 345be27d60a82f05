#include "nethttp/unique_fd.hpp"

#include <unistd.h>

namespace nethttp {

void UniqueFd::reset(int fd) noexcept {
  if (fd_ >= 0 && fd_ != fd) {
    // close(2) must not be retried on EINTR on Linux: the descriptor is gone either way.
    ::close(fd_);
  }
  fd_ = fd;
}

}  // namespace nethttp
