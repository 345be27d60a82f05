#pragma once
// Connection: one client socket's state machine on its loop — read, parse, dispatch, write —
// answering pipelined requests strictly in order.
//
// Life of a connection:
//   accepted → New (read_header_timeout from now)
//   first byte → Active: an Exchange is borrowed from the loop; header, then body limits
//   request complete → the handler runs; its response is framed into the output queue
//   (a deferred response parks the connection: no parsing, no reading, until completion)
//   output drained → Idle: the Exchange goes back to the pool (idle_timeout)
//   Connection: close, errors, shutdown → final response, then a lingering close (we stop
//   writing and discard input for a moment so the client reads our answer, not a reset).
// Every state has exactly one deadline (see set_deadline); I/O, timers and deferred
// completions all funnel into pump(), which never recurses.
//
// The connection's life is one Phase (open → closing → lingering → closed);
// what remains beside it is orthogonal: the socket's input side (readable_, peer_eof_), the
// write scheduler (in_ready_list_), pump()'s re-entrancy guard (pump_) and check_continue's
// early answer (answered_early_).
//
// Every user callback the connection runs (the handler, check_continue, deferred and timeout
// callbacks, conn_state, on_finish callbacks — which carry the access log and metrics) goes
// through guarded(): one exception policy, in callback_threw().

#include <netinet/in.h>
#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "http/exchange.hpp"
#include "http/request_parser.hpp"
#include "nethttp/body_reader.hpp"
#include "nethttp/deferred.hpp"
#include "nethttp/server_config.hpp"
#include "nethttp/unique_fd.hpp"
#include "reactor/poller.hpp"

namespace nethttp::detail {

class LoopContext;
class ConnectionTarget;
class BodyStream;
class LoopTls;
class TlsStream;

class Connection final : public ParserEvents {
 public:
  /// Connection serves fd; with tls (a connection from a listen_tls socket) it speaks TLS
  /// through a TlsStream, starting with the handshake.
  Connection(LoopContext& ctx, UniqueFd fd, const sockaddr_in6& peer, std::uint64_t token, LoopTls* tls = nullptr);
  ~Connection() override;
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  /// start registers the socket with the poller and arms the first deadline.
  bool start();
  void on_event(const PollEvent& event);
  /// on_deadline handles a timer firing for this connection (maybe a stale one).
  void on_deadline(std::int64_t now_ms);
  /// on_write_budget continues a write that yielded to other connections.
  void on_write_budget();
  /// begin_drain starts a graceful close: now if idle, else after the current response.
  void begin_drain();
  /// abort closes at once, dropping queued output.
  void abort();

  [[nodiscard]] std::uint64_t token() const noexcept { return token_; }
  [[nodiscard]] bool closed() const noexcept { return phase_ == Phase::closed; }
  [[nodiscard]] bool idle() const noexcept;

  // For ResponseImpl
  void flush_from_handler();
  DeferredResponse make_deferred();
  [[nodiscard]] bool may_keep_alive() const noexcept;
  [[nodiscard]] std::size_t output_high_water() const noexcept { return ctx_high_water_; }
  /// writable_wanted: an on_writable() callback was registered; run it on the next loop
  /// turn if the queue is already low (otherwise the next drain runs it).
  void writable_wanted();
  /// output_overflow: a streaming producer wrote past max_output_bytes; close.
  void output_overflow();

  // For ConnectionTarget (loop thread)
  void on_deferred(std::uint64_t seq, std::function<void(ResponseWriter&)>& fn, bool finish);
  void on_deferred_timeout_armed(std::uint64_t seq, std::int64_t delay_ms, std::function<void(ResponseWriter&)> fn);
  void on_long_lived(std::uint64_t seq);

  /// idle_prev / idle_next link the loop's idle keep-alive connections, oldest first
  /// (LoopContext::reclaim_idle); null when not idle.
  Connection* idle_prev = nullptr;
  Connection* idle_next = nullptr;

  // For BodyStream (loop thread): a consumer's read() of a streamed request body.
  void on_body_read(BodyStream& s, std::function<void(BodyChunk&)> fn);

  // ParserEvents
  Error on_request_headers(Request& request, bool has_body) override;
  bool stream_body(Request& request) override;
  void on_message_start() override;

 private:
  enum class DeadlineKind : std::uint8_t { none, header, body, handler, write, idle, linger, handshake };
  /// Phase is where the connection is in its life. It only moves forwards, but for
  /// check_continue's provisional closing (undone when it lets the body come).
  enum class Phase : std::uint8_t {
    open,       ///< reading and answering requests
    closing,    ///< no more requests: close once the response is out
    lingering,  ///< our FIN is sent; discarding input until the client closes
    closed,     ///< descriptor closed; waiting to be destroyed
  };
  /// Pump is pump()'s re-entrancy guard: a call while running asks for one more round.
  enum class Pump : std::uint8_t { idle, running, again };

