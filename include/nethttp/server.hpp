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

#include "nethttp/handler.hpp"
#include "nethttp/logger.hpp"
#include "nethttp/unique_fd.hpp"

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
  std::uint64_t id = 0;            ///< unique per server
  std::string_view remote_addr;    ///< "ip:port"
  unsigned loop = 0;               ///< index of the event loop that owns the connection
};

using namespace std::chrono_literals;

/// ServerConfig configures a Server. Unlike Go, every timeout and limit has a safe non-zero
/// default, so a Server with a default config is not open to slowloris or memory exhaustion.
///
/// Memory per connection is bounded: an idle keep-alive connection holds about 400 bytes
/// (no buffers: those are pooled per loop and borrowed only while a request is in flight).
/// A busy one holds at most max_header_bytes + max_body_bytes for the request being read,
/// max_output_bytes of queued response bytes (file ranges are sent from the file and cost
/// nothing), and one read's worth (64 KiB) of pipelined input waiting behind them: past
/// max_output_bytes the connection stops reading until the client catches up. The one
/// exception is the response being written: what a handler passes to write() is queued
/// whole, since a loop cannot wait for a slow client. Send large bodies with send_file()
/// (file_server does), and have a deferred producer that streams with update() check
/// client_gone() and keep its own pace.
struct ServerConfig {
  /// listen is "HOST:PORT": ":8080" (all IPv4 and IPv6 addresses), "127.0.0.1:0" (an
  /// ephemeral port; see Server::port()), "[::1]:8080"; or "unix:/run/app.sock" for a Unix
  /// domain socket; or "" to bind nothing (only sockets given to Server::listen_on()).
  /// A port another program listens on is an error (address in use), SO_REUSEPORT or not.
  std::string listen = ":8080";
  /// listen_also lists more addresses to listen on, in the same forms as listen.
  std::vector<std::string> listen_also;
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

  /// read_header_timeout bounds the time from a connection's start (or its first byte
  /// after an idle keep-alive period) until the request header is complete: 408 and close.
  std::chrono::milliseconds read_header_timeout = 10s;
  /// read_timeout bounds reading one whole request, header and body: 408 and close.
  std::chrono::milliseconds read_timeout = 60s;
  /// write_timeout bounds each wait for the client to accept more response bytes
  /// (nginx's send_timeout: a slow but steady download is fine, a stalled one is closed).
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
  /// max_connections bounds open connections per server; beyond it new connections are
  /// accepted and closed at once.
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

  /// drain_delay is how long shutdown() keeps serving as usual — listeners open, keep-alive
  /// on — after readiness turns off (shutting_down(), readyz()) and before the drain starts,
  /// so a load balancer polling /readyz stops sending first (Kubernetes' preStop sleep).
  /// The shutdown deadline counts from its end; close() cuts it short. 0: drain at once.
  std::chrono::milliseconds drain_delay{0};

  /// logger receives server messages; null means default_logger().
  std::shared_ptr<Logger> logger;
  /// conn_state, if set, is called on the owning loop thread at each connection state change.
  std::function<void(const ConnInfo&, ConnState)> conn_state;
  /// check_continue, if set, is called for requests with `Expect: 100-continue` before the
  /// body is read. If it writes a response, that is the answer and the body is never read
  /// (the connection is closed after); otherwise `100 Continue` is sent and the body read.
  Handler check_continue;
};

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
  /// listen_on adds an already-listening stream socket (TCP or Unix) to serve, taking
  /// ownership of it (Go: Server.Serve(listener)): one inherited from systemd or a parent
  /// process (see listeners_from_environment in deploy.hpp), or one made by the caller. Call
  /// it before listen()/serve(); config.listen is still bound too unless it is "". Makes fd
  /// non-blocking and close-on-exec. Errors: not a socket (ENOTSOCK), not a listening stream
  /// socket (invalid_argument), after listen() (operation_canceled).
  std::error_code listen_on(UniqueFd fd);
  /// share_listeners returns close-on-exec duplicates of every listening socket, for handing
  /// them to another process (a hot upgrade, see deploy.hpp). From then on the Unix socket
  /// files are left in place when this server closes, since the other process serves them.
  /// Errors: not listening yet or shutting down (operation_canceled). Thread-safe.
  std::error_code share_listeners(std::vector<UniqueFd>& out);
  /// serve runs the event loops until shutdown() or close() completes. Calls listen() first
  /// if needed. Returns the first error that stopped it, or success.
  std::error_code serve();
  /// listen_and_serve is listen() then serve().
  std::error_code listen_and_serve();
  /// shutdown turns readiness off, waits config.drain_delay (if any), then stops accepting,
  /// closes idle keep-alive connections at once, lets in-flight
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

/// OnSignals calls callback(signal) on a thread of its own each time the process receives
/// one of signals. It installs a handler (sigaction) that only writes the signal number to a
/// pipe its thread reads, so it works whichever thread the kernel delivers to and whatever
/// threads existed before it (an access log's writer, a WorkerPool): construction order does
/// not matter. Its thread unblocks the signals for itself, so they arrive even if every other
/// thread blocks them. The destructor restores the dispositions it replaced and joins the
/// thread; callbacks run one at a time and may block (later signals wait their turn).
///
/// One OnSignals per signal at a time: a second one for the same signal takes it over until
/// it is destroyed (destroy them in reverse order of construction). Throws std::system_error
/// for an invalid signal (SIGKILL, SIGSTOP, out of range) or when the pipe cannot be made.
class OnSignals {
 public:
  OnSignals(std::initializer_list<int> signals, std::function<void(int)> callback);
  ~OnSignals();
  OnSignals(const OnSignals&) = delete;
  OnSignals& operator=(const OnSignals&) = delete;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

/// ShutdownOnSignals calls server.shutdown(deadline) when the process gets one of signals
/// (default SIGINT and SIGTERM), on a thread of its own (see OnSignals). It may be
/// constructed anywhere in main() before serve(): unlike a blocked signal mask, it does not
/// depend on which threads were started before it. Signals after the first are ignored while
/// the server drains (the deadline bounds that). Its destructor restores the previous
/// dispositions.
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
  OnSignals on_;
};

}  // namespace nethttp
