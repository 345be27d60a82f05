#pragma once
// BodyStream: the connection's side of a streamed request body (BodyReader's target). It
// holds the consumer's outstanding read() and the stream's limit and state; the Connection
// parses body bytes only while a read is outstanding and delivers them (body_stream.cpp for
// the thread hop, connection.cpp for the flow control).

#include <cstdint>
#include <functional>
#include <memory>
#include <thread>

#include "nethttp/body_reader.hpp"
#include "reactor/event_loop.hpp"

namespace nethttp::detail {

class LoopContext;

class BodyStream final : public BodyStreamTarget {
 public:
  enum class State : std::uint8_t { reading, done, failed };

  BodyStream(std::shared_ptr<Mailbox> mailbox, LoopContext* ctx, std::uint64_t token, std::uint64_t limit);

  // BodyStreamTarget
  void read(std::function<void(BodyChunk&)> fn) override;
  void set_limit(std::uint64_t n) noexcept override { limit_ = n; }
  [[nodiscard]] std::uint64_t limit() const noexcept override { return limit_; }
  [[nodiscard]] std::uint64_t received() const noexcept override { return received_; }

  // Connection-facing (loop thread)
  /// detach cuts the stream from its connection: later reads get the terminal event at once.
  void detach() noexcept;
  /// terminal fills c with End or Error as the stream stands once no data is left.
  void terminal(BodyChunk& c) const noexcept;

  std::function<void(BodyChunk&)> pending;  ///< the outstanding read's callback
  std::uint64_t received_ = 0;
  State state = State::reading;
  BodyError error = BodyError::None;
  bool asked = false;  ///< read() was called at least once (100-continue goes out then)

 private:
  void on_loop(std::function<void(BodyChunk&)> fn);

  std::shared_ptr<Mailbox> mailbox_;
  LoopContext* ctx_;
  std::uint64_t token_;
  std::uint64_t limit_;
  std::thread::id owner_;
  bool detached_ = false;
};

}  // namespace nethttp::detail
