#include "http/body_stream.hpp"

#include <exception>
#include <utility>

#include "http/connection.hpp"
#include "http/loop_context.hpp"

namespace nethttp::detail {

namespace {
// run_detached runs a read callback that no connection can guard any more (the client is
// gone): an exception has no response to turn into a 500, so it is dropped.
void run_detached(const BodyStream& s, std::function<void(BodyChunk&)>& fn) noexcept {
  if (!fn) return;
  BodyChunk c;
  s.terminal(c);
  try {
    fn(c);
  } catch (...) {}
}
}  // namespace

BodyStream::BodyStream(std::shared_ptr<Mailbox> mailbox, LoopContext* ctx, std::uint64_t token, std::uint64_t limit)
    : mailbox_(std::move(mailbox)), ctx_(ctx), token_(token), limit_(limit), owner_(std::this_thread::get_id()) {}

void BodyStream::read(std::function<void(BodyChunk&)> fn) {
  if (std::this_thread::get_id() == owner_) {
    on_loop(std::move(fn));
    return;
  }
  auto self = std::static_pointer_cast<BodyStream>(shared_from_this());
  auto task = std::make_shared<std::function<void(BodyChunk&)>>(std::move(fn));
  if (!mailbox_->post([self, task]() mutable { self->on_loop(std::move(*task)); })) {
    // The loop has stopped: nobody else will ever run it.
    run_detached(*self, *task);
  }
}

void BodyStream::on_loop(std::function<void(BodyChunk&)> fn) {
  if (!detached_) {
    if (Connection* c = ctx_->find(token_)) {
      c->on_body_read(*this, std::move(fn));
      return;
    }
  }
  run_detached(*this, fn);
}

void BodyStream::detach() noexcept {
  detached_ = true;
  // A callback left outstanding may hold the reader (and so this stream): let it go.
  std::function<void(BodyChunk&)> dropped = std::move(pending);
  pending = nullptr;
  if (state == State::reading) {
    state = State::failed;
    error = BodyError::ClientGone;
  }
}

void BodyStream::terminal(BodyChunk& c) const noexcept {
  if (state == State::done) {
    static const Headers kNoTrailers;
    c.event = BodyEvent::End;
    c.trailers = &kNoTrailers;
    return;
  }
  c.event = BodyEvent::Error;
  c.error = state == State::failed ? error : BodyError::ClientGone;
}

}  // namespace nethttp::detail
