// recovery: handler exceptions become a 500 (Go recovers handler panics the same way), so
// one bad request never takes the server down.

#include <exception>
#include <string>

#include "middleware/forwarding_writer.hpp"
#include "nethttp/middleware.hpp"

namespace nethttp {

namespace {

// DeferWatch notes whether the handler deferred: then the DeferredResponse owns the answer
// (dropping it during unwinding answers 500), and writing here too would answer twice.
class DeferWatch final : public detail::ForwardingWriter {
 public:
  using ForwardingWriter::ForwardingWriter;
  DeferredResponse defer() override {
    deferred_ = true;
    return inner().defer();
  }
  [[nodiscard]] bool deferred() const noexcept { return deferred_; }

 private:
  bool deferred_ = false;
};

std::string describe(const std::exception_ptr& e) {
  try {
    std::rethrow_exception(e);
  } catch (const std::exception& ex) {
    return ex.what();
  } catch (...) {
    return "non-standard exception";
  }
}

}  // namespace

Middleware recovery(std::shared_ptr<Logger> logger) {
  if (!logger) logger = default_logger();
  return [logger = std::move(logger)](Handler next) -> Handler {
    return [logger, next = std::move(next)](ResponseWriter& w, Request& r) {
      DeferWatch watch(w);
      std::exception_ptr failure;
      try {
        next.serve(watch, r);
        return;
      } catch (...) {
        failure = std::current_exception();
      }
      const bool sent = w.status() != 0;
      logger->log(LogLevel::Error, "recovered from exception serving " + std::string(r.method()) + " " +
                                       std::string(r.target()) + " for " + std::string(r.remote_addr()) + ": " +
                                       describe(failure) +
                                       (sent ? " (response already started; closing the connection)" : ""));
      if (watch.deferred()) return;
      // Past the status line a 500 cannot be sent; the server closes the connection instead.
      if (sent) std::rethrow_exception(failure);
      error(w, "500 internal server error", Status::InternalServerError);
    };
  };
}

}  // namespace nethttp
