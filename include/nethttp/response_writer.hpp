#pragma once
/// \file response_writer.hpp
/// ResponseWriter: how a handler builds its response (Go: http.ResponseWriter).

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string_view>

#include "nethttp/deferred.hpp"
#include "nethttp/headers.hpp"
#include "nethttp/status.hpp"
#include "nethttp/unique_fd.hpp"

namespace nethttp {

namespace detail {
class Takeover;
}  // namespace detail

/// FileSlice is a byte range of an open file for ResponseWriter::send_file. The descriptor is
/// shared so an open-file cache can hand the same one to many responses; it stays open until
/// the last response that uses it has been sent.
struct FileSlice {
  std::shared_ptr<const UniqueFd> file;  ///< the open file; must stay unchanged while sent
  std::uint64_t offset = 0;              ///< first byte of the range
  std::uint64_t length = 0;              ///< bytes in the range (0 sends nothing)
};

/// ResponseStats describes a finished response, for access logs and metrics.
struct ResponseStats {
  int status = 0;                ///< status sent (0 if the connection died before any)
  std::uint64_t body_bytes = 0;  ///< body bytes the handler produced (excludes framing)
  bool completed = false;        ///< false when the client left or the response was aborted
};

/// ResponseWriter builds the response to one request.
///
/// Framing is automatic. If the handler sets Content-Length it must write exactly that many
/// bytes. Otherwise, if the whole body (file ranges included) stays within 64 KiB and flush()
/// is not called, the response gets a Content-Length of what was written (Go does the same
/// under a few KB). A response that is flushed, or whose body grows past 64 KiB, is sent
/// as it is written: chunked (HTTP/1.1) or delimited by closing the connection (HTTP/1.0).
/// Set Content-Length yourself to keep a large body unchunked. HEAD responses carry the same
/// headers and no body; 1xx, 204 and 304 responses never carry a body. `Date` is always added.
///
/// A ResponseWriter belongs to the loop thread that called the handler. It is invalid after
/// the handler returns unless the handler called defer(); then it is valid inside the
/// functions given to the DeferredResponse, which run on that same loop thread.
class ResponseWriter {
 public:
  virtual ~ResponseWriter() = default;

  /// headers returns the header map that write_header() will send. Changes after
  /// write_header() have no effect.
  virtual Headers& headers() = 0;
  /// write_header sends the status line with headers(). Only the first call counts; write()
  /// calls write_header(200) itself when needed. A 1xx status other than 101 (e.g. 103
  /// Early Hints) goes out at once and the final status follows. 101 Switching Protocols is
  /// sent only through accept_upgrade() (nethttp/upgrade.hpp); written directly it is sent
  /// as 500, and so is a status outside 100-999.
  virtual void write_header(int status) = 0;
  /// write_header with a Status enumerator: `w.write_header(Status::NotFound)`.
  void write_header(Status status) { write_header(to_int(status)); }
  /// write appends body bytes. Returns false when the bytes were dropped: the client is
  /// gone, or the status or method allows no body (HEAD still counts them for Content-Length).
  virtual bool write(std::string_view data) = 0;
  /// write appends raw bytes, as write(std::string_view).
  bool write(std::span<const std::byte> data) {
    return write(std::string_view(reinterpret_cast<const char*>(data.data()), data.size()));
  }
  /// flush sends what has been written so far, and commits the response to chunked framing
  /// unless Content-Length was set. Returns false when the client is gone.
  virtual bool flush() = 0;
  /// send_file appends a range of an open file to the body. The bytes go from the file to
  /// the socket with sendfile(2), never through user space, in slices that follow the
  /// client's pace. Counts toward the automatic Content-Length like write().
  virtual bool send_file(FileSlice slice) = 0;
  /// defer detaches the response from the handler's return: the server will not finish the
  /// response when the handler returns, and the returned DeferredResponse finishes it later,
  /// from any thread. Call at most once.
  virtual DeferredResponse defer() = 0;

  /// status is the status passed to write_header, or 0 before it.
  [[nodiscard]] virtual int status() const noexcept = 0;
  /// bytes_written counts body bytes given to write() and send_file() so far.
  [[nodiscard]] virtual std::uint64_t bytes_written() const noexcept = 0;
  /// buffered_bytes counts response bytes accepted by write() but not yet handed to the
  /// kernel (held for a Content-Length, or queued behind a slow client). File ranges are not
  /// counted: they are sent from the file. Writers with no queue (ResponseRecorder) say 0.
  [[nodiscard]] virtual std::size_t buffered_bytes() const noexcept { return 0; }
  /// congested reports whether buffered_bytes() has reached ServerConfig::output_high_water:
  /// a streaming producer should stop writing and wait for on_writable(). A producer that
  /// keeps writing gets its connection closed at max_output_bytes (see ServerConfig).
  [[nodiscard]] virtual bool congested() const noexcept { return false; }
  /// on_writable registers fn to run once, on the owning loop thread, when the queued
  /// output has drained to half of output_high_water or less (on the next loop turn if it
  /// already has); a later call replaces an earlier, unrun fn. fn receives the connection's
  /// own writer (what deferred callbacks receive) and runs through the server's exception
  /// policy. It is dropped, unrun, if the response ends or the client leaves first. Writers
  /// with no queue (ResponseRecorder) run fn at once. From another thread use
  /// DeferredResponse::on_writable().
  /// A callback that writes nothing does not poll: if the last on_writable() callback wrote
  /// nothing, the next one (registered from it, or later) waits until the response writes
  /// again and that output has drained, instead of running on every loop turn (uWebSockets'
  /// onWritable likewise runs only after a write met backpressure). Register it when there
  /// is something to write, or write when the data arrives.
  virtual void on_writable(std::function<void(ResponseWriter&)> fn) {  // NOLINT(performance-unnecessary-value-param)
    if (fn) fn(*this);
  }
  /// switch_protocols is the hook accept_upgrade() and hijack() (upgrade.hpp) use: it arms
  /// the writer to send 101 and hand the connection over. Writers that cannot
  /// (ResponseRecorder) return false; wrappers forward it.
  virtual bool switch_protocols(std::shared_ptr<detail::Takeover> takeover) {
    (void)takeover;
    return false;
  }
  /// on_finish registers fn to run, on the owning loop thread, once the response is done:
  /// all of it handed to the kernel, or abandoned because the client left. Access logs and
  /// metrics use it, since a deferred response finishes after its handler returns.
  virtual void on_finish(std::function<void(const ResponseStats&)> fn) = 0;
};

}  // namespace nethttp
