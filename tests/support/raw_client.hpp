#pragma once
// RawClient: a blocking loopback client that speaks raw bytes, for socket-level tests.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "nethttp/headers.hpp"
#include "nethttp/unique_fd.hpp"

namespace nethttp::test {

/// ParsedResponse is one HTTP/1.1 response as read off the wire.
struct ParsedResponse {
  int status = 0;
  std::string reason;
  std::string version;  // "HTTP/1.1"
  Headers headers;
  std::string body;  // de-chunked
  bool chunked = false;
  std::string header(std::string_view name) const { return std::string(headers.get(name)); }
};

/// RawClientOptions shape a RawClient's socket: RawClient c(port, {.timeout = 20s}).
struct RawClientOptions {
  /// timeout bounds every wait for bytes.
  std::chrono::milliseconds timeout = std::chrono::seconds(5);
  /// ipv6 connects to [::1] instead of 127.0.0.1.
  bool ipv6 = false;
  /// receive_buffer, when not 0, is the SO_RCVBUF set *before* connect(), so the TCP window
  /// (its scale is fixed by the handshake) really is that small: the slow-reader tests need
  /// the server to meet a full socket. Set after connect it would barely shrink the window.
  int receive_buffer = 0;
  /// read_chunk is the most one recv() takes; small values make a slow reader.
  std::size_t read_chunk = 16384;
};

/// RawClient connects to 127.0.0.1:port (or [::1]) and exchanges raw bytes. Every read waits
/// at most options.timeout; failures throw std::runtime_error, so a test fails loudly instead
/// of hanging.
class RawClient {
 public:
  explicit RawClient(std::uint16_t port, RawClientOptions options = {});

  /// send writes all of bytes.
  void send(std::string_view bytes);
  /// read_response reads exactly one response (for a HEAD request pass head = true: no body
  /// is read whatever the headers say). Returns nullopt if the server closed first.
  std::optional<ParsedResponse> read_response(bool head = false);
  /// read_until_close returns everything until the server closes (or the timeout).
  std::string read_until_close();
  /// wait_closed reports whether the server closes the connection within the timeout (bytes
  /// still arriving are read and discarded).
  bool wait_closed();
  /// read_available returns what arrives within a short wait (possibly "").
  std::string read_available(std::chrono::milliseconds wait = std::chrono::milliseconds(50));
  /// read_some waits for bytes (at most options.read_chunk) and keeps them for the next
  /// read; false once the server has closed.
  bool read_some();
  /// shutdown_write half-closes our side.
  void shutdown_write();
  [[nodiscard]] int fd() const noexcept { return fd_.get(); }
  void close() { fd_.reset(); }

 private:
  bool read_line(std::string& line);
  bool read_exact(std::size_t n, std::string& out);
  UniqueFd fd_;
  std::string buf_;  // read but not yet consumed
  RawClientOptions options_;
};

/// roundtrip sends raw on a fresh connection and reads one response.
std::optional<ParsedResponse> roundtrip(std::uint16_t port, std::string_view raw, bool head = false);

/// request sends `METHOD target HTTP/1.1` with Host: 127.0.0.1 and Connection: close on a
/// fresh connection and reads the response (a HEAD one without a body). A request that
/// carries a body (a non-empty one, or any POST or PUT) also gets Content-Length and, unless
/// content_type is empty, Content-Type. Throws if the server closes without answering.
ParsedResponse request(std::uint16_t port, std::string_view method, std::string_view target, std::string_view body = {},
                       std::string_view content_type = {});

/// get sends `GET target HTTP/1.1` with Host and Connection: close (plus extra_headers,
/// each line ending in \r\n) on a fresh connection and reads the response.
ParsedResponse get(std::uint16_t port, std::string_view target, std::string_view extra_headers = {});

/// read_exactly reads n bytes from the socket fd, or fewer if the peer closes or 10 s pass;
/// it never throws, so a test compares what came. It reads fd itself: bytes a RawClient on
/// fd has already buffered are not seen (use it before that client reads, or instead).
std::string read_exactly(int fd, std::size_t n);

/// read_head reads a response head from fd (read_exactly a byte at a time, so nothing past
/// it is consumed), up to and including the blank line, or what came before EOF or timeout.
std::string read_head(int fd);

}  // namespace nethttp::test
