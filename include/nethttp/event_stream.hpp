#pragma once
/// \file event_stream.hpp
/// EventStream: server-sent events (`text/event-stream`) over a deferred response.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "nethttp/deferred.hpp"
#include "nethttp/request.hpp"
#include "nethttp/response_writer.hpp"

namespace nethttp {

/// SlowReaderPolicy is what an EventStream does with an event when its client is not keeping
/// up (the connection's queued output has reached ServerConfig::output_high_water).
enum class SlowReaderPolicy {
  /// Close ends the stream: nothing more is queued, the response is finished after what is
  /// already queued, and the connection closes once that is read (or write_timeout cuts off
  /// a client that reads nothing). An EventSource then reconnects with Last-Event-ID and
  /// the application can resume from there. The default.
  Close,
  /// DropEvents skips events (and heartbeats) while the client is behind and counts them
  /// (EventStream::dropped()); the stream goes on once the client catches up (its queue has
  /// drained to half the high-water mark: ResponseWriter::on_writable). While it is behind,
  /// send() drops an event at once, on the calling thread, without posting anything to the
  /// connection's loop: a broadcaster pays next to nothing for clients that stopped reading,
  /// and write_timeout still closes those that never resume. For feeds where only the latest
  /// value matters (tickers) and for fan-out to many clients.
  DropEvents,
};

/// EventStreamOptions configures EventStream::start.
struct EventStreamOptions {
  /// heartbeat is the interval of comment lines (`:`) that keep proxies from closing an idle
  /// stream and let the server notice a client that left; 0 sends none.
  std::chrono::milliseconds heartbeat = std::chrono::seconds{15};
  /// retry, when positive, is sent first as the client's reconnection delay.
  std::chrono::milliseconds retry{0};
  /// slow_reader is what happens to events for a client that is not keeping up.
  SlowReaderPolicy slow_reader = SlowReaderPolicy::Close;
};

/// Event is one server-sent event. Only data is required.
struct Event {
  /// data is the payload; each line of it (split at CR, LF or CRLF) becomes a `data:` line.
  std::string_view data;
  /// event is the type (EventSource's addEventListener name); empty means "message".
  std::string_view event;
  /// id, when not empty, becomes the client's Last-Event-ID.
  std::string_view id;
  /// retry, when positive, sets the client's reconnection delay.
  std::chrono::milliseconds retry{0};
};

/// format_event renders e in text/event-stream framing, ending with the blank line that
/// dispatches it. Line breaks and NULs in id and event, which would corrupt the framing, are
/// replaced with spaces.
std::string format_event(const Event& e);

/// FormattedEvent is an event framed once (make_event), to send to many streams without a
/// copy per stream.
using FormattedEvent = std::shared_ptr<const std::string>;

/// make_event frames e once for EventStream::send(const FormattedEvent&).
FormattedEvent make_event(const Event& e);

/// EventStream is a server-sent event stream to one client (the HTML EventSource API).
///
/// A handler starts it with EventStream::start(w, r), which sends the header
/// (`Content-Type: text/event-stream`, `Cache-Control: no-cache`, `X-Accel-Buffering: no`)
/// at once, defers the response and marks it long-lived (exempt from handler_timeout;
/// write_timeout still closes a client that stops reading). The gzip middleware never
/// compresses an event stream. Keep the returned shared_ptr (in a list of subscribers,
/// say) and send events from any thread; the stream ends when close() is called, when the
/// client leaves, by the slow-reader policy, or when the last shared_ptr is dropped; its
/// connection closes then (the response says `Connection: close`).
///
/// Memory per stream is bounded by ServerConfig::output_high_water plus one event:
/// events for a client that does not keep up are handled by options.slow_reader.
///
/// Every member is thread-safe. Events are written on the connection's loop thread, in the
/// order send() was called from any one thread.
class EventStream : public std::enable_shared_from_this<EventStream> {
 public:
  /// start begins an event stream as the response to r. Call it in the handler, before
  /// anything was written. Never null; closed() at once if the writer could not be deferred.
  static std::shared_ptr<EventStream> start(ResponseWriter& w, const Request& r, EventStreamOptions options = {});

  /// last_event_id is the request's Last-Event-ID header: where a reconnecting client left off.
  [[nodiscard]] const std::string& last_event_id() const noexcept { return last_event_id_; }
  /// send queues e for the client. Returns false (and sends nothing) once the stream is
  /// closed; true does not mean the client received it (see SlowReaderPolicy).
  bool send(const Event& e);
  /// send queues an event framed by make_event(): the way to broadcast to many streams.
  bool send(const FormattedEvent& e);
  /// send queues an unnamed event with data.
  bool send(std::string_view data) {
    Event e;
    e.data = data;
    return send(e);
  }
  /// comment sends a comment line (ignored by EventSource), e.g. padding or a heartbeat.
  bool comment(std::string_view text);
  /// close finishes the response after the events already queued.
  void close();
  /// closed is true once close() was called, the client left, or the slow-reader policy
  /// ended the stream.
  [[nodiscard]] bool closed() const;
  /// dropped counts events skipped under SlowReaderPolicy::DropEvents.
  [[nodiscard]] std::uint64_t dropped() const noexcept { return dropped_.load(std::memory_order_relaxed); }
  /// behind reports whether the client is behind now: under DropEvents, events are being
  /// dropped until its queue drains to half of ServerConfig::output_high_water.
  [[nodiscard]] bool behind() const noexcept { return behind_.load(std::memory_order_acquire); }
  /// fell_behind reports whether the client was ever found behind: an event or heartbeat
  /// was due while the connection's queued output was at ServerConfig::output_high_water,
  /// so the slow-reader policy acted (events dropped, or the stream ended). For monitoring
  /// and tests of fan-out to slow clients.
  [[nodiscard]] bool fell_behind() const noexcept { return fell_behind_.load(std::memory_order_relaxed); }

  /// Use start(); public only for std::make_shared.
  EventStream(std::string last_event_id, EventStreamOptions options);

 private:
  bool enqueue(FormattedEvent bytes, bool is_event);
  void deliver(ResponseWriter& w, const std::string& bytes, bool is_event);
  void mark_behind(ResponseWriter& w);
  void schedule_heartbeat();

  mutable std::recursive_mutex mu_;  // recursive: a ResponseRecorder runs update() inline
  DeferredResponse response_;        // guarded by mu_
  const std::string last_event_id_;
  const EventStreamOptions options_;
  std::atomic<bool> closed_{false};
  std::atomic<std::uint64_t> dropped_{0};
  std::atomic<bool> behind_{false};       // DropEvents: set on the loop when congested, cleared by on_writable
  std::atomic<bool> fell_behind_{false};  // ever congested when an event or heartbeat was due
};

}  // namespace nethttp
