#pragma once
// ResponseImpl: the server's ResponseWriter. It buffers the body until the handler finishes,
// so a response gets an exact Content-Length whenever possible, and serialises status line,
// headers and body straight into the connection's OutputQueue. flush(), a body past
// kStreamThreshold, or a deferred stream switch it to chunked framing.

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "http/output_queue.hpp"
#include "http/takeover.hpp"
#include "nethttp/request.hpp"
#include "nethttp/response_writer.hpp"

namespace nethttp::detail {

class Connection;
class DateCache;

class ResponseImpl final : public ResponseWriter {
 public:
  /// kStreamThreshold: past this many buffered body bytes the response is sent chunked
  /// instead of being held for a Content-Length.
  static constexpr std::size_t kStreamThreshold = 64 * 1024;

  /// begin prepares for a new response (reusing memory).
  void begin(Connection& conn, OutputQueue& out, DateCache& date, const Request& request);

  // ResponseWriter
  Headers& headers() override { return headers_; }
  void write_header(int status) override;
  using ResponseWriter::write_header;
  bool write(std::string_view data) override;
  using ResponseWriter::write;
  bool flush() override;
  bool send_file(FileSlice slice) override;
  DeferredResponse defer() override;
  [[nodiscard]] int status() const noexcept override { return status_; }
  [[nodiscard]] std::uint64_t bytes_written() const noexcept override { return bytes_written_; }
  void on_finish(std::function<void(const ResponseStats&)> fn) override;
  [[nodiscard]] std::size_t buffered_bytes() const noexcept override;
  [[nodiscard]] bool congested() const noexcept override;
  void on_writable(std::function<void(ResponseWriter&)> fn) override;
  bool switch_protocols(std::shared_ptr<Takeover> takeover) override;

  // Connection-facing
  /// finish completes framing and queues everything; the response is then done.
  void finish();
  /// reset_for_error drops an uncommitted response so an error can replace it. Returns
  /// false when bytes already went out (then the connection must be closed).
  bool reset_for_error();
  [[nodiscard]] bool committed() const noexcept { return committed_; }
  [[nodiscard]] bool finished() const noexcept { return finished_; }
  [[nodiscard]] bool deferred() const noexcept { return deferred_; }
  [[nodiscard]] bool active() const noexcept { return active_; }
  /// keep_alive is false when the response itself ends the connection (Connection: close
  /// from the handler, close-delimited body, or broken framing).
  [[nodiscard]] bool keep_alive() const noexcept { return keep_alive_; }
  void set_keep_alive(bool v) noexcept { keep_alive_ = v; }
  /// take_finish_callbacks moves the on_finish callbacks (with their stats) out, to run once
  /// the bytes are sent.
  void take_finish_callbacks(std::vector<std::pair<std::function<void(const ResponseStats&)>, ResponseStats>>& out);
  void mark_inactive() noexcept { active_ = false; }
  /// set_output_limit makes write() close the connection when it finds limit bytes already
  /// queued (a streaming producer ignoring backpressure); 0: no limit (the handler is running).
  void set_output_limit(std::size_t limit) noexcept { output_limit_ = limit; }
  /// take_writable_callback returns the on_writable() callback, if any, when the queue has
  /// drained to low_water or less; the caller runs it.
  std::function<void(ResponseWriter&)> take_writable_callback(std::size_t low_water);
  /// drop_writable_callback forgets an unrun on_writable() callback.
  void drop_writable_callback() noexcept { on_writable_ = nullptr; }
  [[nodiscard]] bool wants_writable() const noexcept { return static_cast<bool>(on_writable_); }
  /// take_takeover returns the protocol switch armed by switch_protocols() once its 101 has
  /// been framed, else null.
  std::shared_ptr<Takeover> take_takeover() noexcept;

 private:
  struct PendingFile {
    std::size_t body_offset;  // position in body_ where the file's bytes belong
    FileSlice slice;
  };
  void commit(bool streaming);
  /// declared_room is how many body bytes the declared Content-Length still allows.
  [[nodiscard]] std::uint64_t declared_room() const noexcept;
  void emit_body(std::string_view data);
  void emit_file(FileSlice slice);
  void serialize_head(std::uint64_t content_length, bool known_length);
  [[nodiscard]] bool body_allowed() const noexcept;
  /// tunnel: a CONNECT request answered 200 by accept_connect()/hijack_connect(): a head
  /// without framing headers, then the connection is handed over (RFC 9110 9.3.6).
  [[nodiscard]] bool tunnel() const noexcept { return connect_ && takeover_ && status_ == 200; }

  Connection* conn_ = nullptr;
  OutputQueue* out_ = nullptr;
  DateCache* date_ = nullptr;
  Headers headers_;
  std::string body_;                // buffered body before commit
  std::vector<PendingFile> files_;  // file ranges before commit, in order with body_
  std::uint64_t pending_file_bytes_ = 0;
  std::vector<std::function<void(const ResponseStats&)>> on_finish_;
  std::function<void(ResponseWriter&)> on_writable_;
  std::shared_ptr<Takeover> takeover_;  // accept_upgrade()/hijack(), until handed to the connection
  std::size_t output_limit_ = 0;        // see set_output_limit
  std::int64_t declared_length_ = -1;   // the handler's Content-Length, if any
  std::uint64_t bytes_written_ = 0;     // body bytes the handler produced
  std::uint64_t bytes_emitted_ = 0;     // body bytes framed onto the wire
  std::uint64_t deferred_seq_ = 0;
  int status_ = 0;
  HttpVersion version_;
  bool head_ = false;
  bool connect_ = false;  // the request is a CONNECT
  bool header_written_ = false;
  bool committed_ = false;
  bool chunked_ = false;
  bool finished_ = false;
  bool deferred_ = false;
  bool keep_alive_ = true;
  bool active_ = false;
};

}  // namespace nethttp::detail
