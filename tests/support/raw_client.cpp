#include "support/raw_client.hpp"

#include <arpa/inet.h>
#include <fmt/format.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <stdexcept>
#include <string>

namespace nethttp::test {

namespace {
[[noreturn]] void fail(const std::string& what) {
  throw std::runtime_error("RawClient: " + what + ": " + std::strerror(errno));
}
}  // namespace

RawClient::RawClient(std::uint16_t port, RawClientOptions options) : options_(options) {
  fd_.reset(::socket(options.ipv6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd_) fail("socket");
  int one = 1;
  ::setsockopt(fd_.get(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  if (options.receive_buffer != 0 &&
      ::setsockopt(fd_.get(), SOL_SOCKET, SO_RCVBUF, &options.receive_buffer, sizeof options.receive_buffer) != 0) {
    fail("SO_RCVBUF");
  }
  int rc;
  if (options.ipv6) {
    sockaddr_in6 a{};
    a.sin6_family = AF_INET6;
    a.sin6_port = htons(port);
    a.sin6_addr = in6addr_loopback;
    rc = ::connect(fd_.get(), reinterpret_cast<sockaddr*>(&a), sizeof a);
  } else {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    rc = ::connect(fd_.get(), reinterpret_cast<sockaddr*>(&a), sizeof a);
  }
  if (rc != 0) fail("connect");
}

void RawClient::send(std::string_view bytes) {
  while (!bytes.empty()) {
    ssize_t n = ::send(fd_.get(), bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      fail("send");
    }
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
}

bool RawClient::read_some() {
  pollfd p{fd_.get(), POLLIN, 0};
  int rc = ::poll(&p, 1, static_cast<int>(options_.timeout.count()));
  if (rc == 0) throw std::runtime_error("RawClient: read timed out");
  if (rc < 0) fail("poll");
  char tmp[16384];
  ssize_t n = ::recv(fd_.get(), tmp, std::min(sizeof tmp, options_.read_chunk), 0);
  if (n < 0) {
    if (errno == ECONNRESET) return false;
    fail("recv");
  }
  if (n == 0) return false;
  buf_.append(tmp, static_cast<std::size_t>(n));
  return true;
}

bool RawClient::read_line(std::string& line) {
  for (;;) {
    std::size_t pos = buf_.find("\r\n");
    if (pos != std::string::npos) {
      line = buf_.substr(0, pos);
      buf_.erase(0, pos + 2);
      return true;
    }
    if (!read_some()) return false;
  }
}

bool RawClient::read_exact(std::size_t n, std::string& out) {
  while (buf_.size() < n) {
    if (!read_some()) return false;
  }
  out.append(buf_, 0, n);
  buf_.erase(0, n);
  return true;
}

std::optional<ParsedResponse> RawClient::read_response(bool head) {
  ParsedResponse r;
  std::string line;
  if (!read_line(line)) return std::nullopt;
  // "HTTP/1.1 200 OK"
  std::size_t sp1 = line.find(' ');
  if (sp1 == std::string::npos) throw std::runtime_error("RawClient: bad status line: " + line);
  r.version = line.substr(0, sp1);
  r.status = std::stoi(line.substr(sp1 + 1, 3));
  if (line.size() > sp1 + 5) r.reason = line.substr(sp1 + 5);
  for (;;) {
    if (!read_line(line)) throw std::runtime_error("RawClient: closed inside header");
    if (line.empty()) break;
    std::size_t colon = line.find(':');
    if (colon == std::string::npos) throw std::runtime_error("RawClient: bad header line: " + line);
    std::string_view value = std::string_view(line).substr(colon + 1);
    while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
    r.headers.add(std::string_view(line).substr(0, colon), value);
  }
  if (r.status / 100 == 1) return r;  // interim response: the caller reads the final one next
  if (head || r.status == 204 || r.status == 304) return r;
  if (iequals(r.headers.get("Transfer-Encoding"), "chunked")) {
    r.chunked = true;
    for (;;) {
      if (!read_line(line)) throw std::runtime_error("RawClient: closed inside chunked body");
      std::size_t size = std::stoul(line, nullptr, 16);
      if (size == 0) {
        while (read_line(line) && !line.empty()) {}  // trailers
        break;
      }
      if (!read_exact(size, r.body)) throw std::runtime_error("RawClient: closed inside chunk");
      std::string crlf;
      read_exact(2, crlf);
    }
  } else if (r.headers.has("Content-Length")) {
    std::size_t n = std::stoul(std::string(r.headers.get("Content-Length")));
    if (!read_exact(n, r.body)) throw std::runtime_error("RawClient: closed inside body");
  } else {
    r.body = read_until_close();
  }
  return r;
}

std::string RawClient::read_until_close() {
  while (read_some()) {}
  return std::exchange(buf_, {});
}

bool RawClient::wait_closed() {
  try {
    while (read_some()) {}
    return true;
  } catch (const std::runtime_error&) {
    return false;
  }
}

std::string RawClient::read_available(std::chrono::milliseconds wait) {
  auto saved = options_.timeout;
  options_.timeout = wait;
  try {
    read_some();
  } catch (const std::runtime_error&) {}
  options_.timeout = saved;
  return std::exchange(buf_, {});
}

void RawClient::shutdown_write() { ::shutdown(fd_.get(), SHUT_WR); }

std::optional<ParsedResponse> roundtrip(std::uint16_t port, std::string_view raw, bool head) {
  RawClient c(port);
  c.send(raw);
  return c.read_response(head);
}

ParsedResponse request(std::uint16_t port, std::string_view method, std::string_view target, std::string_view body,
                       std::string_view content_type) {
  std::string raw = fmt::format("{} {} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n", method, target);
  if (!body.empty() || method == "POST" || method == "PUT") {
    if (!content_type.empty()) raw += fmt::format("Content-Type: {}\r\n", content_type);
    raw += fmt::format("Content-Length: {}\r\n", body.size());
  }
  raw += "\r\n";
  raw += body;
  auto response = roundtrip(port, raw, method == "HEAD");
  if (!response) throw std::runtime_error(fmt::format("RawClient: no response to {} {}", method, target));
  return std::move(*response);
}

ParsedResponse get(std::uint16_t port, std::string_view target, std::string_view extra_headers) {
  std::string req = "GET " + std::string(target) + " HTTP/1.1\r\nHost: test\r\nConnection: close\r\n";
  req += extra_headers;
  req += "\r\n";
  auto r = roundtrip(port, req);
  if (!r) throw std::runtime_error("RawClient: connection closed without a response");
  return std::move(*r);
}

std::string read_exactly(int fd, std::size_t n) {
  std::string out;
  char buf[65536];
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (out.size() < n && std::chrono::steady_clock::now() < deadline) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 100) <= 0) continue;
    const ssize_t got = ::recv(fd, buf, std::min(sizeof buf, n - out.size()), 0);
    if (got <= 0) break;
    out.append(buf, static_cast<std::size_t>(got));
  }
  return out;
}

std::string read_head(int fd) {
  std::string head;
  while (head.find("\r\n\r\n") == std::string::npos) {
    std::string b = read_exactly(fd, 1);
    if (b.empty()) break;
    head += b;
  }
  return head;
}

}  // namespace nethttp::test
