#pragma once
// GzipWriter: the ResponseWriter gzip() hands to the wrapped handler.

#include <memory>
#include <string>

#include "middleware/deflater.hpp"
#include "nethttp/middleware.hpp"
#include "nethttp/response_writer.hpp"

namespace nethttp::detail {

/// GzipWriter decides at write_header() whether the response may be compressed, then
/// buffers body bytes until min_bytes have arrived (compress) or the handler is done (send
/// as is). It lives on the stack for one handler call; finish() must be called when the
/// handler returns normally without deferring.
///
/// States: start (no status yet) -> buffering (eligible, status held back) -> compressing,
/// or -> passthrough (everything forwarded) from start or buffering; defer() turns start
/// and buffering into passthrough.
class GzipWriter final : public ResponseWriter {
 public:
  /// GzipWriter wraps inner; client_accepts says whether the request's Accept-Encoding
  /// allows gzip (when false, only Vary is added).
  GzipWriter(ResponseWriter& inner, const GzipOptions& options, bool client_accepts) noexcept
      : inner_(inner), options_(options), client_accepts_(client_accepts) {}
  ~GzipWriter() override;
  GzipWriter(const GzipWriter&) = delete;
  GzipWriter& operator=(const GzipWriter&) = delete;

  Headers& headers() override { return inner_.headers(); }
  void write_header(int status) override;
  using ResponseWriter::write_header;
  bool write(std::string_view data) override;
  using ResponseWriter::write;
  bool flush() override;
  bool send_file(FileSlice slice) override;
  DeferredResponse defer() override;
  /// status is the status the handler gave, even while it is held back.
  [[nodiscard]] int status() const noexcept override { return mode_ == Mode::start ? inner_.status() : status_; }
  /// bytes_written counts the uncompressed bytes the handler wrote.
  [[nodiscard]] std::uint64_t bytes_written() const noexcept override { return bytes_in_; }
  void on_finish(std::function<void(const ResponseStats&)> fn) override { inner_.on_finish(std::move(fn)); }
  /// buffered_bytes counts what the real writer holds plus what is held here uncompressed.
  [[nodiscard]] std::size_t buffered_bytes() const noexcept override {
    return inner_.buffered_bytes() + buffer_.size();
  }
  [[nodiscard]] bool congested() const noexcept override { return inner_.congested(); }
  void on_writable(std::function<void(ResponseWriter&)> fn) override { inner_.on_writable(std::move(fn)); }
  /// switch_protocols forwards: a 101 has no body to compress.
  bool switch_protocols(std::shared_ptr<detail::Takeover> takeover) override {
    return mode_ == Mode::start && inner_.switch_protocols(std::move(takeover));
  }

  /// finish sends what is still held: the buffered bytes as they are, or the end of the
  /// gzip stream.
  void finish();
  /// compressed reports whether the response is being sent gzip-encoded.
  [[nodiscard]] bool compressed() const noexcept { return mode_ == Mode::compressing; }

 private:
  enum class Mode { start, buffering, compressing, passthrough, deferred };
  void begin_passthrough();
  void begin_compression();
  bool emit(std::string_view in, int flush);  // compress and write to inner_

  ResponseWriter& inner_;
  const GzipOptions& options_;  // owned by the middleware, which outlives this call
  const bool client_accepts_;
  Mode mode_ = Mode::start;
  int status_ = 0;
  std::string buffer_;  // body held while buffering; compressed output otherwise
  std::uint64_t bytes_in_ = 0;
  bool client_gone_ = false;
  std::unique_ptr<Deflater> deflater_;
};

}  // namespace nethttp::detail
