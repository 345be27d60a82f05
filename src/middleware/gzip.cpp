// gzip: response compression as a Middleware; the work is in GzipWriter.

#include <stdexcept>

#include "middleware/content_coding.hpp"
#include "middleware/gzip_writer.hpp"
#include "nethttp/middleware.hpp"

namespace nethttp {

Middleware gzip(GzipOptions options) {
  if (options.level < -1 || options.level > 9) throw std::invalid_argument("gzip: level must be -1..9");
  auto shared = std::make_shared<const GzipOptions>(options);
  return [shared](Handler next) -> Handler {
    return [shared, next = std::move(next)](ResponseWriter& w, Request& r) {
      // A HEAD answer has no body to compress, and its headers should match what GET would
      // send; leave it alone entirely.
      if (r.method() == "HEAD") {
        next.serve(w, r);
        return;
      }
      detail::GzipWriter gw(w, *shared, detail::accepts_gzip(r.header("Accept-Encoding")));
      next.serve(gw, r);
      gw.finish();
    };
  };
}

}  // namespace nethttp
