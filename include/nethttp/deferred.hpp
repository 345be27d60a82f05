#pragma once
/// \file deferred.hpp
/// DeferredResponse: finishing a response later, from any thread.

#include <chrono>
#include <functional>
#include <memory>

namespace nethttp {

class ResponseWriter;

namespace detail {
/// DeferredTarget is the owner side of a deferred response; the server's connections and
/// ResponseRecorder implement it. Every member is thread-safe.
class DeferredTarget {
 public:
  virtual ~DeferredTarget() = default;
  /// dispatch runs fn with the response's writer on the owning thread, then finishes the
  /// response if finish is set. When the response is already finished or its client gone,
  /// fn never runs. fn may be empty (just finish).
  virtual void dispatch(std::function<void(ResponseWriter&)> fn, bool finish) = 0;
  /// arm_timeout runs on_timeout (then finishes) if the response is still open after d.
  virtual void arm_timeout(std::chrono::milliseconds d, std::function<void(ResponseWriter&)> on_timeout) = 0;
  /// alive is false once the response finished or the client went away.
  [[nodiscard]] virtual bool alive() const noexcept = 0;
  /// set_long_lived exempts the response from the server's handler_timeout. Targets without
  /// one (ResponseRecorder) ignore it.
  virtual void set_long_lived() {}
  /// dispatch_after runs fn like dispatch(fn, false), but d later. Targets without timers (ResponseRecorder) drop it.
  // NOLINTNEXTLINE(performance-unnecessary-value-param): the overrides keep fn
  virtual void dispatch_after(std::chrono::milliseconds d, std::function<void(ResponseWriter&)> fn) {
    (void)d;
    (void)fn;
  }
};
}  // namespace detail

/// DeferredResponse finishes a response after its handler has returned, so a handler can
/// hand slow work to another thread without blocking its event loop.
///
/// Every member is thread-safe: the functions passed in are marshalled to the loop thread
/// that owns the connection and run there with its ResponseWriter. If the client has gone
/// by then, they are dropped and nothing happens. A DeferredResponse is move-only; if it is
/// destroyed without complete(), the response is finished as it stands (a 500 if nothing
/// was written), so a forgotten response never hangs a connection.
class DeferredResponse {
 public:
  /// An empty DeferredResponse finishes nothing; ResponseWriter::defer() returns real ones.
  DeferredResponse() = default;
  /// Used by ResponseWriter implementations; handlers call ResponseWriter::defer().
  explicit DeferredResponse(std::shared_ptr<detail::DeferredTarget> target) noexcept : target_(std::move(target)) {}
  /// Moving transfers the duty to finish the response.
  DeferredResponse(DeferredResponse&&) noexcept = default;
  /// Assigning first finishes the response this one held, as destruction would.
  DeferredResponse& operator=(DeferredResponse&& other) noexcept;
  DeferredResponse(const DeferredResponse&) = delete;
  DeferredResponse& operator=(const DeferredResponse&) = delete;
  ~DeferredResponse();

  /// complete runs fn(w) on the owning loop and then finishes the response. Thread-safe.
  void complete(std::function<void(ResponseWriter&)> fn);
  /// complete finishes the response with what has been written so far. Thread-safe.
  void complete() { complete(nullptr); }
  /// update runs fn(w) on the owning loop but leaves the response open, for streaming
  /// (write() then flush() inside fn). Thread-safe.
  void update(std::function<void(ResponseWriter&)> fn) const;
  /// set_timeout arranges for on_timeout(w) to run, and the response to finish, if it is
  /// still open after d; a complete() that comes later is then a harmless no-op.
  /// Thread-safe.
  void set_timeout(std::chrono::milliseconds d, std::function<void(ResponseWriter&)> on_timeout) const;
  /// update_after runs fn(w) on the owning loop after d, leaving the response open, like
  /// update(); nothing runs if the response ended first. For heartbeats and pacing without a
  /// thread of one's own. Thread-safe.
  void update_after(std::chrono::milliseconds d, std::function<void(ResponseWriter&)> fn) const;
  /// on_writable runs fn(w) on the owning loop once the connection's queued output has
  /// drained to half of ServerConfig::output_high_water (see ResponseWriter::on_writable):
  /// a producer on another thread that found w.congested() waits for this before writing
  /// more. Dropped if the response ends or the client leaves first. Thread-safe.
  void on_writable(std::function<void(ResponseWriter&)> fn) const;
  /// set_long_lived exempts this response from ServerConfig::handler_timeout, for streams
  /// that stay open by design (server-sent events). write_timeout still closes a client
  /// that stops reading, and shutdown() still ends the stream at its deadline; an explicit
  /// set_timeout() still applies. Thread-safe.
  void set_long_lived() const;
  /// client_gone is true once the response can no longer be delivered (client left, or
  /// already finished). Thread-safe; a hint for abandoning work early.
  [[nodiscard]] bool client_gone() const noexcept { return !target_ || !target_->alive(); }
  /// valid reports whether this object still refers to a response.
  [[nodiscard]] bool valid() const noexcept { return target_ != nullptr; }

 private:
  std::shared_ptr<detail::DeferredTarget> target_;
};

}  // namespace nethttp
