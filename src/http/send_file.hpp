#pragma once
// send_file_range: one sendfile(2) call from a file to a socket, with the platform's
// quirks handled in send_file_linux.cpp / send_file_bsd.cpp.

#include <cstddef>
#include <cstdint>

namespace nethttp::detail {

enum class SendFileStatus {
  ok,           ///< sent some bytes (possibly fewer than asked)
  would_block,  ///< the socket is full (sent may still be > 0)
  truncated,    ///< the file ended early: someone truncated it (nginx's wording)
  failed,       ///< the peer is gone or the file cannot be read
};

SendFileStatus send_file_range(int socket_fd, int file_fd, std::uint64_t offset, std::size_t length,
                               std::size_t& sent) noexcept;

}  // namespace nethttp::detail
