#pragma once
/// \file body_reader.hpp
/// BodyReader: taking a request body as it arrives instead of buffered (Go: Request.Body),
/// and streaming(), the opt-in that makes a handler receive it that way.
///
/// By default the server reads a whole body (up to ServerConfig::max_body_bytes) before it
/// calls the handler, and Request::body() holds it. A handler wrapped in streaming() is
/// called instead as soon as the header is complete; it takes the body with
/// Request::body_reader(), defers its response, and pulls the body chunk by chunk:
///
///     mux.handle("POST /upload", nethttp::streaming([](ResponseWriter& w, Request& r) {
///       auto reader = std::make_shared<BodyReader>(r.body_reader());
///       auto done = std::make_shared<DeferredResponse>(w.defer());
///       auto step = std::make_shared<std::function<void(BodyChunk&)>>();
///       *step = [reader, done, step](BodyChunk& c) {
///         if (c.event == BodyEvent::Data) { consume(c.data); reader->read(*step); return; }
///         done->complete([ok = c.event == BodyEvent::End](ResponseWriter& w) { ... });
///       };
///       reader->read(*step);
///     }));

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "nethttp/form.hpp"
#include "nethttp/handler.hpp"
#include "nethttp/headers.hpp"
#include "nethttp/multipart.hpp"

namespace nethttp {

/// BodyEvent says what a BodyChunk carries.
enum class BodyEvent {
  Data,   ///< the next bytes of the body
  End,    ///< the body is complete (trailers, if the body was chunked and had any)
  Error,  ///< the body will not complete; see BodyChunk::error
};

/// BodyError is why a streamed body failed.
enum class BodyError {
  None,        ///< no error (Data and End)
  ClientGone,  ///< the client closed or reset the connection, or the server is closing it
  TooLarge,    ///< the body passed the reader's limit: 413 is answered if nothing was sent
  Timeout,     ///< the client stalled for read_timeout while the reader was asking: 408
  Malformed,   ///< bad chunked framing: 400
};

/// BodyChunk is what a BodyReader's callback receives: one event.
struct BodyChunk {
  /// event is Data, End or Error.
  BodyEvent event = BodyEvent::Data;
  /// data holds the bytes of a Data event (never empty then). It is valid only during the
  /// callback; take() moves the storage out instead of copying it.
  std::string_view data;
  /// error is set for an Error event.
  BodyError error = BodyError::None;
  /// trailers holds the trailer fields of a chunked body on End (often empty); null otherwise.
  /// Valid only during the callback.
  const Headers* trailers = nullptr;
  /// storage is where data lives; use take().
  std::string* storage = nullptr;

  /// take moves the bytes of a Data event out without copying them (the server's only copy
  /// was from its read buffer into this string): hand the result to another thread. Calling
  /// it twice, or on End or Error, returns "".
  std::string take() {
    if (storage == nullptr) return {};
    std::string out = std::move(*storage);
    storage->clear();
    storage = nullptr;
    data = {};
    return out;
  }
};

namespace detail {
/// BodyStreamTarget is the owner side of a streamed body; the server's connections
/// implement it. read() is thread-safe; the rest belongs to the owning loop thread.
class BodyStreamTarget : public std::enable_shared_from_this<BodyStreamTarget> {
 public:
  virtual ~BodyStreamTarget() = default;
  /// read asks for the next event; see BodyReader::read.
  virtual void read(std::function<void(BodyChunk&)> fn) = 0;
  /// set_limit sets the most body bytes accepted (loop thread).
  virtual void set_limit(std::uint64_t n) noexcept = 0;
  /// limit is the current limit (loop thread).
  [[nodiscard]] virtual std::uint64_t limit() const noexcept = 0;
  /// received counts the body bytes read so far (loop thread).
  [[nodiscard]] virtual std::uint64_t received() const noexcept = 0;
};
}  // namespace detail

/// BodyReader pulls a streamed request body, one chunk at a time, with flow control: the
/// server reads from the socket only while a read() is outstanding, so a consumer that stops
/// asking makes the client's TCP window close and holds at most one read buffer (64 KiB) of
/// the body in memory, however large the body is.
///
/// Get one from Request::body_reader() inside a handler wrapped in streaming(). read() is
/// thread-safe and may be called from any thread (a worker that has written the last chunk
/// to disk asks for the next); every callback runs on the loop thread that owns the
/// connection, through the server's exception policy (a callback that throws gets a 500 if
/// nothing was sent, else the connection is closed). A BodyReader is a cheap handle: copies
/// refer to the same body.
///
/// Timeouts while streaming: ServerConfig::read_timeout bounds each wait for the client
/// while a read() is outstanding (408 if nothing was sent, then close); while no read() is
/// outstanding (the consumer paused) only the deferred response's handler_timeout (or its
/// DeferredResponse::set_timeout) runs, so a slow consumer is never blamed on the client.
class BodyReader {
 public:
  /// An empty BodyReader refers to no body; read() then calls fn at once with an Error.
  BodyReader() = default;
  /// Used by the server; handlers call Request::body_reader().
  explicit BodyReader(std::shared_ptr<detail::BodyStreamTarget> target) noexcept : target_(std::move(target)) {}

