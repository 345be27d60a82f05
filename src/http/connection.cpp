#include "http/connection.hpp"

#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>
#ifdef __linux__
#include <linux/sockios.h>
#endif

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <exception>
#include <string>
#include <utility>

#include "http/body_stream.hpp"
#include "http/guard_call.hpp"
#include "http/loop_context.hpp"
#include "net/socket.hpp"
#include "nethttp/error.hpp"
#include "tls/tls_stream.hpp"

namespace nethttp::detail {

namespace {
constexpr std::size_t kWriteBudget = 4 * 1024 * 1024;  // per turn, so one client can't hog a loop
constexpr std::int64_t kLingerMs = 2000;               // how long we read after our last word
constexpr std::size_t kLingerMaxBytes = 1024 * 1024;   // ...and how much we are willing to discard
// Queued file ranges a connection may hold before it stops answering pipelined requests:
// each may pin a descriptor the open-file cache has already let go (nginx and Go hold one).
constexpr std::size_t kMaxQueuedFiles = 16;
// How far the kernel's send queue must shrink between write-deadline checks to count as a
// client reading: a reader that never reads still lets a few KiB more in (window probes,
// receive-buffer collapsing), which must not buy it another write_timeout.
constexpr int kMinDrainBytes = 16 * 1024;
}  // namespace

/// ConnectionTarget routes a DeferredResponse's calls, from any thread, to the connection
/// through its loop's mailbox. `alive_` is the only state touched off the loop.
class ConnectionTarget final : public detail::DeferredTarget, public std::enable_shared_from_this<ConnectionTarget> {
 public:
  ConnectionTarget(std::shared_ptr<Mailbox> mailbox, LoopContext* ctx, std::uint64_t token, std::uint64_t seq)
      : mailbox_(std::move(mailbox)), ctx_(ctx), token_(token), seq_(seq) {}

  void dispatch(std::function<void(ResponseWriter&)> fn, bool finish) override {
    if (!alive_.load(std::memory_order_acquire)) return;
    mailbox_->post([self = shared_from_this(), fn = std::move(fn), finish]() mutable {
      if (Connection* c = self->connection()) c->on_deferred(self->seq_, fn, finish);
    });
  }

  void arm_timeout(std::chrono::milliseconds d, std::function<void(ResponseWriter&)> on_timeout) override {
    if (!alive_.load(std::memory_order_acquire)) return;
    mailbox_->post([self = shared_from_this(), d, fn = std::move(on_timeout)]() mutable {
      if (Connection* c = self->connection()) c->on_deferred_timeout_armed(self->seq_, d.count(), std::move(fn));
    });
  }

  void set_long_lived() override {
    if (!alive_.load(std::memory_order_acquire)) return;
    mailbox_->post([self = shared_from_this()] {
      if (Connection* c = self->connection()) c->on_long_lived(self->seq_);
    });
  }

  void dispatch_after(std::chrono::milliseconds d, std::function<void(ResponseWriter&)> fn) override {
    if (!alive_.load(std::memory_order_acquire)) return;
    mailbox_->post([self = shared_from_this(), d, fn = std::move(fn)]() mutable {
      if (self->connection() == nullptr) return;
      // The timer keeps only the target: a stream that ends first leaves a no-op behind.
      self->ctx_->loop.run_after(std::max<std::int64_t>(d.count(), 0), [self, fn = std::move(fn)]() mutable {
        if (Connection* c = self->connection()) c->on_deferred(self->seq_, fn, false);
      });
    });
  }

  bool alive() const noexcept override { return alive_.load(std::memory_order_acquire); }
  void kill() noexcept { alive_.store(false, std::memory_order_release); }

