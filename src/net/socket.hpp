#pragma once
// Socket helpers: address parsing and formatting, listening sockets, accept. Every call
// retries EINTR itself; EAGAIN is reported as a state, never as a failure.

#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/types.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "nethttp/unique_fd.hpp"

namespace nethttp::detail {

/// SocketAddress holds an IPv4 or IPv6 address and port.
struct SocketAddress {
  sockaddr_storage storage{};
  socklen_t length = 0;

  [[nodiscard]] int family() const noexcept { return storage.ss_family; }
  [[nodiscard]] const sockaddr* get() const noexcept { return reinterpret_cast<const sockaddr*>(&storage); }
  [[nodiscard]] std::uint16_t port() const noexcept;
  /// to_string formats "1.2.3.4:80" or "[::1]:80".
  [[nodiscard]] std::string to_string() const;
};

/// format_address writes "ip:port" for a raw sockaddr into out (cleared first).
void format_address(const sockaddr* sa, std::string& out);

/// resolve_listen_address parses "HOST:PORT", ":PORT", "[v6]:PORT" or "PORT". An empty host
/// means every address: [::] with IPv4 mapped in when the machine has IPv6, else 0.0.0.0.
/// Host names are resolved with getaddrinfo (blocking; startup only).
std::error_code resolve_listen_address(std::string_view spec, std::vector<SocketAddress>& out);

/// SocketBuffers are the SO_SNDBUF and SO_RCVBUF sizes for a listening socket to pass on to
/// the connections it accepts (ServerConfig::send_buffer_bytes, receive_buffer_bytes); 0
/// leaves the kernel's default.
struct SocketBuffers {
  int send = 0;
  int receive = 0;
};

/// set_socket_buffers sets the non-zero sizes of buffers on fd (SO_SNDBUF, SO_RCVBUF). On a
/// listening TCP socket they pass to every connection it accepts from then on (Linux and BSD
/// copy them when the connection is created). A Unix domain socket is left alone, since
/// Linux does not pass them on there. A negative size is invalid_argument (the caller checks
/// the upper bound, nethttp::kMaxSocketBufferBytes); other errors are getsockname's and
/// setsockopt's.
std::error_code set_socket_buffers(int fd, const SocketBuffers& buffers);

struct ListenOptions {
  int backlog = 4096;
  bool reuse_port = false;
  SocketBuffers buffers;  ///< set before listen(2), so the first connection already has them
};

/// listen_tcp creates a non-blocking, close-on-exec listening socket bound to addr.
std::error_code listen_tcp(const SocketAddress& addr, const ListenOptions& options, UniqueFd& out);

/// probe_exclusive_bind checks that no other socket listens on addr by binding a throwaway
/// socket to it without SO_REUSEPORT (SO_REUSEADDR on, so TIME_WAIT does not count). Returns
/// address_in_use when another program (nethttp or not) holds the port; see listen() in
/// src/server/server.cpp for why.
std::error_code probe_exclusive_bind(const SocketAddress& addr);

/// UnixListenOptions: how a Unix domain socket file is created.
struct UnixListenOptions {
  int backlog = 4096;
  unsigned mode = 0;  ///< non-zero: chmod the socket file to it (0660, say)
};

/// UnixSocketFile identifies the file a Unix listener created, so that it is removed on
/// close only if it is still that file (not one a successor created in its place).
struct UnixSocketFile {
  std::string path;
  dev_t dev = 0;
  ino_t ino = 0;
  /// remove_if_ours unlinks path when it is still the same file. Never throws.
  void remove_if_ours() const noexcept;
};

/// listen_unix creates a non-blocking, close-on-exec listening Unix stream socket at path.
/// A socket file left behind by a dead server (connect is refused) is removed first; a live
/// one gives address_in_use, and a path that is not a socket is never removed (also
/// address_in_use). file receives what to remove on close.
std::error_code listen_unix(const std::string& path, const UnixListenOptions& options, UniqueFd& out,
                            UnixSocketFile& file);

/// adopt_listener checks that fd is a listening stream socket (ENOTSOCK, EINVAL otherwise)
/// and makes it non-blocking and close-on-exec.
std::error_code adopt_listener(int fd);

/// local_address returns the address a socket is bound to.
std::error_code local_address(int fd, SocketAddress& out);

/// AcceptResult distinguishes "nothing to accept" from failures.
enum class AcceptStatus { accepted, would_block, out_of_descriptors, failed };

/// accept_connection accepts one connection as non-blocking and close-on-exec, with
/// TCP_NODELAY set. peer receives the client's address.
AcceptStatus accept_connection(int listen_fd, UniqueFd& out, sockaddr_in6& peer, int& error);

/// reuse_port_supported reports whether SO_REUSEPORT exists on this platform.
constexpr bool reuse_port_supported() noexcept {
#ifdef SO_REUSEPORT
  return true;
#else
  return false;
#endif
}

}  // namespace nethttp::detail
