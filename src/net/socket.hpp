#pragma once
// Socket helpers: address parsing and formatting, listening sockets, accept. Every call
// retries EINTR itself; EAGAIN is reported as a state, never as a failure.

#include <netinet/in.h>
#include <sys/socket.h>

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

struct ListenOptions {
  int backlog = 4096;
  bool reuse_port = false;
};

/// listen_tcp creates a non-blocking, close-on-exec listening socket bound to addr.
std::error_code listen_tcp(const SocketAddress& addr, const ListenOptions& options, UniqueFd& out);

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
