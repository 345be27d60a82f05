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
#include "nethttp/server_config.hpp"
#include "nethttp/unique_fd.hpp"

namespace nethttp {

/// LoopStats are the counters of one event loop; see Server::stats().
struct LoopStats {
  std::uint64_t connections_open = 0;  ///< connections open now
  /// connections_accepted counts accepts since listen(), including any closed at once over
  /// max_connections.
  std::uint64_t connections_accepted = 0;
  std::uint64_t requests = 0;  ///< requests handed to the handler
  /// bytes_sent counts HTTP bytes written (headers, bodies, chunk framing); over TLS, the
  /// plaintext before encryption (no record overhead, no handshakes).
  std::uint64_t bytes_sent = 0;
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
  /// address (std::errc::invalid_argument), send_buffer_bytes or receive_buffer_bytes out of
  /// range (std::errc::invalid_argument, logged with the field's name). With
  /// config.listen_tls it first loads the certificates: a failure is logged with the reason
  /// (the file, OpenSSL's message) and returned as TlsErrc::BadCertificate; a build without
  /// TLS returns TlsErrc::NotAvailable.
  std::error_code listen();
  /// listen_on adds an already-listening stream socket (TCP or Unix) to serve, taking
  /// ownership of it (Go: Server.Serve(listener)): one inherited from systemd or a parent
  /// process (see listeners_from_environment in deploy.hpp), or one made by the caller. Call
  /// it before listen()/serve(); config.listen is still bound too unless it is "". Makes fd
  /// non-blocking and close-on-exec; listen() gives a TCP one config.send_buffer_bytes and
  /// receive_buffer_bytes when they are set (else it keeps the sizes it came with). Errors:
  /// not a socket (ENOTSOCK), not a listening stream socket (invalid_argument), after
  /// listen() (operation_canceled).
  std::error_code listen_on(UniqueFd fd);
  /// share_listeners returns close-on-exec duplicates of every listening socket, for handing
  /// them to another process (a hot upgrade, see deploy.hpp). From then on the Unix socket
  /// files are left in place when this server closes, since the other process serves them.
  /// Errors: not listening yet or shutting down (operation_canceled). Thread-safe.
  std::error_code share_listeners(std::vector<UniqueFd>& out);
  /// serve runs the event loops until shutdown() or close() completes. Calls listen() first
  /// if needed. Returns the first error that stopped it, or success. An event loop that
  /// fails (its epoll/kqueue refuses, or an exception escapes it) stops the whole server:
  /// every loop closes its connections at once and serve() returns that loop's error.
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
  /// tls_port is the first bound TLS port (config.listen_tls, after listen()), or 0.
  [[nodiscard]] std::uint16_t tls_port() const noexcept;
  /// reload_tls re-reads the certificate, key and OCSP files of config.tls.certificates.
  /// On success new handshakes use the new certificates (each loop picks them up at its
  /// next accept); established connections go on with the ones they have. On failure the
  /// old certificates stay in use and the result says what failed. Thread-safe (call it
  /// from a SIGHUP handler thread, see OnSignals). Before listen(), or without listen_tls,
  /// it only checks the files.
  TlsResult reload_tls();
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
  ShutdownOnSignals(Server& server, std::chrono::milliseconds deadline, std::initializer_list<int> signals = {});
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
