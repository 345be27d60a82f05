#pragma once
// ServerImpl: the state behind nethttp::Server — configuration, listeners, workers, and the
// shutdown handshake between the thread that calls shutdown() and the loop threads.

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "http/loop_context.hpp"
#include "net/socket.hpp"
#include "nethttp/server.hpp"
#include "server/worker.hpp"
#include "tls/tls_context.hpp"

namespace nethttp {

class ServerImpl final : public detail::ServerHooks {
 public:
  ServerImpl(ServerConfig config, Handler handler);
  ~ServerImpl() override;

  std::error_code listen();
  std::error_code listen_on(UniqueFd fd);
  std::error_code share_listeners(std::vector<UniqueFd>& out);
  std::error_code serve();
  bool shutdown(std::chrono::milliseconds deadline);
  /// loop_failed records the first error that stopped a loop (serve() returns it), and
  /// stops every other loop. Thread-safe; called on the failed loop's thread.
  void loop_failed(unsigned index, std::error_code ec);

  // ServerHooks (thread-safe)
  std::uint64_t next_connection_id() noexcept override { return next_id_.fetch_add(1) + 1; }
  bool try_open_connection() noexcept override;
  void connection_closed() noexcept override;
  /// loop_drained: a loop has closed its listeners and started draining its connections
  /// (called on that loop). Until every loop has, open connections may still grow.
  void loop_drained() noexcept;

  [[nodiscard]] std::uint16_t port() const noexcept { return port_.load(); }
  [[nodiscard]] std::uint16_t tls_port() const noexcept { return tls_port_.load(); }
  TlsResult reload_tls();
  [[nodiscard]] bool shutting_down() const noexcept { return shutting_down_.load(); }
  [[nodiscard]] ServerStats stats() const;
  [[nodiscard]] const ServerConfig& config() const noexcept { return config_; }
  [[nodiscard]] const Handler& handler() const noexcept { return handler_; }
  [[nodiscard]] Logger& logger() noexcept { return *logger_; }
  [[nodiscard]] std::vector<std::unique_ptr<detail::Worker>>& workers() noexcept { return workers_; }
  /// keeps_socket_files: the listeners went to another process, which now serves their Unix
  /// socket files; closing ours must not remove them.
  [[nodiscard]] bool keeps_socket_files() const noexcept { return keep_socket_files_.load(); }

 private:
  void watchdog_main(const std::stop_token& stop);
  /// setup_tls loads the certificates for listen_tls (caller holds mu_).
  std::error_code setup_tls();
  /// check_buffers logs and refuses (invalid_argument) socket buffer sizes out of range.
  std::error_code check_buffers();
  [[nodiscard]] detail::SocketBuffers buffers() const noexcept {
    return {config_.send_buffer_bytes, config_.receive_buffer_bytes};
  }

  ServerConfig config_;
  Handler handler_;
  std::shared_ptr<Logger> logger_;
  struct PendingListener {
    UniqueFd fd;
    bool hand_out = false;  // a lone socket: its loop spreads connections over all loops
    detail::UnixSocketFile file;
    bool tls = false;  // from config.listen_tls
  };
  std::error_code bind_address(const std::string& spec, std::vector<PendingListener>& out);
  std::vector<PendingListener> adopted_;    // listen_on() before listen(); guarded by mu_
  std::vector<PendingListener> listeners_;  // created by listen(), handed to workers by serve()
  std::vector<int> listener_fds_;           // every listening descriptor, for share_listeners()
  std::atomic<bool> keep_socket_files_{false};
  std::vector<std::unique_ptr<detail::Worker>> workers_;
  std::atomic<std::uint16_t> port_{0};
  std::atomic<std::uint16_t> tls_port_{0};
  std::unique_ptr<detail::TlsServerState> tls_;  // set by listen() when listen_tls is; then fixed
  std::atomic<std::uint64_t> next_id_{0};
  std::atomic<std::size_t> open_{0};
  std::atomic<bool> shutting_down_{false};  // shutdown() or close() was called: not ready
  std::atomic<bool> draining_{false};       // listeners closing, new connections refused

  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool listened_ = false;          // guarded by mu_
  bool serving_ = false;           // guarded by mu_
  bool served_ = false;            // guarded by mu_: serve() has returned
  bool stop_sent_ = false;         // guarded by mu_
  bool cut_delay_ = false;         // guarded by mu_: close() ends a drain_delay early
  std::size_t loops_drained_ = 0;  // guarded by mu_: loops that ran post_drain
  std::error_code failure_;        // guarded by mu_: the first error that stopped a loop
};

}  // namespace nethttp
