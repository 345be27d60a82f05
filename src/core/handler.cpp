#include "nethttp/handler.hpp"

#include <iterator>

namespace nethttp {

void Handler::serve(ResponseWriter& w, Request& r) const {
  if (!impl_) {
    error(w, "404 page not found", Status::NotFound);
    return;
  }
  impl_->serve(w, r);
}

Handler chain(Handler h, std::initializer_list<Middleware> outer_first) {
  // Wrap innermost first so the first middleware listed ends up outermost.
  for (auto it = std::rbegin(outer_first); it != std::rend(outer_first); ++it) {
    if (*it) h = (*it)(std::move(h));
  }
  return h;
}

void error(ResponseWriter& w, std::string_view message, int status) {
  Headers& h = w.headers();
  // Drop headers meant for the successful response (Go 1.23 does the same for Content-Length
  // and friends): an error body must not be framed or typed as the original would have been.
  h.remove("Content-Length");
  h.remove("Content-Encoding");
  h.remove("ETag");
  h.remove("Last-Modified");
  h.set("Content-Type", "text/plain; charset=utf-8");
  h.set("X-Content-Type-Options", "nosniff");
  w.write_header(status);
  w.write(message);
  w.write("\n");
}

namespace {
// abandon finishes a DeferredResponse that was dropped without complete(): nothing written
// means the work failed somewhere, so the client gets a 500 instead of a hang.
void abandon(detail::DeferredTarget& target) noexcept {
  try {
    target.dispatch([](ResponseWriter& w) {
      if (w.status() == 0) error(w, "500 internal server error", Status::InternalServerError);
    }, true);
  } catch (...) {  // destructors must not throw; the connection's own timeout still ends it
  }
}
}  // namespace

DeferredResponse& DeferredResponse::operator=(DeferredResponse&& other) noexcept {
  if (this != &other) {
    if (target_) abandon(*target_);
    target_ = std::move(other.target_);
  }
  return *this;
}

DeferredResponse::~DeferredResponse() {
  if (target_) abandon(*target_);
}

void DeferredResponse::complete(std::function<void(ResponseWriter&)> fn) {
  if (!target_) return;
  auto target = std::move(target_);
  target->dispatch(std::move(fn), true);
}

void DeferredResponse::update(std::function<void(ResponseWriter&)> fn) const {
  if (target_ && fn) target_->dispatch(std::move(fn), false);
}

void DeferredResponse::set_timeout(std::chrono::milliseconds d,
                                   std::function<void(ResponseWriter&)> on_timeout) const {
  if (target_) target_->arm_timeout(d, std::move(on_timeout));
}

}  // namespace nethttp
