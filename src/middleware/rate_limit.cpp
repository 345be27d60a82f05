// rate_limit: 429 Too Many Requests (RFC 6585 section 4) with Retry-After (RFC 9110 10.2.3)
// once a client's token bucket is empty.

#include <cmath>
#include <string>

#include "middleware/token_buckets.hpp"
#include "nethttp/middleware.hpp"

namespace nethttp {

Middleware rate_limit(RateLimitOptions options) {
  auto buckets = std::make_shared<detail::TokenBuckets>(options.rate, options.burst, options.max_keys);
  auto key = std::move(options.key);
  return [buckets, key](Handler next) -> Handler {
    return [buckets, key, next = std::move(next)](ResponseWriter& w, Request& r) {
      detail::TokenBuckets::Decision d =
          key ? buckets->take(key(r), detail::TokenBuckets::Clock::now())
              : buckets->take(client_ip(r.remote_addr()), detail::TokenBuckets::Clock::now());
      if (!d.allowed) {
        // Whole seconds, rounded up: a client retrying then finds a token.
        auto secs = static_cast<long long>(std::ceil(d.retry_after.count()));
        w.headers().set("Retry-After", std::to_string(std::max(secs, 1LL)));
        error(w, "429 too many requests", Status::TooManyRequests);
        return;
      }
      next.serve(w, r);
    };
  };
}

}  // namespace nethttp