 private:
  // Loop thread only: the LoopContext outlives every task its mailbox runs.
  Connection* connection() const noexcept {
    if (!alive_.load(std::memory_order_acquire)) return nullptr;
    return ctx_->find(token_);
  }
  std::shared_ptr<Mailbox> mailbox_;
  LoopContext* ctx_;
  std::uint64_t token_;
  std::uint64_t seq_;
  std::atomic<bool> alive_{true};
};

Connection::Connection(LoopContext& ctx, UniqueFd fd, const sockaddr_in6& peer, std::uint64_t token, LoopTls* tls)
    : ctx_(ctx),
      fd_(std::move(fd)),
      token_(token),
      id_(ctx.hooks.next_connection_id()),
      parser_(ctx.limits, *this),
      ctx_high_water_(ctx.config.output_high_water) {
  format_address(reinterpret_cast<const sockaddr*>(&peer), remote_);
  if (tls) {
    wants_tls_ = true;
    tls_ = TlsStream::accept(*tls, fd_.get());
  }
}

// guarded runs fn, a user callback, under the connection's one exception policy
// (callback_threw). Returns false if fn threw.
template <class F>
bool Connection::guarded(const char* what, F&& fn) noexcept {
  return guard_call(std::forward<F>(fn), [&](const char* message) { callback_threw(what, message); });
}

Connection::~Connection() {
  if (state_ == ConnState::Idle) ctx_.unlink_idle(*this);
  if (target_) target_->kill();
  if (body_stream_) body_stream_->detach();
  if (ex_) ctx_.release_exchange(std::move(ex_));
}

bool Connection::start() {
  ctx_.counters.add(ctx_.counters.open, 1);  // close_now() takes it back, also after a failed start
  if (ctx_.loop.poller().add(fd_.get(), token_, Interest{.read = true, .edge = true})) return false;
  notify_state(ConnState::New);
  if (closed()) return true;  // conn_state threw: closed already
  if (wants_tls_ && !tls_) {  // no SSL object (out of memory)
    abort();
    return true;
  }
  if (tls_) {
    set_deadline(ctx_.loop.now_ms() + ctx_.config.tls.handshake_timeout.count(), DeadlineKind::handshake);
  } else {
    set_deadline(ctx_.loop.now_ms() + ctx_.config.read_header_timeout.count(), DeadlineKind::header);
  }
  pump();  // the request often arrives with the connection
  return true;
}

bool Connection::idle() const noexcept {
  return !parser_.in_message() && !response_pending() && (!ex_ || (ex_->out.empty() && ex_->pending_input.empty())) &&
         !(tls_ && tls_->has_unsent());
}

bool Connection::may_keep_alive() const noexcept {
  return phase_ == Phase::open && parser_.keep_alive() && !ctx_.draining && !peer_eof_;
}

bool Connection::response_pending() const noexcept { return ex_ && ex_->response.active(); }

bool Connection::body_streaming() const noexcept {
  return body_stream_ && body_stream_->state == BodyStream::State::reading;
}

bool Connection::can_parse() const noexcept {
  if (body_streaming()) {
    // A streamed body is parsed only while its consumer asks and has had the last chunk:
    // otherwise the socket is left unread and TCP closes the client's window.
    return (phase_ == Phase::open || phase_ == Phase::closing) && body_stream_->pending && ex_->request.body().empty();
  }
  return phase_ == Phase::open && !response_pending() &&
         (!ex_ ||
          (ex_->out.buffered_bytes() < ctx_.config.max_output_bytes && ex_->out.file_slices() < kMaxQueuedFiles));
}

void Connection::set_state(ConnState s) {
  if (s == state_) return;
  if (state_ == ConnState::Idle) ctx_.unlink_idle(*this);
  state_ = s;
  if (s == ConnState::Idle) ctx_.link_idle(*this);
  notify_state(s);
}

void Connection::notify_state(ConnState s) {
  // A connection that failed to start (start() returns false before New) reports nothing,
  // not a Closed without a New (ServerConfig::conn_state).
  if (s == ConnState::New) announced_ = true;
  if (!ctx_.config.conn_state || !announced_) return;
  guarded("conn_state", [&] { ctx_.config.conn_state(ConnInfo{id_, remote_, ctx_.index}, s); });
}

void Connection::stop_requests() noexcept {
  if (phase_ == Phase::open) phase_ = Phase::closing;
}

void Connection::ensure_exchange() {
  if (ex_) return;
  ex_ = ctx_.acquire_exchange();
  ex_->request.set_remote_addr(remote_);
  ex_->request.set_tls(tls_ ? &tls_->info() : nullptr);
  parser_.bind(&ex_->request, &ex_->scratch);
}

// ---- events -------------------------------------------------------------------------

void Connection::on_event(const PollEvent& event) {
  if (closed()) return;
  if (event.readable || event.hangup) {
    readable_ = true;
    if (tls_) tls_->on_readable();
  }
  if (event.writable && tls_ && tls_->read_wants_write()) readable_ = true;
  // A handshake waiting for the client gains nothing from a writable edge (one comes right
  // after the socket is registered): resuming it would only read EAGAIN again.
  if (tls_ && !tls_->established() && !readable_ && !tls_->handshake_wants_write()) return;
  if (event.hangup && response_pending()) {
    abort();  // the client is gone: a deferred completion becomes a no-op
    return;
  }
  if (event.readable && response_pending() && !peer_eof_) {
    // We are not reading while a deferred response is outstanding, but a client that left
    // should be noticed (DeferredResponse::client_gone): peek for EOF.
    unsigned char c;
    const ssize_t n = peek_byte(c);
    if (n == 0 || (n < 0 && errno != EAGAIN)) {
      abort();
      return;
    }
  }
  pump();
}

void Connection::on_write_budget() {
  in_ready_list_ = false;
  if (!closed()) pump();
}

void Connection::pump() {
  if (pump_ != Pump::idle) {
    pump_ = Pump::again;
    return;
  }
  bool writable_ran = false;  // at most once per pump: a callback that only re-registers must not spin
  do {
    pump_ = Pump::running;
    if (phase_ == Phase::lingering) {
      start_linger();
      break;
    }
    if (tls_ && !tls_->established() && !tls_handshake()) break;
    write_output();
    if (closed()) break;
    read_and_parse();
    if (closed()) break;
    deliver_body();
    if (closed()) break;
    write_output();
    if (closed()) break;
    if (!writable_ran && run_writable_callback()) {
      writable_ran = true;
      if (closed()) break;
      pump_ = Pump::again;  // write what it produced
    }
    // Writing may have drained enough to lift backpressure: go back for waiting input now,
    // because no further event will announce it.
    if (can_parse() && ((ex_ && !ex_->pending_input.empty()) || (readable_ && !peer_eof_))) pump_ = Pump::again;
  } while (pump_ == Pump::again && !closed());
  pump_ = Pump::idle;
  // A writable callback registered again and already due (the queue drained within this
  // round): no socket event will come for it, so run it on the next loop turn.
  if (writable_ran && !closed() && ex_ && ex_->response.wants_writable()) writable_wanted();
  settle();
}

void Connection::read_and_parse() {
  std::string& buf = ctx_.read_buffer;
  while (can_parse()) {
    if (ex_ && !ex_->pending_input.empty()) {
      if (!parse(ex_->pending_input, true)) return;
      continue;
    }
    if (!readable_ || peer_eof_) return;
    ssize_t n = tls_ ? tls_->read(buf.data(), buf.size()) : ::read(fd_.get(), buf.data(), buf.size());
    if (n > 0) {
      // A short read emptied the socket; the next arrival raises a new edge. Not so for
      // TLS: a read returns one record, and more may wait in OpenSSL or the socket.
      if (static_cast<std::size_t>(n) < buf.size() && !tls_) readable_ = false;
      if (!parse(std::string_view(buf.data(), static_cast<std::size_t>(n)), false)) return;
    } else if (n == 0) {
      peer_eof_ = true;
      readable_ = false;
      return;
    } else if (errno == EINTR) {
      continue;
    } else if (errno == EAGAIN) {
      readable_ = false;
      if (tls_ && tls_->read_wants_write()) watch_writes();
      return;
    } else {
      abort();
      return;
    }
  }
}

bool Connection::parse(std::string_view data, bool from_pending) {
  ensure_exchange();
  std::string_view rest = data;
  auto stash = [&] {
    if (from_pending) {
      ex_->pending_input.erase(0, ex_->pending_input.size() - rest.size());
    } else {
      ex_->pending_input.assign(rest);
    }
  };
  while (!rest.empty()) {
    std::size_t used = 0;
    const bool streamed = body_streaming();
    if (streamed) parser_.set_body_limit(body_stream_->limit());  // the consumer may change it
    RequestParser::Status st = parser_.execute(rest, used);
    rest.remove_prefix(used);
    if (closed()) return false;  // a callback run by the parser (conn_state) threw
    if (streamed) body_stream_->received_ = parser_.body_received();
    if (st == RequestParser::Status::need_more) break;
    if (st == RequestParser::Status::error) {
      if (streamed) {
        const Error e = parser_.error();
        fail_body(e == Error::BodyTooLarge ? BodyError::TooLarge : BodyError::Malformed, e);
        return false;
      }
      ex_->pending_input.clear();
      if (!response_pending()) respond_error(parser_.error(), parser_.reason());
      return false;
    }
    if (st == RequestParser::Status::headers) {
      stash();  // the body's first bytes, for when the consumer asks
      start_stream();
      return false;
    }
    parser_.next_message();
    if (streamed) {
      // The end of a streamed body: End goes to the consumer at its next read; a pipelined
      // request waits behind the response.
      body_stream_->state = BodyStream::State::done;
      stash();
      return false;
    }
    dispatch();
    if (closed()) return false;
    if (++batch_ >= ctx_.config.max_pipelined) write_output();
    if (closed()) return false;
    if (!can_parse()) {
      stash();
      return false;
    }
  }
  if (from_pending) ex_->pending_input.clear();
  return true;
}

bool Connection::tls_handshake() {
  switch (tls_->handshake()) {
    case TlsStream::Handshake::want:
      // OpenSSL saw EAGAIN on the socket: the next edge resumes it.
      if (tls_->handshake_wants_write()) {
        watch_writes();
      } else {
        readable_ = false;
      }
      return false;
    case TlsStream::Handshake::failed: abort(); return false;
    case TlsStream::Handshake::plaintext: {
      // A TLS client starts with a handshake record (0x16). An uppercase letter is an HTTP
      // method: a plain HTTP client on the TLS port gets nginx's answer in cleartext.
      const unsigned char first = tls_->first_byte();
      if (first < 'A' || first > 'Z') {
        close_now();
        return false;
      }
      tls_.reset();  // from here a cleartext connection that answers once and closes
      respond_error(Error::BadRequest, "plain HTTP request was sent to HTTPS port");
      return !closed();
    }
    case TlsStream::Handshake::done: break;
  }
  // The request may have come with the client's last handshake flight.
  readable_ = true;
  set_deadline(ctx_.loop.now_ms() + ctx_.config.read_header_timeout.count(), DeadlineKind::header);
  return true;
}

// ---- requests and responses -----------------------------------------------------------

void Connection::on_message_start() {
  const std::int64_t now = ctx_.loop.now_ms();
  message_start_ms_ = now;
  set_state(ConnState::Active);
  // A new connection keeps the deadline it got at accept: trickling a first byte late
  // must not buy a slowloris client a fresh header timeout.
  if (deadline_kind_ != DeadlineKind::header) {
    set_deadline(now + std::min(ctx_.config.read_header_timeout, ctx_.config.read_timeout).count(),
                 DeadlineKind::header);
  }
}

bool Connection::stream_body(Request& request) {
  try {
    return ctx_.handler.streams(request);
  } catch (...) {  // a route lookup that could not allocate: read the body buffered
    return false;
  }
}

Error Connection::on_request_headers(Request& request, bool has_body) {
  if (!has_body) return Error::Ok;
  set_deadline(message_start_ms_ + ctx_.config.read_timeout.count(), DeadlineKind::body);
  if (!parser_.expects_continue()) return Error::Ok;
  if (ctx_.config.check_continue) {
    // Let the application refuse the body before the client sends it (RFC 9110 10.1.1).
    ResponseImpl& w = ex_->response;
    phase_ = Phase::closing;  // provisional: if it answers now, the unread body ends the connection
    w.begin(*this, ex_->out, ctx_.date, request);
    guarded("check_continue", [&] { ctx_.config.check_continue.serve(w, request); });
    if (w.status() != 0 || closed()) {
      complete_response();
      answered_early_ = true;
      return Error::ExpectationFailed;  // stop parsing; the answer is already queued
    }
    w.mark_inactive();
    phase_ = Phase::open;  // parsing runs only while open, so that is where we were
  }
  // A streamed body's handler runs next (check_continue having let it): 100 Continue goes
  // out at its first read (on_body_read), never if it answers without reading.
  if (parser_.streaming()) return Error::Ok;
  ex_->out.append("HTTP/1.1 100 Continue\r\n\r\n");
  return Error::Ok;
}

void Connection::dispatch() {
  Exchange& ex = *ex_;
  Request& r = ex.request;
  ResponseImpl& w = ex.response;
  w.begin(*this, ex.out, ctx_.date, r);
  ctx_.counters.add(ctx_.counters.requests, 1);
  ctx_.note_route(r.method(), r.path());
  set_deadline(0, DeadlineKind::none);
  handler_deadline_ms_ = 0;
  writable_idle_ = false;
  const bool threw = !guarded("handler", [&] { ctx_.handler.serve(w, r); });
  if (closed()) return;
  if (!threw && w.deferred() && !w.finished()) {
    // From here on writes come from a streaming producer: hold it to max_output_bytes.
    w.set_output_limit(std::max<std::size_t>(ctx_.config.max_output_bytes, 1));
    handler_deadline_ms_ = ctx_.loop.now_ms() + ctx_.config.handler_timeout.count();
    set_deadline(handler_deadline_ms_, DeadlineKind::handler);
    return;
  }
  complete_response();
}

// callback_threw is the policy for a user callback that threw: log it with the route, answer
// 500 if nothing of the response was sent, close the connection otherwise (part of the
// response is out, or there is no response to answer), and keep serving everything else.
void Connection::callback_threw(const char* what, const char* message) noexcept {
  try {
    const bool in_request = ex_ && (ex_->response.active() || parser_.in_message());
    std::string line = std::string(what) + " threw (";
    if (in_request) {
      line.append(ex_->request.method()).append(" ").append(ex_->request.target());
    } else {
      line.append("connection ").append(remote_);
    }
    log_error(line.append("): ").append(message));
  } catch (...) {  // the logger is user code too: its failure must not change the answer
  }
  try {
    if (ex_ && ex_->response.active() && ex_->response.reset_for_error()) {
      error(ex_->response, "500 internal server error", Status::InternalServerError);
      return;
    }
  } catch (...) {  // no memory for the error body: closing still ends it honestly
  }
  abort();
}

void Connection::complete_response() {
  ResponseImpl& w = ex_->response;
  if (!w.active()) return;
  // A response that ends before its streamed body was read ends the connection: the rest
  // of the body is discarded while lingering.
  if (body_streaming()) stop_requests();
  w.finish();
  w.take_finish_callbacks(ex_->finished);
  w.mark_inactive();
  if (target_) {
    target_->kill();
    target_.reset();
  }
  ex_->on_deferred_timeout = nullptr;
  w.drop_writable_callback();
  handler_deadline_ms_ = 0;
  if (auto takeover = w.take_takeover()) {
    takeover_ = std::move(takeover);
    stop_requests();  // what follows the request belongs to the new protocol
    return;
  }
  // A CONNECT answered without a tunnel: what the client sent after it is tunnel data, not
  // a request (serve_connect only: without it, CONNECT never gets this far).
  if (ctx_.config.serve_connect && ex_->request.method() == "CONNECT") stop_requests();
  if (!w.keep_alive() || !parser_.keep_alive() || ctx_.draining) stop_requests();
  end_stream();
}

void Connection::respond_error(Error e, std::string_view reason) {
  if (closed()) return;
  ensure_exchange();
  if (answered_early_) return;  // check_continue already answered
  const int status = status_for(e);
  stop_requests();
  ResponseImpl& w = ex_->response;
  w.begin(*this, ex_->out, ctx_.date, ex_->request);
  const std::string message = error_text(e, reason);
  if (Request& req = ex_->request; req.method().empty() && !ex_->scratch.method.empty()) {
    // Rejected before the header was complete (431, ...): give the error writer and the
    // observers (an access log) the request line as far as it was read; not an over-long
    // target (414).
    req.set_method(ex_->scratch.method);
    if (e != Error::UriTooLong) (void)req.set_target(ex_->scratch.target);
  }
  try {
    write_error_with(ctx_.config.error_writer, w, ex_->request, status, message);
  } catch (const std::exception& ex) {
    log_error(std::string("error_writer threw: ") + ex.what());
    if (w.reset_for_error()) error(w, message, status);
  } catch (...) {
    log_error("error_writer threw a non-standard exception");
    if (w.reset_for_error()) error(w, message, status);
  }
  if (!ctx_.config.reject_observers.empty()) {
    // The request stays in the exchange until the connection is destroyed, after this runs.
    w.on_finish([ctx = &ctx_, request = &ex_->request](const ResponseStats& stats) {
      for (const ResponseObserver& observe : ctx->config.reject_observers) {
        try {
          observe(*request, stats);
        } catch (const std::exception& ex) {
          if (ctx->logger.enabled(LogLevel::Error)) {
            ctx->logger.log(LogLevel::Error, std::string("reject observer threw: ") + ex.what());
          }
        } catch (...) {}
      }
    });
  }
  complete_response();
}

void Connection::flush_from_handler() {
  if (!closed()) write_output();
}

DeferredResponse Connection::make_deferred() {
  ++deferred_seq_;
  target_ = std::make_shared<ConnectionTarget>(ctx_.loop.mailbox(), &ctx_, token_, deferred_seq_);
  return DeferredResponse(target_);
}

void Connection::on_deferred(std::uint64_t seq, std::function<void(ResponseWriter&)>& fn, bool finish) {
  if (closed() || !ex_ || seq != deferred_seq_ || !target_) return;
  ResponseImpl& w = ex_->response;
  if (!w.active() || w.finished()) return;
  const bool threw = fn && !guarded("deferred callback", [&] { fn(w); });
  if (closed()) return;
  if (finish || threw) complete_response();
  pump();
}

void Connection::on_deferred_timeout_armed(std::uint64_t seq, std::int64_t delay_ms,
                                           std::function<void(ResponseWriter&)> fn) {
  if (closed() || !ex_ || seq != deferred_seq_ || !response_pending()) return;
  ex_->on_deferred_timeout = std::move(fn);
  const std::int64_t at = ctx_.loop.now_ms() + std::max<std::int64_t>(delay_ms, 0);
  handler_deadline_ms_ = at;  // restored after a write stall, and while a streamed body pauses
  if (body_stream_ && deadline_kind_ == DeadlineKind::body && deadline_ms_ <= at) return;  // waiting for the client
  set_deadline(at, DeadlineKind::handler);
}

// ---- streamed request bodies ----------------------------------------------------------

void Connection::start_stream() {
  Request& r = ex_->request;
  r.mutable_body().clear();  // from here on it stages one chunk at a time
  body_stream_ = std::make_shared<BodyStream>(ctx_.loop.mailbox(), &ctx_, token_, ctx_.limits.max_body_bytes);
  r.set_body_stream(body_stream_.get());
  handler_deadline_ms_ = 0;
  dispatch();
  if (closed() || !body_stream_) return;  // answered without taking the body: end_stream ran
  r.set_body_stream(nullptr);             // the request is the handler's only while it runs
  handler_deadline_ms_ = deadline_kind_ == DeadlineKind::handler ? deadline_ms_ : 0;
  parser_.set_body_limit(body_stream_->limit());
  if (!parser_.resume_body()) {
    fail_body(BodyError::TooLarge, Error::BodyTooLarge);  // its Content-Length says so
    return;
  }
  arm_stream_deadline();
}

void Connection::on_body_read(BodyStream& s, std::function<void(BodyChunk&)> fn) {
  if (!fn) return;
  if (closed() || body_stream_.get() != &s) {
    BodyChunk c;
    s.terminal(c);
    guarded("body reader", [&] { fn(c); });
    return;
  }
  s.pending = std::move(fn);
  if (!s.asked) {
    s.asked = true;
    // RFC 9110 10.1.1: the client waits for this before sending the body.
    // Not for a body its Content-Length already puts over the limit: start_stream refuses it.
    if (parser_.expects_continue() && body_streaming() && !ex_->response.committed() &&
        parser_.declared_length() <= s.limit()) {
      ex_->out.append("HTTP/1.1 100 Continue\r\n\r\n");
    }
  }
  pump();
}

void Connection::deliver_body() {
  if (!body_stream_ || !body_stream_->pending || !ex_) return;
  BodyStream& s = *body_stream_;
  std::string& staging = ex_->request.mutable_body();
  BodyChunk c;
  if (!staging.empty()) {
    c.data = staging;
    c.storage = &staging;
  } else if (s.state == BodyStream::State::reading) {
    arm_stream_deadline();  // the consumer waits for the client
    return;
  } else {
    s.terminal(c);
    if (s.state == BodyStream::State::done) c.trailers = &ex_->scratch.trailers;
  }
  std::function<void(BodyChunk&)> fn = std::move(s.pending);
  s.pending = nullptr;
  std::shared_ptr<BodyStream> keep = body_stream_;  // the callback may end the stream
  const bool threw = !guarded("body reader", [&] { fn(c); });
  if (closed()) return;
  if (c.event == BodyEvent::Data) {
    staging.clear();
    // Progress: a new wait for the client starts from now.
    if (deadline_kind_ == DeadlineKind::body) {
      set_deadline(handler_deadline_ms_, handler_deadline_ms_ != 0 ? DeadlineKind::handler : DeadlineKind::none);
    }
  }
  if (threw) {
    complete_response();  // callback_threw wrote the 500, or the connection is closed
    return;
  }
  arm_stream_deadline();
}

// arm_stream_deadline keeps the one deadline right while a body streams: read_timeout while
// the consumer waits for the client, only the handler's deadline while the consumer pauses.
void Connection::arm_stream_deadline() {
  if (!body_stream_ || !ex_) return;
  const bool waiting = body_streaming() && body_stream_->pending && ex_->request.body().empty();
  if (waiting) {
    if (deadline_kind_ == DeadlineKind::body) return;
    const std::int64_t at = ctx_.loop.now_ms() + ctx_.config.read_timeout.count();
    if (handler_deadline_ms_ != 0 && handler_deadline_ms_ < at) {
      set_deadline(handler_deadline_ms_, DeadlineKind::handler);
    } else {
      set_deadline(at, DeadlineKind::body);
    }
  } else if (deadline_kind_ == DeadlineKind::body) {
    set_deadline(handler_deadline_ms_, handler_deadline_ms_ != 0 ? DeadlineKind::handler : DeadlineKind::none);
  }
}

void Connection::fail_body(BodyError e, Error status) {
  if (!body_streaming()) return;
  BodyStream& s = *body_stream_;
  s.state = BodyStream::State::failed;
  s.error = e;
  ex_->request.mutable_body().clear();
  ex_->pending_input.clear();
  stop_requests();  // the body's framing is lost: no further request on this connection
  ResponseImpl& w = ex_->response;
  if (w.active()) {
    if (w.reset_for_error()) {
      const std::string message = error_text(status);
      try {
        write_error_with(ctx_.config.error_writer, w, ex_->request, status_for(status), message);
      } catch (...) {
        log_error("error_writer threw");
        if (w.reset_for_error()) error(w, message, status_for(status));
      }
      complete_response();  // end_stream tells the consumer
      return;
    }
    abort();  // part of the response is out: only closing can end it (close_now tells the consumer)
    return;
  }
  deliver_body();
}

void Connection::end_stream() noexcept {
  if (!body_stream_) return;
  std::shared_ptr<BodyStream> s = std::move(body_stream_);
  body_stream_.reset();
  if (s->state == BodyStream::State::reading) stop_requests();  // the unread rest is discarded
  std::function<void(BodyChunk&)> fn = std::move(s->pending);
  s->pending = nullptr;
  s->detach();
  handler_deadline_ms_ = 0;
  if (ex_) ex_->request.set_body_stream(nullptr);
  if (fn) {
    BodyChunk c;
    s->terminal(c);
    guarded("body reader", [&] { fn(c); });
  }
}

void Connection::on_long_lived(std::uint64_t seq) {
  if (closed() || !ex_ || seq != deferred_seq_ || !response_pending()) return;
  if (ex_->on_deferred_timeout) return;  // an explicit set_timeout() still applies
  handler_deadline_ms_ = 0;
  if (deadline_kind_ == DeadlineKind::handler) set_deadline(0, DeadlineKind::none);
}

void Connection::writable_wanted() {
  if (closed() || !ex_ || in_ready_list_ || writable_parked()) return;
  if (ex_->out.buffered_bytes() > ctx_high_water_ / 2) return;  // a drain will run it
  in_ready_list_ = true;                                        // next loop turn: pump() runs it
  ctx_.ready_writers.push_back(token_);
}

void Connection::output_overflow() {
  if (closed()) return;
  if (ctx_.logger.enabled(LogLevel::Warn)) {
    ctx_.logger.log(LogLevel::Warn, std::string("closing ") + remote_ +
                                        ": streaming response outgrew max_output_bytes (client not reading)");
  }
  abort();
}

bool Connection::writable_parked() const noexcept {
  return writable_idle_ && ex_ && ex_->response.bytes_written() == writable_idle_at_;
}

bool Connection::run_writable_callback() {
  if (!ex_ || !ex_->response.wants_writable() || !ex_->response.active() || writable_parked()) return false;
  auto fn = ex_->response.take_writable_callback(ctx_high_water_ / 2);
  if (!fn) return false;
  const std::uint64_t before = ex_->response.bytes_written();
  guarded("on_writable callback", [&] { fn(ex_->response); });
  // A callback that wrote nothing (and maybe registered itself again) would otherwise run on
  // every loop turn while the queue stays low: it waits for the response's next write.
  writable_idle_ = ex_ && ex_->response.bytes_written() == before;
  writable_idle_at_ = before;
  return true;
}

// ---- output ----------------------------------------------------------------------------

void Connection::write_output() {
  batch_ = 0;
  if (!ex_ || ex_->out.empty()) {
    if (ex_ && !ex_->finished.empty()) run_finish_callbacks(true);
    return;
  }
  std::size_t written = 0;
  OutputQueue::Result res =
      tls_ ? ex_->out.write_to(*tls_, kWriteBudget, written) : ex_->out.write_to(fd_.get(), kWriteBudget, written);
  if (written > 0) ctx_.counters.add(ctx_.counters.bytes_sent, written);
  switch (res) {
    case OutputQueue::Result::drained:
      write_unstalled();
      run_finish_callbacks(true);
      break;
    case OutputQueue::Result::blocked: write_stalled(written > 0); break;
    case OutputQueue::Result::yielded:
      if (!in_ready_list_) {
        in_ready_list_ = true;
        ctx_.ready_writers.push_back(token_);
      }
      break;
    case OutputQueue::Result::failed: abort(); break;
  }
}

void Connection::write_stalled(bool progressed) {
  watch_writes();
  if (closed()) return;
  // nginx's send_timeout: the clock restarts whenever the client takes some bytes.
  if (progressed || deadline_kind_ != DeadlineKind::write) {
    // The send queue as the stall starts: only a shrink from here on is progress.
    last_kernel_queue_ = kernel_queue_bytes();
    set_deadline(ctx_.loop.now_ms() + ctx_.config.write_timeout.count(), DeadlineKind::write);
  }
}

void Connection::write_unstalled() {
  if (deadline_kind_ != DeadlineKind::write) return;
  // A deferred response that was waiting on the client goes back to its own deadline.
  if (response_pending() && handler_deadline_ms_ != 0) {
    set_deadline(handler_deadline_ms_, DeadlineKind::handler);
  } else {
    set_deadline(0, DeadlineKind::none);
  }
}

bool Connection::flush_tls() {
  switch (tls_->flush()) {
    case TlsStream::Flush::done: write_unstalled(); return true;
    case TlsStream::Flush::blocked: write_stalled(false); return false;
    case TlsStream::Flush::failed: abort(); return false;
  }
  return false;
}

void Connection::watch_writes() {
  if (watching_writes_ || closed()) return;
  if (ctx_.loop.poller().modify(fd_.get(), token_, Interest{.read = true, .write = true, .edge = true})) {
    abort();  // without a writable edge this connection could never finish its output
    return;
  }
  watching_writes_ = true;
}

void Connection::run_finish_callbacks(bool completed) {
  if (!ex_ || ex_->finished.empty()) return;
  auto callbacks = std::move(ex_->finished);
  ex_->finished.clear();
  for (auto& callback : callbacks) {
    callback.second.completed = completed;
    guarded("on_finish callback", [&] { callback.first(callback.second); });
  }
}

void Connection::settle() {
  if (phase_ == Phase::lingering || phase_ == Phase::closed) return;
  // Encrypted bytes no response took along (the handshake's last flight while no request
  // has come, a KeyUpdate answer) leave now.
  if (tls_ && tls_->has_unsent() && !flush_tls()) return;
  if (response_pending()) {
    if (peer_eof_) abort();
    return;
  }
  if (ex_ && !ex_->out.empty()) return;  // write deadline armed in write_output
  if (takeover_) {
    hand_over();
    return;
  }
  if (phase_ == Phase::closing) {
    start_linger();
    return;
  }
  if (peer_eof_) {
    close_now();
    return;
  }
  if (parser_.in_message() || (ex_ && !ex_->pending_input.empty())) return;  // partial request
  if (ex_) ctx_.release_exchange(std::move(ex_));
  if (state_ == ConnState::New) return;  // still waiting for a first request: header deadline
  if (ctx_.draining) {
    close_now();
    return;
  }
  set_state(ConnState::Idle);
  if (closed()) return;              // conn_state threw
  if (tls_) tls_->release_buffer();  // an idle connection keeps no output memory
  if (deadline_kind_ != DeadlineKind::idle) {
    set_deadline(ctx_.loop.now_ms() + ctx_.config.idle_timeout.count(), DeadlineKind::idle);
  }
}

void Connection::start_linger() {
  if (phase_ != Phase::lingering) {
    // Like nginx's lingering_close "on": wait only when the client may still be sending (a
    // request cut short by an error, or pipelined input we will never answer). A client
    // that sent a complete request and nothing more gets an immediate close.
    const bool client_may_send =
        parser_.in_message() || (ex_ && !ex_->pending_input.empty()) || (readable_ && input_waiting());
    if (tls_) tls_->shutdown();  // close_notify
    if (!client_may_send) {
      close_now();  // nothing unread, so close(2) sends a FIN, not a reset
      return;
    }
    ::shutdown(fd_.get(), SHUT_WR);  // our FIN follows the last response byte
    phase_ = Phase::lingering;
    set_deadline(ctx_.loop.now_ms() + std::min<std::int64_t>(kLingerMs, ctx_.config.idle_timeout.count()),
                 DeadlineKind::linger);
  }
  // Discard what the client still sends (an unread body would otherwise make our close a
  // reset that can destroy the response in flight) until it closes or we run out of patience.
  std::string& buf = ctx_.read_buffer;
  for (;;) {
    ssize_t n = ::read(fd_.get(), buf.data(), buf.size());
    if (n > 0) {
      linger_discarded_ += static_cast<std::size_t>(n);
      if (linger_discarded_ > kLingerMaxBytes) break;
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) return;
    break;  // EOF or error
  }
  close_now();
}

bool Connection::input_waiting() const {
  if (tls_ && tls_->has_pending()) return true;
  // As for cleartext after a short read: nothing came since (its edge would have said so).
  if (tls_ && tls_->socket_drained()) return false;
  unsigned char c;
  return peek_byte(c) > 0;
}

ssize_t Connection::peek_byte(unsigned char& c) const {
  ssize_t n;
  do {
    n = ::recv(fd_.get(), &c, 1, MSG_PEEK);
  } while (n < 0 && errno == EINTR);
  return n;
}

void Connection::hand_over() {
  std::shared_ptr<Takeover> takeover = std::move(takeover_);
  std::string leftover;
  if (ex_) leftover.swap(ex_->pending_input);
  ctx_.loop.poller().remove(fd_.get());
  UniqueFd fd = std::move(fd_);
  std::unique_ptr<TlsStream> tls = std::move(tls_);  // a TLS stream goes on through its session
  close_now();  // forgotten for timeouts, stats and the drain; the socket is no longer ours
  takeover->run(ctx_, std::move(fd), std::move(leftover), remote_, std::move(tls));
}

void Connection::abort() {
  if (ex_) ex_->out.clear();
  close_now();
}

void Connection::close_now() {
  if (closed()) return;
  phase_ = Phase::closed;
  if (target_) {
    target_->kill();
    target_.reset();
  }
  end_stream();
  if (ex_) {
    ResponseImpl& w = ex_->response;
    w.drop_writable_callback();
    if (w.active()) {
      w.take_finish_callbacks(ex_->finished);
      w.mark_inactive();
    }
    run_finish_callbacks(false);
  }
  // Counted out before the close: a client that sees its connection end must not then find
  // it still counted open in stats().
  ctx_.counters.add(ctx_.counters.open, static_cast<std::uint64_t>(-1));
  fd_.reset();  // closing removes it from the poller
  deadline_kind_ = DeadlineKind::none;
  ctx_.hooks.connection_closed();
  set_state(ConnState::Closed);
  // The exchange stays until the connection is destroyed: a handler on the stack may still
  // hold its ResponseWriter.
  ctx_.retire(*this);
}

void Connection::begin_drain() {
  if (closed()) return;
  // A connection accepted just before the drain has not had its first request read yet
  // (its bytes may be in the socket already): closing it would fail a request the client
  // sent in good faith, as a hot upgrade or a restart would then show. Like Go, it gets
  // that first request answered (with Connection: close); read_header_timeout and the
  // shutdown deadline bound the wait for one that never comes.
  if (idle() && state_ == ConnState::New) return;
  if (idle()) {
    close_now();
    return;
  }
  stop_requests();
  pump();
}

// ---- deadlines -------------------------------------------------------------------------

void Connection::set_deadline(std::int64_t at_ms, DeadlineKind kind) {
  deadline_ms_ = at_ms;
  deadline_kind_ = kind;
  if (kind != DeadlineKind::none && (armed_ms_ == 0 || at_ms < armed_ms_)) {
    ctx_.loop.arm_key(at_ms, token_);
    armed_ms_ = at_ms;
  }
}

void Connection::on_deadline(std::int64_t now_ms) {
  if (closed()) return;
  if (armed_ms_ != 0 && armed_ms_ <= now_ms) armed_ms_ = 0;  // that entry just fired
  if (deadline_kind_ == DeadlineKind::none) return;
  if (deadline_ms_ > now_ms) {
    if (armed_ms_ == 0 || deadline_ms_ < armed_ms_) {
      ctx_.loop.arm_key(deadline_ms_, token_);
      armed_ms_ = deadline_ms_;
    }
    return;
  }
  DeadlineKind kind = deadline_kind_;
  deadline_kind_ = DeadlineKind::none;
  on_timeout(kind);
}

void Connection::on_timeout(DeadlineKind kind) {
  switch (kind) {
    case DeadlineKind::none: return;
    case DeadlineKind::header: respond_error(Error::HeaderTimeout); break;
    case DeadlineKind::body:
      if (body_streaming()) {
        fail_body(BodyError::Timeout, Error::ReadTimeout);
      } else {
        respond_error(Error::ReadTimeout);
      }
      break;
    case DeadlineKind::handler: {
      ResponseImpl& w = ex_->response;
      if (auto fn = std::move(ex_->on_deferred_timeout)) {
        guarded("deferred timeout callback", [&] { fn(w); });
      } else if (w.reset_for_error()) {
        log_error(std::string("deferred response timed out (") + std::string(ex_->request.method()) + " " +
                  std::string(ex_->request.target()) + ")");
        error(w, "503 service unavailable: the handler did not finish in time", Status::ServiceUnavailable);
      } else {
        abort();
        return;
      }
      if (closed()) return;
      complete_response();
      break;
    }
    case DeadlineKind::write:
      if (kernel_queue_drained()) {
        // The client is still taking bytes out of the kernel's send buffer, just slowly
        // relative to its size: that is progress, not a stall.
        set_deadline(ctx_.loop.now_ms() + ctx_.config.write_timeout.count(), DeadlineKind::write);
        return;
      }
      abort();
      return;
    case DeadlineKind::idle:
    case DeadlineKind::linger:
    case DeadlineKind::handshake: abort(); return;
  }
  pump();
}

int Connection::kernel_queue_bytes() noexcept {
#ifdef SIOCOUTQ
  int queued = 0;
  if (::ioctl(fd_.get(), SIOCOUTQ, &queued) == 0) return queued;
#endif
  return -1;
}

bool Connection::kernel_queue_drained() noexcept {
  // Without a sample from when the write stalled (no SIOCOUTQ) only progress seen by
  // write() counts: a first sample taken now must not pass for progress.
  const int queued = kernel_queue_bytes();
  const bool progressed = last_kernel_queue_ >= 0 && queued >= 0 && queued <= last_kernel_queue_ - kMinDrainBytes;
  last_kernel_queue_ = queued;
  return progressed && queued > 0;
}

void Connection::log_error(std::string_view what) {
  if (ctx_.logger.enabled(LogLevel::Error)) ctx_.logger.log(LogLevel::Error, what);
}

}  // namespace nethttp::detail
