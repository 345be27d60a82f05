#include "nethttp/event_stream.hpp"

#include <string>
#include <utility>

namespace nethttp {

namespace {

// append_field appends "name: value\n" with line breaks and NULs in value made spaces.
void append_field(std::string& out, std::string_view name, std::string_view value) {
  out.append(name).append(": ");
  const std::size_t start = out.size();
  out.append(value);
  for (std::size_t i = start; i < out.size(); ++i) {
    if (out[i] == '\r' || out[i] == '\n' || out[i] == '\0') out[i] = ' ';
  }
  out.push_back('\n');
}

// append_lines appends one "prefix line\n" per line of text (split at CRLF, CR or LF).
void append_lines(std::string& out, std::string_view prefix, std::string_view text) {
  for (;;) {
    const std::size_t end = text.find_first_of("\r\n");
    out.append(prefix).append(text.substr(0, end)).push_back('\n');
    if (end == std::string_view::npos) return;
    std::size_t next = end + 1;
    if (text[end] == '\r' && next < text.size() && text[next] == '\n') ++next;
    text.remove_prefix(next);
  }
}

}  // namespace

std::string format_event(const Event& e) {
  std::string out;
  out.reserve(e.data.size() + e.id.size() + e.event.size() + 32);
  if (!e.id.empty()) append_field(out, "id", e.id);
  if (!e.event.empty()) append_field(out, "event", e.event);
  if (e.retry.count() > 0) append_field(out, "retry", std::to_string(e.retry.count()));
  append_lines(out, "data: ", e.data);
  out.push_back('\n');
  return out;
}

EventStream::EventStream(std::string last_event_id, EventStreamOptions options)
    : last_event_id_(std::move(last_event_id)), options_(options) {}

std::shared_ptr<EventStream> EventStream::start(ResponseWriter& w, const Request& r, EventStreamOptions options) {
  auto stream = std::make_shared<EventStream>(std::string(r.header("Last-Event-ID")), options);
  Headers& h = w.headers();
  h.set("Content-Type", "text/event-stream");
  h.set("Cache-Control", "no-cache");
  h.set("X-Accel-Buffering", "no");  // nginx and friends: do not buffer the stream
  h.set("Connection", "close");      // an ended stream ends its connection; EventSource reconnects anew
  w.write_header(200);
  if (options.retry.count() > 0) w.write("retry: " + std::to_string(options.retry.count()) + "\n\n");
  w.flush();  // the header goes out now: EventSource reports the stream open
  DeferredResponse d = w.defer();
  if (!d.valid()) {
    stream->closed_ = true;
    return stream;
  }
  d.set_long_lived();
  {
    std::lock_guard<std::recursive_mutex> lock(stream->mu_);
    stream->response_ = std::move(d);
  }
  stream->schedule_heartbeat();
  return stream;
}

FormattedEvent make_event(const Event& e) { return std::make_shared<const std::string>(format_event(e)); }

bool EventStream::send(const Event& e) { return enqueue(make_event(e), true); }

bool EventStream::send(const FormattedEvent& e) { return e != nullptr && enqueue(e, true); }

bool EventStream::comment(std::string_view text) {
  std::string bytes;
  append_lines(bytes, ": ", text);
  bytes.push_back('\n');
  return enqueue(std::make_shared<const std::string>(std::move(bytes)), false);
}

bool EventStream::enqueue(FormattedEvent bytes, bool is_event) {
  std::lock_guard<std::recursive_mutex> lock(mu_);
  if (closed_.load() || response_.client_gone()) return false;
  if (behind_.load(std::memory_order_acquire)) {
    // DropEvents and the client is behind: drop here rather than post a closure to the loop
    // that would only drop it there.
    if (is_event) dropped_.fetch_add(1, std::memory_order_relaxed);
    return true;
  }
  response_.update([self = shared_from_this(), bytes = std::move(bytes), is_event](ResponseWriter& w) {
    self->deliver(w, *bytes, is_event);
  });
  return true;
}

// deliver runs on the loop thread with the connection's writer.
void EventStream::deliver(ResponseWriter& w, const std::string& bytes, bool is_event) {
  if (closed_.load()) return;
  if (w.congested()) {
    fell_behind_.store(true, std::memory_order_relaxed);
    if (options_.slow_reader == SlowReaderPolicy::DropEvents) {
      if (is_event) dropped_.fetch_add(1, std::memory_order_relaxed);
      mark_behind(w);
      return;
    }
    close();  // SlowReaderPolicy::Close: end after what is queued
    return;
  }
  if (!w.write(bytes) || !w.flush()) closed_ = true;
}

// mark_behind (loop thread, DropEvents) makes send() drop events until the client's queue
// has drained to half the high-water mark.
void EventStream::mark_behind(ResponseWriter& w) {
  if (behind_.exchange(true, std::memory_order_acq_rel)) return;  // already waiting
  w.on_writable([weak = weak_from_this()](ResponseWriter&) {
    if (auto self = weak.lock()) self->behind_.store(false, std::memory_order_release);
  });
}

void EventStream::schedule_heartbeat() {
  if (options_.heartbeat.count() <= 0) return;
  std::lock_guard<std::recursive_mutex> lock(mu_);
  if (closed_.load()) return;
  // A weak reference: the timer must not keep a stream alive that its owner dropped.
  response_.update_after(options_.heartbeat, [weak = weak_from_this()](ResponseWriter& w) {
    auto self = weak.lock();
    if (!self || self->closed_.load()) return;
    if (w.congested()) {
      self->fell_behind_.store(true, std::memory_order_relaxed);
      if (self->options_.slow_reader == SlowReaderPolicy::DropEvents) self->mark_behind(w);
    } else {
      if (!w.write(":\n\n") || !w.flush()) {
        self->closed_ = true;
        return;
      }
    }
    self->schedule_heartbeat();
  });
}

void EventStream::close() {
  std::lock_guard<std::recursive_mutex> lock(mu_);
  closed_ = true;
  response_.complete();
}

bool EventStream::closed() const {
  std::lock_guard<std::recursive_mutex> lock(mu_);
  return closed_.load() || response_.client_gone();
}

}  // namespace nethttp
