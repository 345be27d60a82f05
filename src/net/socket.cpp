#include "net/socket.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/tcp.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstddef>
#include <cstring>

namespace nethttp::detail {

namespace {

std::error_code last_error() { return {errno, std::system_category()}; }

bool parse_port(std::string_view s, std::uint16_t& port) {
  if (s.empty()) return false;
  unsigned value = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (ec != std::errc() || end != s.data() + s.size() || value > 65535) return false;
  port = static_cast<std::uint16_t>(value);
  return true;
}

bool ipv6_available() {
  UniqueFd fd(::socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0));
  return fd.valid();
}

}  // namespace

std::uint16_t SocketAddress::port() const noexcept {
  if (family() == AF_INET) return ntohs(reinterpret_cast<const sockaddr_in*>(&storage)->sin_port);
  if (family() == AF_INET6) return ntohs(reinterpret_cast<const sockaddr_in6*>(&storage)->sin6_port);
  return 0;
}

std::string SocketAddress::to_string() const {
  std::string out;
  format_address(get(), out);
  return out;
}

void format_address(const sockaddr* sa, std::string& out) {
  out.clear();
  char buf[INET6_ADDRSTRLEN];
  if (sa->sa_family == AF_INET) {
    auto* in = reinterpret_cast<const sockaddr_in*>(sa);
    ::inet_ntop(AF_INET, &in->sin_addr, buf, sizeof buf);
    out.append(buf).append(":").append(std::to_string(ntohs(in->sin_port)));
  } else if (sa->sa_family == AF_UNIX) {
    out.append("@");  // a Unix socket's peer has no address (Go's RemoteAddr says "@" too)
  } else if (sa->sa_family == AF_INET6) {
    auto* in6 = reinterpret_cast<const sockaddr_in6*>(sa);
    if (IN6_IS_ADDR_V4MAPPED(&in6->sin6_addr)) {
      // A dual-stack socket reports IPv4 peers as ::ffff:a.b.c.d; show them as IPv4.
      ::inet_ntop(AF_INET, &in6->sin6_addr.s6_addr[12], buf, sizeof buf);
      out.append(buf);
    } else {
      ::inet_ntop(AF_INET6, &in6->sin6_addr, buf, sizeof buf);
      out.append("[").append(buf).append("]");
    }
    out.append(":").append(std::to_string(ntohs(in6->sin6_port)));
  }
}

std::error_code resolve_listen_address(std::string_view spec, std::vector<SocketAddress>& out) {
  out.clear();
  std::string_view host, port_text;
  if (!spec.empty() && spec.front() == '[') {
    std::size_t close = spec.find(']');
    if (close == std::string_view::npos || close + 1 >= spec.size() || spec[close + 1] != ':') {
      return std::make_error_code(std::errc::invalid_argument);
    }
    host = spec.substr(1, close - 1);
    port_text = spec.substr(close + 2);
  } else if (std::size_t colon = spec.rfind(':'); colon != std::string_view::npos) {
    host = spec.substr(0, colon);
    port_text = spec.substr(colon + 1);
    if (host.find(':') != std::string_view::npos) return std::make_error_code(std::errc::invalid_argument);
  } else {
    port_text = spec;
  }
  std::uint16_t port = 0;
  if (!parse_port(port_text, port)) return std::make_error_code(std::errc::invalid_argument);

  SocketAddress a;
  if (host.empty() || host == "*") {
    if (ipv6_available()) {
      auto* in6 = reinterpret_cast<sockaddr_in6*>(&a.storage);
      in6->sin6_family = AF_INET6;
      in6->sin6_port = htons(port);
      in6->sin6_addr = in6addr_any;
      a.length = sizeof(sockaddr_in6);
    } else {
      auto* in = reinterpret_cast<sockaddr_in*>(&a.storage);
      in->sin_family = AF_INET;
      in->sin_port = htons(port);
      in->sin_addr.s_addr = htonl(INADDR_ANY);
      a.length = sizeof(sockaddr_in);
    }
    out.push_back(a);
    return {};
  }
  std::string host_str(host);
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* res = nullptr;
  std::string port_str = std::to_string(port);
  if (int rc = ::getaddrinfo(host_str.c_str(), port_str.c_str(), &hints, &res); rc != 0) {
    return std::make_error_code(std::errc::invalid_argument);
  }
  for (addrinfo* ai = res; ai != nullptr; ai = ai->ai_next) {
    SocketAddress r;
    std::memcpy(&r.storage, ai->ai_addr, ai->ai_addrlen);
    r.length = ai->ai_addrlen;
    out.push_back(r);
    break;  // one address: "localhost" listens where it first resolves
  }
  ::freeaddrinfo(res);
  if (out.empty()) return std::make_error_code(std::errc::invalid_argument);
  return {};
}

std::error_code listen_tcp(const SocketAddress& addr, const ListenOptions& options, UniqueFd& out) {
  UniqueFd fd(::socket(addr.family(), SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!fd) return last_error();
  int one = 1, zero = 0;
  ::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
#ifdef SO_REUSEPORT
  if (options.reuse_port && ::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) != 0) {
    return last_error();
  }
#endif
  if (addr.family() == AF_INET6) {
    // ":8080" means IPv4 too: accept mapped addresses on the IPv6 wildcard socket.
    const auto* in6 = reinterpret_cast<const sockaddr_in6*>(&addr.storage);
    if (IN6_IS_ADDR_UNSPECIFIED(&in6->sin6_addr)) {
      ::setsockopt(fd.get(), IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof zero);
    }
  }
  if (::bind(fd.get(), addr.get(), addr.length) != 0) return last_error();
  if (auto ec = set_socket_buffers(fd.get(), options.buffers)) return ec;
  if (::listen(fd.get(), options.backlog) != 0) return last_error();
  out = std::move(fd);
  return {};
}

