// BodyReader's handle side, Request's access to a streamed body, and streaming(). The
// connection side (flow control, events) is src/http/body_stream.cpp.

#include "nethttp/body_reader.hpp"

#include "nethttp/request.hpp"

namespace nethttp {

namespace {
// StreamingHandler is what streaming() returns: h, answering true to Handler::streams.
struct StreamingHandler {
  Handler h;
  void serve(ResponseWriter& w, Request& r) const { h.serve(w, r); }
  bool streams(const Request&) const noexcept { return true; }
};
}  // namespace

void BodyReader::read(std::function<void(BodyChunk&)> fn) const {
  if (target_) {
    target_->read(std::move(fn));
    return;
  }
  if (!fn) return;
  BodyChunk c;
  c.event = BodyEvent::Error;
  c.error = BodyError::ClientGone;
  fn(c);
}

BodyReader Request::body_reader() const {
  if (stream_.target == nullptr) return BodyReader();
  return BodyReader(stream_.target->shared_from_this());
}

void Request::set_body_limit(std::uint64_t n) const noexcept {
  if (stream_.target != nullptr) stream_.target->set_limit(n);
}

Handler streaming(Handler h) { return Handler(StreamingHandler{std::move(h)}); }

namespace {
// FormRead accumulates a form body; each read's callback holds it until the end.
struct FormRead : std::enable_shared_from_this<FormRead> {
  BodyReader reader;
  FormLimits limits;
  std::function<void(FormError, FormValues&)> done;
  std::string body;
  FormValues values;

  void next() {
    reader.read([self = shared_from_this()](BodyChunk& c) { self->on_chunk(c); });
  }
  void on_chunk(BodyChunk& c) {
    if (c.event == BodyEvent::Data) {
      if (body.size() + c.data.size() > limits.max_bytes) return finish(FormError::TooLarge);
      body.append(c.data);
      next();
      return;
    }
    if (c.event == BodyEvent::Error)
      return finish(c.error == BodyError::TooLarge ? FormError::TooLarge : FormError::Malformed);
    finish(parse_urlencoded(body, values, limits.max_fields));
  }
  void finish(FormError e) {
    if (e == FormError::TooLarge || e == FormError::TooManyFields) values.clear();
    auto fn = std::move(done);
    done = nullptr;
    if (fn) fn(e, values);
  }
};
}  // namespace

void read_form(BodyReader reader, FormLimits limits, std::function<void(FormError, FormValues&)> done) {
  auto f = std::make_shared<FormRead>();
  f->reader = std::move(reader);
  f->limits = limits;
  f->done = std::move(done);
  f->next();
}

}  // namespace nethttp
