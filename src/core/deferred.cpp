#include "nethttp/deferred.hpp"

#include "nethttp/handler.hpp"

namespace nethttp {

namespace {
// abandon finishes a DeferredResponse that was dropped without complete(): nothing written
// means the work failed somewhere, so the client gets a 500 instead of a hang.
void abandon(detail::DeferredTarget& target) noexcept {
  try {
    target.dispatch(
        [](ResponseWriter& w) {
          if (w.status() == 0) error(w, "500 internal server error", Status::InternalServerError);
        },
        true);
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

void DeferredResponse::set_timeout(std::chrono::milliseconds d, std::function<void(ResponseWriter&)> on_timeout) const {
  if (target_) target_->arm_timeout(d, std::move(on_timeout));
}

}  // namespace nethttp

namespace nethttp {

void DeferredResponse::update_after(std::chrono::milliseconds d, std::function<void(ResponseWriter&)> fn) const {
  if (target_ && fn) target_->dispatch_after(d, std::move(fn));
}

void DeferredResponse::on_writable(std::function<void(ResponseWriter&)> fn) const {
  if (!target_ || !fn) return;
  target_->dispatch([fn = std::move(fn)](ResponseWriter& w) mutable { w.on_writable(std::move(fn)); }, false);
}

void DeferredResponse::set_long_lived() const {
  if (target_) target_->set_long_lived();
}

}  // namespace nethttp
