#include <sys/sendfile.h>

#include <cerrno>

#include "http/send_file.hpp"

namespace nethttp::detail {

SendFileStatus send_file_range(int socket_fd, int file_fd, std::uint64_t offset, std::size_t length,
                               std::size_t& sent) noexcept {
  sent = 0;
  auto off = static_cast<off_t>(offset);
  for (;;) {
    ssize_t n = ::sendfile(socket_fd, file_fd, &off, length);
    if (n > 0) {
      sent = static_cast<std::size_t>(n);
      return SendFileStatus::ok;
    }
    if (n == 0) return length == 0 ? SendFileStatus::ok : SendFileStatus::truncated;
    if (errno == EINTR) continue;
    if (errno == EAGAIN) return SendFileStatus::would_block;
    return SendFileStatus::failed;
  }
}

}  // namespace nethttp::detail
