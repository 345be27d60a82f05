#pragma once
/// \file server_config.hpp
/// ServerConfig, ConnState and ConnInfo: what a Server is configured with (Go: the fields of
/// http.Server). Included by server.hpp; kept apart so the HTTP layer can read its limits
/// and hooks without depending on the Server itself.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "nethttp/error_writer.hpp"
#include "nethttp/handler.hpp"
#include "nethttp/logger.hpp"
#include "nethttp/tls.hpp"

namespace nethttp {

/// ConnState is the lifecycle of a client connection (Go: http.ConnState).
enum class ConnState {
  New,     ///< accepted; no request bytes yet
  Active,  ///< reading a request or writing its response
  Idle,    ///< keep-alive, waiting for the next request
  Closed,  ///< closed; the last state
};

/// ConnInfo identifies a connection in a ConnState callback. remote_addr is valid only
/// during the call.
struct ConnInfo {
  std::uint64_t id = 0;          ///< unique per server
  std::string_view remote_addr;  ///< "ip:port"
  unsigned loop = 0;             ///< index of the event loop that owns the connection
};

/// ResponseObserver is told about a response the server wrote itself (see
/// ServerConfig::reject_observers): the request as far as it was parsed, and the response's
/// status and size once it is finished.
using ResponseObserver = std::function<void(const Request&, const ResponseStats&)>;

/// kMaxSocketBufferBytes is the largest ServerConfig::send_buffer_bytes and
/// receive_buffer_bytes (512 MiB): Linux doubles the value, and the double must fit an int.
inline constexpr int kMaxSocketBufferBytes = 512 * 1024 * 1024;

/// ServerConfig configures a Server. Unlike Go, every timeout and limit has a safe non-zero
/// default, so a Server with a default config is not open to slowloris or memory exhaustion.
///
/// Memory per connection is bounded: an idle keep-alive connection holds about 400 bytes
/// (no buffers: those are pooled per loop and borrowed only while a request is in flight).
/// A busy one holds at most max_header_bytes + max_body_bytes for the request being read,
/// max_output_bytes of queued response bytes (file ranges are sent from the file and cost
/// no memory, but at most 16 are queued, since each may hold a descriptor), and one read's
/// worth (64 KiB) of pipelined input waiting behind them: past either bound the connection
/// stops reading and answering until the client catches up. A body streamed to a handler
/// (streaming(), body_reader.hpp) costs at most one read (64 KiB) instead of max_body_bytes,
/// whatever its size: the connection reads only while the handler asks for more. The
/// response being written is bounded in two ways. A handler, while it runs, gets what it
/// passes to write() queued whole, since a loop cannot wait for a slow client: send large
/// bodies with send_file() (file_server does), or stream them. A streaming producer (a
/// deferred response written from update() callbacks after its handler returned) paces
/// itself with ResponseWriter::congested() / on_writable() (output_high_water); one that
/// ignores that and writes while max_output_bytes are already queued has its connection
/// closed (the write returns false), so it can never hold more than max_output_bytes plus
/// its last write.
struct ServerConfig {
  /// listen is "HOST:PORT": ":8080" (all IPv4 and IPv6 addresses), "127.0.0.1:0" (an
  /// ephemeral port; see Server::port()), "[::1]:8080"; or "unix:/run/app.sock" for a Unix
  /// domain socket; or "" to bind nothing (only sockets given to Server::listen_on()).
  /// A port another program listens on is an error (address in use), SO_REUSEPORT or not.
  std::string listen = ":8080";
  /// listen_also lists more addresses to listen on, in the same forms as listen.
  std::vector<std::string> listen_also;
  /// listen_tls lists addresses served with TLS (HTTPS), in the same forms as listen; listen
  /// and listen_also stay cleartext, so one Server can serve both. Needs tls.certificates
  /// and a build with TLS: listen() fails otherwise (see tls.hpp).
  std::vector<std::string> listen_tls;
  /// tls configures TLS for listen_tls (certificates, versions, resumption, timeouts).
  TlsConfig tls;
  /// unix_socket_mode, if non-zero, is the mode of Unix socket files (0660, say); 0 leaves
  /// what the umask gives. A stale socket file (nobody accepts on it) is replaced; any other
  /// file in the way is an error. The file is removed when the server closes its listener.
  unsigned unix_socket_mode = 0;
  /// threads is the number of event loops, each on its own thread; 0 means one per core.
  unsigned threads = 0;
  /// backlog is the listen(2) queue length (the kernel caps it at net.core.somaxconn).
  int backlog = 4096;
  /// reuse_port gives every loop its own SO_REUSEPORT listening socket, so the kernel spreads
  /// connections across loops. When off (or unsupported), loop 0 accepts and hands out.
  bool reuse_port = true;
  /// send_buffer_bytes, if non-zero, is the kernel send buffer (SO_SNDBUF) of every accepted
  /// TCP connection (nginx's `listen ... sndbuf=`, Go's SetWriteBuffer); 0, the default,
  /// leaves the kernel's (tcp_wmem autotuning). It is set once on each listening socket, the
  /// ones listen() binds and the ones given to listen_on(), and accepted connections inherit
  /// it (Linux, BSD): no call per connection. Linux caps the value at net.core.wmem_max,
  /// doubles it for its own bookkeeping (getsockopt reports the double) and stops
  /// autotuning those connections' send buffers. Good for many slow or idle streaming
  /// clients (server-sent events, long polls): a client that stops reading makes Linux grow
  /// its send buffer up to tcp_wmem's maximum (4 MiB by default), kernel memory outside the
  /// process's RSS; a cap such as 64 KiB bounds that. The price is throughput on links with
  /// a large bandwidth-delay product: a connection has at most about this much in flight,
  /// so a large download over a high-latency link slows to about value / round-trip time.
  /// Unix socket listeners are left alone (Linux gives accepted Unix connections the default
  /// whatever the listener has). From 0 to kMaxSocketBufferBytes; listen() fails with
  /// std::errc::invalid_argument (and logs which field) otherwise.
  int send_buffer_bytes = 0;
  /// receive_buffer_bytes, if non-zero, is the kernel receive buffer (SO_RCVBUF) of every
  /// accepted TCP connection (nginx's `listen ... rcvbuf=`, Go's SetReadBuffer); 0, the
  /// default, leaves the kernel's (tcp_rmem autotuning). Applied, inherited, doubled, capped
  /// (net.core.rmem_max) and validated like send_buffer_bytes, it also fixes the TCP window
  /// the server advertises: smaller bounds what a client can push before the server reads
  /// (large uploads from far away slow down), larger gives fast uploads room without waiting
  /// for autotuning.
  int receive_buffer_bytes = 0;

