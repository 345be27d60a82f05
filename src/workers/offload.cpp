// offload: a blocking handler on a WorkerPool. The loop thread claims a queue slot first,
// so a full pool is answered 503 before anything is deferred; only then does it defer the
// response and copy the request (the original is reused for the connection's next request
// once this handler returns). The worker buffers the whole answer and hands it back through
// DeferredResponse::complete, which runs the replay on the owning loop, or drops it if the
// client has gone.

#include <exception>
#include <optional>
#include <stdexcept>
#include <string>

#include "nethttp/helpers.hpp"
#include "workers/buffering_writer.hpp"

namespace nethttp {

namespace {

void run_offloaded(const Handler& h, Request& req, Headers headers, DeferredResponse& deferred, Logger& logger) {
  if (deferred.client_gone()) return;  // nobody to answer; dropping deferred is a no-op
  detail::BufferingWriter bw(std::move(headers));
  std::string failure;
  try {
    h.serve(bw, req);
  } catch (const std::exception& e) {
    failure = e.what();
  } catch (...) {
    failure = "non-standard exception";
  }
  if (!failure.empty()) {
    logger.log(LogLevel::Error, "offload: handler for " + std::string(req.method()) + " " + std::string(req.target()) +
                                    " failed: " + failure);
    deferred.complete([](ResponseWriter& w) { error(w, "500 internal server error", Status::InternalServerError); });
    return;
  }
  deferred.complete([out = std::move(bw).take()](ResponseWriter& w) mutable { out.replay(w); });
}

}  // namespace

Handler offload(std::shared_ptr<WorkerPool> pool, Handler h) {
  if (!pool) throw std::invalid_argument("offload: pool is null");
  return [pool = std::move(pool), h = std::move(h)](ResponseWriter& w, Request& r) {
    std::optional<WorkerPool::Reservation> slot = pool->try_reserve();
    if (!slot) {
      // Shed load instead of queueing without bound; a client may retry shortly.
      w.headers().set("Retry-After", "1");
      error(w, "503 service unavailable: server busy", Status::ServiceUnavailable);
      return;
    }
    Logger& logger = pool->logger();
    pool->submit(std::move(*slot), [h, req = r, headers = w.headers(), deferred = w.defer(), &logger]() mutable {
      run_offloaded(h, req, std::move(headers), deferred, logger);
    });
  };
}

}  // namespace nethttp