  /// read asks for the next event. fn runs exactly once, on the owning loop thread: with
  /// the next Data (as soon as bytes are available), End once the body is complete, or
  /// Error. Ask again (from fn or later, from any thread) for the next; nothing more is read
  /// from the client until then. A read() while one is outstanding replaces it. After End or
  /// Error, fn gets that event again. If the connection is already gone, fn gets Error
  /// (ClientGone) on the loop thread, or on the calling thread if the loop has stopped.
  /// `Expect: 100-continue` is answered at the first read().
  void read(std::function<void(BodyChunk&)> fn) const;
  /// set_limit bounds the body: past n bytes the reader gets Error (TooLarge) and the client
  /// 413 if nothing was sent yet (else the connection is closed); a Content-Length over n is
  /// refused at the first read(). Defaults to ServerConfig::max_body_bytes. Loop thread.
  void set_limit(std::uint64_t n) const noexcept {
    if (target_) target_->set_limit(n);
  }
  /// limit is the current limit (loop thread).
  [[nodiscard]] std::uint64_t limit() const noexcept { return target_ ? target_->limit() : 0; }
  /// received counts the body bytes read from the client so far (loop thread).
  [[nodiscard]] std::uint64_t received() const noexcept { return target_ ? target_->received() : 0; }
  /// valid reports whether this reader refers to a body.
  [[nodiscard]] bool valid() const noexcept { return target_ != nullptr; }

 private:
  std::shared_ptr<detail::BodyStreamTarget> target_;
};

/// streaming wraps h so that requests with a body reach it as soon as their header is
/// complete, with the body left unread for Request::body_reader() (requests without a body
/// are served as usual). Use it on a route (`mux.handle("PUT /blob", streaming(h))`) or
/// around a whole handler; chain(), max_bytes() and ServeMux pass the choice through, so
/// middleware around a streaming route run at header time too (they see an empty body()).
/// A handler that does not take the reader, or does not defer its response, leaves the
/// body unread: the connection is closed after its response.
Handler streaming(Handler h);

/// read_form reads an application/x-www-form-urlencoded body from reader and parses it with
/// parse_urlencoded (Go: ParseForm on a streamed body), then calls done once, on the loop
/// thread, with the pairs and the outcome: FormError::None; malformed (a bad %-escape, or a
/// body that did not arrive whole: bad framing, client gone, timeout); too_many_fields; or
/// too_large, as soon as more than limits.max_bytes arrived (or the reader's own limit
/// struck). The body is held whole in memory, at most limits.max_bytes: use MultipartParser
/// (multipart.hpp) for files. The query string is not included; Request::query() has it.
void read_form(BodyReader reader, FormLimits limits, std::function<void(FormError, FormValues&)> done);

/// MultipartFileHandler receives the file parts of read_multipart_form, on the loop thread:
/// begin with the part's header, data with its bytes as they arrive (valid during the call
/// only), end when it is complete. Any of them may be empty (the bytes are then skipped).
/// They run synchronously between reads, so keep them quick (an in-memory buffer, a small
/// write); to move files off the loop at the disk's pace, drive a MultipartForm yourself
/// from a worker, as examples/upload does.
struct MultipartFileHandler {
  std::function<void(const MultipartPart&)> begin;  ///< a file part's header is complete
  std::function<void(std::string_view)> data;       ///< its next bytes
  std::function<void()> end;                        ///< it is complete
};

/// read_multipart_form reads a multipart/form-data body delimited by boundary (see
/// multipart_boundary()) from reader with a MultipartForm: plain fields are collected into
/// a FormValues (Go: ParseMultipartForm, then FormValue / MultipartForm.Value), file parts
/// go to files as they stream. done runs once, on the loop thread, with the outcome and
/// the fields: ok; a framing error, or a body that did not arrive whole (bad chunking,
/// client gone, timeout) as MultipartError::Malformed (400); too many parts or fields or
/// too many bytes of plain values, or the reader's own limit struck, as 413
/// (FormError::TooLarge for the reader's limit); a part header too large (431). Answer
/// with error(w, e.message(), e.status()). Reading stops at the first error (the rest of
/// the body is left unread, so the connection closes after the response); the fields are
/// empty after any error. An empty boundary is Malformed at once. Memory:
/// limits.max_value_bytes plus one read buffer.
void read_multipart_form(BodyReader reader, std::string_view boundary, MultipartFormLimits limits,
                         MultipartFileHandler files, std::function<void(MultipartFormError, FormValues&)> done);

}  // namespace nethttp