  /// read_header_timeout bounds the time from a connection's start (or its first byte
  /// after an idle keep-alive period) until the request header is complete: 408 and close.
  std::chrono::milliseconds read_header_timeout = std::chrono::seconds{10};
  /// read_timeout bounds reading one whole request, header and body: 408 and close. For a
  /// streamed body it bounds each wait for the client while the handler asks for more
  /// (restarted at every chunk), never a pause of the handler's own (see BodyReader).
  std::chrono::milliseconds read_timeout = std::chrono::seconds{60};
  /// write_timeout bounds each wait for the client to accept more response bytes
  /// (nginx's send_timeout: a slow but steady download is fine, a stalled one is closed).
  /// While the socket buffer is full, the client counts as reading if the kernel's send
  /// queue shrank by at least 16 KiB since the write stalled or the last check.
  std::chrono::milliseconds write_timeout = std::chrono::seconds{30};
  /// idle_timeout is how long a keep-alive connection may sit between requests; then it is
  /// closed silently.
  std::chrono::milliseconds idle_timeout = std::chrono::seconds{60};
  /// handler_timeout bounds how long a deferred response may stay unfinished: 503 if nothing
  /// was sent yet, else close.
  std::chrono::milliseconds handler_timeout = std::chrono::seconds{120};

  /// max_uri_bytes bounds the request-target: 414.
  std::size_t max_uri_bytes = 8 * 1024;
  /// max_header_bytes bounds the request line plus header fields: 431.
  std::size_t max_header_bytes = 16 * 1024;
  /// max_body_bytes bounds a buffered request body: 413 before reading it when Content-Length
  /// says so, or as soon as a chunked body crosses it; the connection is then closed. It is
  /// also the default limit of a streamed body, which its reader may raise or lower
  /// (BodyReader::set_limit, max_bytes()).
  std::size_t max_body_bytes = 8 * 1024 * 1024;
  /// max_connections bounds open connections per server. At the limit, the loop accepting
  /// a new connection closes its longest-idle keep-alive connection to make room (nginx
  /// reuses connections the same way; a client must be ready to retry on a keep-alive
  /// connection that closes). If none of that loop's connections is idle (all are new,
  /// reading, handling or writing), the new connection is accepted and closed at once.
  std::size_t max_connections = 10'000;
  /// max_pipelined is how many pipelined requests are answered from one read before their
  /// responses are written and more input is read.
  unsigned max_pipelined = 32;
  /// max_output_bytes is the per-connection buffered-output bound (file ranges excluded):
  /// past it, the connection stops reading and answering until the client catches up, and a
  /// streaming producer (a deferred response written after its handler returned) that
  /// writes while this much is already queued has its connection closed: the write returns
  /// false and DeferredResponse::client_gone() turns true.
  std::size_t max_output_bytes = 1024 * 1024;
  /// output_high_water is the backpressure mark for streaming producers: at or past it
  /// ResponseWriter::congested() is true, and ResponseWriter::on_writable() callbacks run
  /// once the queue has drained to half of it. Keep it below max_output_bytes.
  std::size_t output_high_water = 256 * 1024;
  /// blocked_loop_warning: a loop busy in one callback longer than this is reported (with the
  /// route it was running) through the logger. 0 turns the watchdog off.
  std::chrono::milliseconds blocked_loop_warning = std::chrono::seconds{1};

