#pragma once
// Worker: one event loop thread of a Server — its listener (with SO_REUSEPORT each worker
// has its own), its connections, its periodic tick. Everything here runs on the worker's
// thread except post() through the loop's mailbox.

#include <cstdint>
#include <memory>
#include <vector>

#include "http/loop_context.hpp"
#include "net/socket.hpp"
#include "reactor/event_loop.hpp"

namespace nethttp {
class ServerImpl;
}

namespace nethttp::detail {

class Worker final : public IoHandler {
 public:
  Worker(ServerImpl& server, unsigned index);
  ~Worker() override;

  /// run is the thread body: the event loop until stop. A loop that fails (its poller, or
  /// an exception escaping it) closes its connections and reports to
  /// ServerImpl::loop_failed(), which stops the server; it never terminates the process.
  void run();
  /// listen_on makes this worker accept on fd (before run). hand_out: connections from it
  /// are spread round-robin over every loop (a socket only this loop accepts on); otherwise
  /// this loop keeps them (one of a SO_REUSEPORT group, where the kernel spreads them).
  /// file, if it names one, is the Unix socket file to remove when the listener closes.
  /// tls: connections from it speak TLS (context().tls must be set).
  void listen_on(UniqueFd fd, bool hand_out, UnixSocketFile file = {}, bool tls = false);

  // Cross-thread requests, carried out on the worker's thread via its mailbox.
  void post_drain();
  void post_stop();
  void post_adopt(UniqueFd fd, const sockaddr_in6& peer, bool tls = false);

  [[nodiscard]] EventLoop& loop() noexcept { return loop_; }
  [[nodiscard]] LoopContext& context() noexcept { return ctx_; }
  [[nodiscard]] unsigned index() const noexcept { return index_; }

  // IoHandler
  void on_io(const PollEvent& event) override;
  void on_key_timer(std::uint64_t key, std::int64_t now_ms) override;
  void after_events() override;

 private:
  // Listeners have tokens 1..N; connection tokens start at 2^32 (see LoopContext).
  static constexpr std::uint64_t kFirstListenToken = 1;
  struct Listener {
    UniqueFd fd;
    bool hand_out = false;
    UnixSocketFile file;
    bool tls = false;
    std::uint64_t ready_turn = 0;  // the loop turn it was last found ready (see accept_ready)
  };

  void accept_ready(Listener& listener);
  void pause_accepting();
  void watch_listeners();
  void close_listeners();
  void schedule_tick(std::int64_t at_ms);

  ServerImpl& server_;
  const unsigned index_;
  EventLoop loop_;
  LoopContext ctx_;
  std::vector<Listener> listeners_;
  bool accepting_ = false;
  std::int64_t last_emfile_log_ms_ = 0;
  unsigned next_handoff_ = 0;
  std::uint64_t turn_ = 2;  // loop turns, counted in after_events (from 2: no listener starts
                            // out "ready on the turn before")
};

}  // namespace nethttp::detail