std::error_code set_socket_buffers(int fd, const SocketBuffers& buffers) {
  if (buffers.send == 0 && buffers.receive == 0) return {};
  if (buffers.send < 0 || buffers.receive < 0) {
    return std::make_error_code(std::errc::invalid_argument);
  }
  SocketAddress local;
  if (auto ec = local_address(fd, local)) return ec;
  if (local.family() == AF_UNIX) return {};  // accepted Unix connections do not inherit them
  if (buffers.send != 0 && ::setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &buffers.send, sizeof buffers.send) != 0) {
    return last_error();
  }
  if (buffers.receive != 0 && ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &buffers.receive, sizeof buffers.receive) != 0) {
    return last_error();
  }
  return {};
}

std::error_code probe_exclusive_bind(const SocketAddress& addr) {
  UniqueFd fd(::socket(addr.family(), SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd) return last_error();
  int one = 1, zero = 0;
  ::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (addr.family() == AF_INET6) {
    const auto* in6 = reinterpret_cast<const sockaddr_in6*>(&addr.storage);
    if (IN6_IS_ADDR_UNSPECIFIED(&in6->sin6_addr)) {
      ::setsockopt(fd.get(), IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof zero);
    }
  }
  if (::bind(fd.get(), addr.get(), addr.length) != 0) return last_error();
  return {};
}

void UnixSocketFile::remove_if_ours() const noexcept {
  if (path.empty()) return;
  struct stat st {};
  if (::lstat(path.c_str(), &st) == 0 && st.st_dev == dev && st.st_ino == ino) ::unlink(path.c_str());
}

std::error_code listen_unix(const std::string& path, const UnixListenOptions& options, UniqueFd& out,
                            UnixSocketFile& file) {
  sockaddr_un sun{};
  sun.sun_family = AF_UNIX;
  if (path.empty() || path.size() >= sizeof sun.sun_path) return std::make_error_code(std::errc::filename_too_long);
  std::memcpy(sun.sun_path, path.data(), path.size());
  const auto len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + path.size() + 1);

  struct stat st {};
  if (::lstat(path.c_str(), &st) == 0) {
    // Something is there. Only a socket nobody answers on is ours to remove.
    if (!S_ISSOCK(st.st_mode)) return std::make_error_code(std::errc::address_in_use);
    UniqueFd probe(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!probe) return last_error();
    int rc;
    do {
      rc = ::connect(probe.get(), reinterpret_cast<const sockaddr*>(&sun), len);
    } while (rc != 0 && errno == EINTR);
    if (rc == 0 || errno != ECONNREFUSED) return std::make_error_code(std::errc::address_in_use);
    ::unlink(path.c_str());  // stale: its server is gone
  }
  UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!fd) return last_error();
  if (::bind(fd.get(), reinterpret_cast<const sockaddr*>(&sun), len) != 0) return last_error();
  UnixSocketFile created{path, 0, 0};
  if (::lstat(path.c_str(), &st) == 0) {
    created.dev = st.st_dev;
    created.ino = st.st_ino;
  }
  if (options.mode != 0 && ::chmod(path.c_str(), static_cast<mode_t>(options.mode)) != 0) {
    auto ec = last_error();
    created.remove_if_ours();
    return ec;
  }
  if (::listen(fd.get(), options.backlog) != 0) {
    auto ec = last_error();
    created.remove_if_ours();
    return ec;
  }
  out = std::move(fd);
  file = std::move(created);
  return {};
}

std::error_code adopt_listener(int fd) {
  int type = 0, listening = 0;
  socklen_t len = sizeof type;
  if (::getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) != 0) return last_error();  // EBADF, ENOTSOCK
  len = sizeof listening;
  if (::getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &len) != 0) return last_error();
  if (type != SOCK_STREAM || listening == 0) return std::make_error_code(std::errc::invalid_argument);
  const int fl = ::fcntl(fd, F_GETFL);
  if (fl < 0 || ::fcntl(fd, F_SETFL, fl | O_NONBLOCK) != 0) return last_error();
  if (::fcntl(fd, F_SETFD, FD_CLOEXEC) != 0) return last_error();
  return {};
}

std::error_code local_address(int fd, SocketAddress& out) {
  out.length = sizeof out.storage;
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&out.storage), &out.length) != 0) return last_error();
  return {};
}

AcceptStatus accept_connection(int listen_fd, UniqueFd& out, sockaddr_in6& peer, int& error) {
  for (;;) {
    socklen_t len = sizeof peer;
#ifdef __linux__
    int fd = ::accept4(listen_fd, reinterpret_cast<sockaddr*>(&peer), &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
#else
    int fd = ::accept(listen_fd, reinterpret_cast<sockaddr*>(&peer), &len);
    if (fd >= 0) {
      ::fcntl(fd, F_SETFD, FD_CLOEXEC);
      ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
    }
#endif
    if (fd >= 0) {
      out.reset(fd);
      int one = 1;
      ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      return AcceptStatus::accepted;
    }
    error = errno;
    switch (errno) {
      case EINTR:
      case ECONNABORTED:  // the client gave up while queued: try the next one
        continue;
      case EAGAIN: return AcceptStatus::would_block;
      case EMFILE:
      case ENFILE:
      case ENOBUFS:
      case ENOMEM: return AcceptStatus::out_of_descriptors;
      default: return AcceptStatus::failed;
    }
  }
}

}  // namespace nethttp::detail
