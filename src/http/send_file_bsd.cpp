// BSD/macOS send_file_range. NOTE: not built on this project's Linux CI. FreeBSD's
// sendfile(fd, s, offset, nbytes, hdtr, &sbytes, flags) and macOS's
// sendfile(fd, s, offset, &len, hdtr, flags) report partial progress on EAGAIN.
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/uio.h>

#include <cerrno>

#include "http/send_file.hpp"

namespace nethttp::detail {

SendFileStatus send_file_range(int socket_fd, int file_fd, std::uint64_t offset, std::size_t length,
                               std::size_t& sent) noexcept {
  sent = 0;
  for (;;) {
#if defined(__APPLE__)
    off_t len = static_cast<off_t>(length);
    int rc = ::sendfile(file_fd, socket_fd, static_cast<off_t>(offset), &len, nullptr, 0);
    off_t done = len;
#else
    off_t done = 0;
    int rc = ::sendfile(file_fd, socket_fd, static_cast<off_t>(offset), length, nullptr, &done, 0);
#endif
    sent = static_cast<std::size_t>(done);
    if (rc == 0) return (done == 0 && length > 0) ? SendFileStatus::truncated : SendFileStatus::ok;
    if (errno == EINTR && done == 0) continue;
    if (errno == EAGAIN || errno == EINTR) return SendFileStatus::would_block;
    return SendFileStatus::failed;
  }
}

}  // namespace nethttp::detail
