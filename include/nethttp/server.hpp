#pragma once
/// \file server.hpp
/// Server: listening, event loops, timeouts and graceful shutdown (Go: http.Server).

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>
#include <system_error>
#include <thread>
#include <vector>

#include "nethttp/error_writer.hpp"
#include "nethttp/handler.hpp"
#include "nethttp/logger.hpp"
#include "nethttp/server_config.hpp"

namespace nethttp {

<<<<<<< HEAD
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
  std::uint64_t id = 0;            ///< unique per server
  std::string_view remote_addr;    ///< "ip:port"
  unsigned loop = 0;               ///< index of the event loop that owns the connection
};

using namespace std::chrono_literals;

/// ResponseObserver is told about a response the server wrote itself (see
/// ServerConfig::reject_observers): the request as far as it was parsed, and the response's
/// status and size once it is finished.
using ResponseObserver = std::function<void(const Request&, const ResponseStats&)>;

/// ServerConfig configures a Server. Unlike Go, every timeout and limit has a safe non-zero
/// default, so a Server with a default config is not open to slowloris or memory exhaustion.
///
/// Memory per connection is bounded: an idle keep-alive connection holds about 400 bytes
/// (no buffers: those are pooled per loop and borrowed only while a request is in flight).
/// A busy one holds at most max_header_bytes + max_body_bytes for the request being read,
/// max_output_bytes of queued response bytes (file ranges are sent from the file and cost
/// no memory, but at most 16 are queued, since each may hold a descriptor), and one read's
/// worth (64 KiB) of pipelined input waiting behind them: past either bound the connection
/// stops reading and answering until the client catches up. The one
/// exception is the response being written: what a handler passes to write() is queued
/// whole, since a loop cannot wait for a slow client. Send large bodies with send_file()
/// (file_server does), and have a deferred producer that streams with update() check
/// client_gone() and keep its own pace.
struct ServerConfig {
  /// listen is "HOST:PORT": ":8080" (all IPv4 and IPv6 addresses), "127.0.0.1:0" (an
  /// ephemeral port; see Server::port()), "[::1]:8080".
  std::string listen = ":8080";
  /// threads is the number of event loops, each on its own thread; 0 means one per core.
  unsigned threads = 0;
  /// backlog is the listen(2) queue length (the kernel caps it at net.core.somaxconn).
  int backlog = 4096;
  /// reuse_port gives every loop its own SO_REUSEPORT listening socket, so the kernel spreads
  /// connections across loops. When off (or unsupported), loop 0 accepts and hands out.
  bool reuse_port = true;

  /// read_header_timeout bounds the time from a connection's start (or its first byte
  /// after an idle keep-alive period) until the request header is complete: 408 and close.
  std::chrono::milliseconds read_header_timeout = 10s;
  /// read_timeout bounds reading one whole request, header and body: 408 and close.
  std::chrono::milliseconds read_timeout = 60s;
  /// write_timeout bounds each wait for the client to accept more response bytes
  /// (nginx's send_timeout: a slow but steady download is fine, a stalled one is closed).
  /// While the socket buffer is full, the client counts as reading if the kernel's send
  /// queue shrank by at least 16 KiB since the write stalled or the last check.
  std::chrono::milliseconds write_timeout = 30s;
  /// idle_timeout is how long a keep-alive connection may sit between requests; then it is
  /// closed silently.
  std::chrono::milliseconds idle_timeout = 60s;
  /// handler_timeout bounds how long a deferred response may stay unfinished: 503 if nothing
  /// was sent yet, else close.
  std::chrono::milliseconds handler_timeout = 120s;

  /// max_uri_bytes bounds the request-target: 414.
  std::size_t max_uri_bytes = 8 * 1024;
  /// max_header_bytes bounds the request line plus header fields: 431.
  std::size_t max_header_bytes = 16 * 1024;
  /// max_body_bytes bounds a request body: 413 before reading it when Content-Length says so,
  /// or as soon as a chunked body crosses it; the connection is then closed.
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
  /// past it, the connection stops reading and answering until the client catches up.
  std::size_t max_output_bytes = 1024 * 1024;
  /// blocked_loop_warning: a loop busy in one callback longer than this is reported (with the
  /// route it was running) through the logger. 0 turns the watchdog off.
  std::chrono::milliseconds blocked_loop_warning = 1s;

