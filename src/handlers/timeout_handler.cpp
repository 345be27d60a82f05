// timeout_handler (Go: http.TimeoutHandler). Go runs the handler on its own goroutine and
// buffers its output; we cannot interrupt code on a loop thread, and a handler that answers
// synchronously is done by the time we could check. What can be late is a deferred response,
// so the wrapper intercepts defer() and arms the deadline on the DeferredResponse: the
// deferred target then answers 503 and turns any later complete() into a no-op.

#include <stdexcept>
#include <string>

#include "middleware/forwarding_writer.hpp"
#include "nethttp/helpers.hpp"

namespace nethttp {

namespace {

// Go's default TimeoutHandler body.
constexpr std::string_view kDefaultTimeoutBody =
    "<html><head><title>Timeout</title></head><body><h1>Timeout</h1></body></html>";

class TimeoutWriter final : public detail::ForwardingWriter {
 public:
  TimeoutWriter(ResponseWriter& inner, std::chrono::milliseconds dt, const std::string& msg)
      : ForwardingWriter(inner), dt_(dt), msg_(msg) {}

  DeferredResponse defer() override {
    DeferredResponse d = inner().defer();
    // The message is copied into the callback: it may run after this handler's wrapper, and
    // even after the Handler itself, are gone.
    d.set_timeout(dt_, [msg = msg_](ResponseWriter& w) {
      if (w.status() != 0) {
        // Part of the answer is out (streamed with update()), so a 503 is impossible, and
        // ending it normally would make a truncated body look complete. Throwing is how a
        // deferred function asks the server to close the connection instead.
        throw std::runtime_error("timeout_handler: deadline passed after the response had started");
      }
      // Drop what the handler set for its own answer (as error() does), then send ours.
      Headers& h = w.headers();
      h.remove("Content-Length");
      h.remove("Content-Encoding");
      h.remove("ETag");
      h.remove("Last-Modified");
      h.set("Content-Type", msg.empty() ? "text/html; charset=utf-8" : "text/plain; charset=utf-8");
      w.write_header(Status::ServiceUnavailable);
      w.write(msg.empty() ? kDefaultTimeoutBody : std::string_view(msg));
    });
    return d;
  }

 private:
  std::chrono::milliseconds dt_;
  const std::string& msg_;  // owned by the Handler, which outlives this call
};

}  // namespace

Handler timeout_handler(Handler h, std::chrono::milliseconds dt, std::string msg) {
  return [h = std::move(h), dt, msg = std::move(msg)](ResponseWriter& w, Request& r) {
    TimeoutWriter tw(w, dt, msg);
    h.serve(tw, r);
  };
}

}  // namespace nethttp
