#pragma once
// BufferingWriter: a ResponseWriter that keeps the whole response in memory, for handlers
// that run off the loop thread (offload()). replay() later writes it to the real writer on
// the owning loop.

#include <functional>
#include <string>
#include <vector>

#include "nethttp/response_writer.hpp"

namespace nethttp::detail {

/// BufferedResponse is what a handler produced: plain data, copyable, so it can travel in
/// a std::function to the loop thread.
struct BufferedResponse {
  /// Segment is a run of written bytes or one send_file() range, in body order.
  struct Segment {
    std::string data;
    FileSlice file;
    bool is_file = false;
  };
  Headers headers;
  int status = 0;
  std::vector<Segment> body;
  std::vector<std::function<void(const ResponseStats&)>> on_finish;

  /// replay writes the response to w: headers (replacing w's), status, body in order, and
  /// registers the on_finish callbacks. Runs on w's loop thread.
  void replay(ResponseWriter& w);
};

class BufferingWriter final : public ResponseWriter {
 public:
  /// BufferingWriter starts from headers: those outer middleware set before the handoff.
  explicit BufferingWriter(Headers headers) { out_.headers = std::move(headers); }

  Headers& headers() override { return out_.headers; }
  void write_header(int status) override;
  using ResponseWriter::write_header;
  bool write(std::string_view data) override;
  using ResponseWriter::write;
  /// flush has nothing to send yet: the response goes out when the handler returns.
  bool flush() override;
  bool send_file(FileSlice slice) override;
  /// defer throws std::logic_error: an offloaded handler may block instead.
  DeferredResponse defer() override;
  [[nodiscard]] int status() const noexcept override { return out_.status; }
  [[nodiscard]] std::uint64_t bytes_written() const noexcept override { return bytes_; }
  void on_finish(std::function<void(const ResponseStats&)> fn) override;

  /// take hands over the buffered response.
  BufferedResponse take() && { return std::move(out_); }

 private:
  BufferedResponse out_;
  std::uint64_t bytes_ = 0;
};

}  // namespace nethttp::detail
