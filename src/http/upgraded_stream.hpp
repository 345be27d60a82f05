#pragma once
// UpgradedConn: an upgraded connection driven on its loop (nethttp::UpgradedStream). The
// loop's LoopContext keeps it in `upgraded` under a token with kUpgradedTokenBit set, and
// the worker routes its poll events here.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "http/output_queue.hpp"
#include "nethttp/upgrade.hpp"
#include "reactor/poller.hpp"

namespace nethttp::detail {

class LoopContext;
class TlsStream;

/// kUpgradedTokenBit marks poller tokens of upgraded streams (connection tokens are a slab
/// index and a 32-bit generation that never reaches it in practice).
inline constexpr std::uint64_t kUpgradedTokenBit = std::uint64_t{1} << 63;

class UpgradedConn final : public UpgradedStream, public std::enable_shared_from_this<UpgradedConn> {
 public:
  /// UpgradedConn drives fd, through tls when the connection was TLS (null: cleartext).
  UpgradedConn(LoopContext& ctx, UniqueFd fd, std::string leftover, std::string remote, std::uint64_t token,
               std::unique_ptr<TlsStream> tls = nullptr);
  ~UpgradedConn() override;
  UpgradedConn(const UpgradedConn&) = delete;
  UpgradedConn& operator=(const UpgradedConn&) = delete;

  /// start registers the socket with the loop's poller; false on failure (then closed).
  bool start();
  void on_event(const PollEvent& event);
  /// pump delivers input, writes output and runs on_writable, as far as each can go.
  void pump();
  /// abort closes at once, dropping queued output (server stop).
  void abort() noexcept;

  // UpgradedStream
  void on_data(std::function<void(std::string_view)> fn) override;
  void on_close(std::function<void()> fn) override;
  bool write(std::string_view data) override;
  [[nodiscard]] std::size_t buffered_bytes() const noexcept override { return out_.buffered_bytes(); }
  [[nodiscard]] bool congested() const noexcept override;
  void on_writable(std::function<void()> fn) override;
  void close() override;
  [[nodiscard]] bool closed() const noexcept override { return closed_; }
  [[nodiscard]] std::string_view remote_addr() const noexcept override { return remote_; }

 private:
  template <class F>
  bool guarded(const char* what, F&& fn) noexcept;
  void log_threw(const char* what, const char* message) noexcept;
  void schedule_pump();
  bool deliver(std::string_view bytes);
  /// writable_due: an on_writable function is set, the queue is low, and it is not parked
  /// (the last one wrote nothing and nothing was written since).
  [[nodiscard]] bool writable_due() const noexcept;
  void finish() noexcept;

  LoopContext& ctx_;
  UniqueFd fd_;
  std::unique_ptr<TlsStream> tls_;  // the transport seam, as for Connection: null for cleartext
  std::string pending_;             // bytes read past the upgrade request, not delivered yet
  std::string remote_;
  std::uint64_t token_;
  OutputQueue out_;
  std::function<void(std::string_view)> on_data_;
  std::function<void()> on_close_;
  std::function<void()> on_writable_;
  std::uint64_t data_generation_ = 0;   // bumped by on_data(), see deliver()
  std::uint64_t writes_ = 0;            // write() calls that queued bytes
  std::uint64_t writable_idle_at_ = 0;  // writes_ when an on_writable function wrote nothing
  bool writable_idle_ = false;          // ...then one registered again waits for a write
  bool readable_ = true;
  bool closing_ = false;  // close() called: finish once the queue is out
  bool closed_ = false;
  bool in_pump_ = false;
  bool again_ = false;
  bool pump_posted_ = false;
};

}  // namespace nethttp::detail