  /// drain_delay is how long shutdown() keeps serving as usual — listeners open, keep-alive
  /// on — after readiness turns off (shutting_down(), readyz()) and before the drain starts,
  /// so a load balancer polling /readyz stops sending first (Kubernetes' preStop sleep).
  /// The shutdown deadline counts from its end; close() cuts it short. 0: drain at once.
  std::chrono::milliseconds drain_delay{0};

  /// logger receives server messages; null means default_logger().
  std::shared_ptr<Logger> logger;
  /// conn_state, if set, is called on the owning loop thread at each connection state change.
  /// A connection is reported New first and Closed last; one the server accepted but could
  /// not start (its loop's poller refused the socket) is not reported at all.
  std::function<void(const ConnInfo&, ConnState)> conn_state;
  /// check_continue, if set, is called for requests with `Expect: 100-continue` before the
  /// body is read. If it writes a response, that is the answer and the body is never read
  /// (the connection is closed after); otherwise `100 Continue` is sent and the body read.
  /// For a streamed body (streaming()) it is called before the handler: if it lets the body
  /// come, the handler runs and `100 Continue` goes out at its first read().
  Handler check_continue;
  /// serve_connect lets `CONNECT host:port` requests reach the handler, which opens the
  /// tunnel with accept_connect() or hijack_connect() (upgrade.hpp) or answers otherwise
  /// (403, 405, ...). A CONNECT whose target is not authority-form, or that has content, is
  /// answered 400. false (the default): every CONNECT is answered 400 before any handler,
  /// as a target the server does not serve.
  bool serve_connect = false;
  /// error_writer, if set, writes the bodies of the protocol errors the server answers
  /// itself (400, 408, 413, 414, 417, 431, 501, 505) instead of the default text, e.g.
  /// json_error_writer(). Set the same writer on a ServeMux (set_error_writer) to make its
  /// 404 and 405 match. See ErrorWriter for the contract.
  ErrorWriter error_writer;
  /// reject_observers are called, on the owning loop thread, for each of those protocol
  /// error responses once it is finished. Such requests never reach the handler, so
  /// middleware (an access log, metrics) cannot see them; register here instead, e.g.
  /// `config.reject_observers.push_back(log.reject_observer())`. An observer that throws is
  /// logged and the others still run.
  std::vector<ResponseObserver> reject_observers;
};

}  // namespace nethttp