  void pump();
  void read_and_parse();
  /// tls_handshake advances the TLS handshake; true once it is done (or the connection
  /// turned into a cleartext 400 for a plain HTTP client), false while waiting or closed.
  bool tls_handshake();
  bool parse(std::string_view data, bool from_pending);
  void dispatch();
  // Streamed request bodies (see body_stream.hpp): start_stream calls the handler at header
  // time; deliver_body hands the consumer what was parsed; fail_body ends the body with an
  // error (and its status, when nothing was sent); end_stream detaches it from the response.
  void start_stream();
  void deliver_body();
  void fail_body(BodyError e, Error status);
  void end_stream() noexcept;
  [[nodiscard]] bool body_streaming() const noexcept;
  void arm_stream_deadline();
  void complete_response();
  template <class F>
  bool guarded(const char* what, F&& fn) noexcept;
  void callback_threw(const char* what, const char* message) noexcept;
  void notify_state(ConnState s);
  void stop_requests() noexcept;
  void respond_error(Error e, std::string_view reason = {});
  void write_output();
  /// watch_writes adds write interest to the socket's registration, once: the first time
  /// a write or a TLS step must wait for the kernel to take more. Until then only reads are
  /// watched, so a new socket costs no wake-up for the writable edge it has at once.
  void watch_writes();
  /// write_stalled: the socket took no more (progressed: it took some first). Waits for
  /// writable under write_timeout.
  void write_stalled(bool progressed);
  /// write_unstalled: everything went out; a write deadline gives way to the one before it.
  void write_unstalled();
  /// flush_tls sends the TLS stream's unsent bytes; false if some wait (or it closed).
  bool flush_tls();
  /// run_writable_callback runs the response's on_writable() callback if the queue is low
  /// enough; true if one ran.
  bool run_writable_callback();
  /// writable_parked: the last on_writable() callback wrote nothing and the response has
  /// written nothing since, so a callback registered now waits for the next write instead
  /// of running every loop turn (see ResponseWriter::on_writable).
  [[nodiscard]] bool writable_parked() const noexcept;
  void after_output_drained();
  /// hand_over gives the socket and the bytes read past the request to the protocol switch
  /// the handler armed (takeover_), and ends this connection without closing the socket.
  void hand_over();
  void settle();
  void start_linger();
  /// input_waiting peeks whether the client has sent bytes not read yet (or OpenSSL holds some).
  [[nodiscard]] bool input_waiting() const;
  /// peek_byte looks at the next byte from the socket without taking it: recv(2)'s result
  /// (1, 0 at the peer's end, -1 with errno such as EAGAIN), retried on EINTR.
  ssize_t peek_byte(unsigned char& c) const;
  void close_now();
  [[nodiscard]] bool can_parse() const noexcept;
  [[nodiscard]] bool response_pending() const noexcept;
  void set_deadline(std::int64_t at_ms, DeadlineKind kind);
  void on_timeout(DeadlineKind kind);
  void set_state(ConnState s);
  void ensure_exchange();
  void run_finish_callbacks(bool completed);
  void log_error(std::string_view what);
  /// kernel_queue_drained reports whether the socket's unsent bytes shrank since last asked.
  bool kernel_queue_drained() noexcept;
  /// kernel_queue_bytes is the socket's unsent byte count (SIOCOUTQ), or -1 if unknown.
  int kernel_queue_bytes() noexcept;

  LoopContext& ctx_;
  UniqueFd fd_;
  std::uint64_t token_;
  std::uint64_t id_;
  std::string remote_;  // "ip:port", formatted once
  RequestParser parser_;
  std::unique_ptr<Exchange> ex_;
  std::shared_ptr<ConnectionTarget> target_;  // the deferred response in flight, if any
  std::shared_ptr<BodyStream> body_stream_;   // the streamed request body, if any
  std::unique_ptr<TlsStream> tls_;            // the transport seam: null for cleartext (plain syscalls)
  bool wants_tls_ = false;                    // from a TLS listener (tls_ may be gone: plaintext 400)
  std::shared_ptr<Takeover> takeover_;        // a 101 is being written: hand over after it
  std::uint64_t deferred_seq_ = 0;
  std::int64_t deadline_ms_ = 0;
  std::int64_t armed_ms_ = 0;  // earliest timer entry queued for us (0: none known)
  std::int64_t message_start_ms_ = 0;
  std::int64_t handler_deadline_ms_ =
      0;  // the handler deadline (0: none), restored after a write stall or a paused streamed body
  std::size_t ctx_high_water_;  // config.output_high_water
  std::size_t linger_discarded_ = 0;
  int last_kernel_queue_ = -1;  // SIOCOUTQ when the write stalled, then at each check
  unsigned batch_ = 0;          // responses produced since the last write
  DeadlineKind deadline_kind_ = DeadlineKind::none;
  ConnState state_ = ConnState::New;
  Phase phase_ = Phase::open;
  Pump pump_ = Pump::idle;
  bool readable_ = true;                // edge-triggered: no EAGAIN seen since the last edge
  bool peer_eof_ = false;               // the client sent FIN
  bool in_ready_list_ = false;          // queued in ctx_.ready_writers for more write budget
  bool watching_writes_ = false;        // write interest registered (see watch_writes)
  bool answered_early_ = false;         // check_continue refused the body with its own response
  bool announced_ = false;              // conn_state was told New (see notify_state)
  bool writable_idle_ = false;          // the last on_writable() callback wrote nothing...
  std::uint64_t writable_idle_at_ = 0;  // ...when the response's bytes_written() was this
};

}  // namespace nethttp::detail