  /// logger receives server messages; null means default_logger().
  std::shared_ptr<Logger> logger;
  /// conn_state, if set, is called on the owning loop thread at each connection state change.
  std::function<void(const ConnInfo&, ConnState)> conn_state;
  /// check_continue, if set, is called for requests with `Expect: 100-continue` before the
  /// body is read. If it writes a response, that is the answer and the body is never read
  /// (the connection is closed after); otherwise `100 Continue` is sent and the body read.
  Handler check_continue;
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

=======
>>>>>>> house
/// LoopStats are the counters of one event loop; see Server::stats().
struct LoopStats {
  std::uint64_t connections_open = 0;      ///< connections open now
  std::uint64_t connections_accepted = 0;  ///< accepts since listen(), including any closed at once over max_connections
  std::uint64_t requests = 0;              ///< requests handed to the handler
  std::uint64_t bytes_sent = 0;            ///< bytes written to sockets (headers and bodies)
  /// lag_seconds is how late the loop last ran its periodic 100 ms tick: a blocked loop
  /// shows up here.
  double lag_seconds = 0;
};

/// ServerStats is a snapshot of every loop's counters.
struct ServerStats {
  std::vector<LoopStats> loops;  ///< one entry per event loop, in loop order
  /// total sums every loop's counters; lag_seconds is the worst loop's.
  [[nodiscard]] LoopStats total() const;
};

class ServerImpl;

/// Server accepts connections and serves them with a Handler on a set of event loops.
///
/// Lifecycle: construct, optionally listen() (to learn an ephemeral port()), then serve()
/// (or listen_and_serve()), which blocks until shutdown() or close(). shutdown() and close()
/// are thread-safe and may be called from any thread, for example one waiting for signals
/// (see ShutdownOnSignals); stats(), port() and shutting_down() are thread-safe too.
class Server {
 public:
  /// Server takes its configuration and root handler. If SIGPIPE still has its default
  /// disposition, it is set to ignored (sendfile cannot suppress it per call, and a client
  /// closing mid-download must not kill the process); a handler you installed is kept.
  Server(ServerConfig config, Handler handler);
  ~Server();  ///< closes the server if it is still running
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  /// listen binds and listens on config.listen. Errors: address in use, permission, bad
  /// address (std::errc::invalid_argument).
  std::error_code listen();
  /// serve runs the event loops until shutdown() or close() completes. Calls listen() first
  /// if needed. Returns the first error that stopped it, or success.
  std::error_code serve();
  /// listen_and_serve is listen() then serve().
  std::error_code listen_and_serve();
  /// shutdown stops accepting, closes idle keep-alive connections at once, lets in-flight
  /// requests finish, force-closes what is left at the deadline, then returns. Returns true
  /// if everything drained before the deadline. Thread-safe.
  bool shutdown(std::chrono::milliseconds deadline);
  /// close closes every listener and connection now. Thread-safe.
  void close();

  /// port is the bound TCP port (after listen()), useful with port 0.
  [[nodiscard]] std::uint16_t port() const noexcept;
  /// shutting_down is true from the moment shutdown() or close() is called.
  [[nodiscard]] bool shutting_down() const noexcept;
  /// stats returns the loops' counters. Thread-safe.
  [[nodiscard]] ServerStats stats() const;
  /// config is the configuration the server runs with (defaults resolved).
  [[nodiscard]] const ServerConfig& config() const noexcept;

 private:
  std::unique_ptr<ServerImpl> impl_;
};

/// ShutdownOnSignals calls server.shutdown(deadline) when the process gets one of signals
/// (default SIGINT and SIGTERM). It blocks those signals in the calling thread and waits for
/// them on a thread of its own; its destructor stops that thread.
///
/// Construct it in main() before any other thread exists — before Server::serve(), and also
/// before a WorkerPool or an asynchronous access log — because threads inherit the signal
/// mask at creation: a thread started earlier leaves the signal unblocked, and the kernel
/// may deliver it there, killing the process instead of draining it.
class ShutdownOnSignals {
 public:
  /// ShutdownOnSignals starts waiting for signals (SIGINT and SIGTERM when empty); the first
  /// one calls server.shutdown(deadline).
  ShutdownOnSignals(Server& server, std::chrono::milliseconds deadline,
                    std::initializer_list<int> signals = {});
  ~ShutdownOnSignals();
  ShutdownOnSignals(const ShutdownOnSignals&) = delete;
  ShutdownOnSignals& operator=(const ShutdownOnSignals&) = delete;
  /// signal is the signal that arrived, or 0.
  [[nodiscard]] int signal() const noexcept { return received_.load(); }

 private:
  std::atomic<int> received_{0};
  std::jthread waiter_;
};

}  // namespace nethttp
