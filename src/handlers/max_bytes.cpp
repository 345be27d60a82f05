// max_bytes (Go: http.MaxBytesHandler). The server has read the whole body (bounded by
// ServerConfig::max_body_bytes) before any handler runs, so the check is on its size.

#include "nethttp/helpers.hpp"

namespace nethttp {

Handler max_bytes(Handler h, std::size_t n) {
  return [h = std::move(h), n](ResponseWriter& w, Request& r) {
    if (r.body().size() > n) {
      // RFC 9110 15.5.14: 413 Content Too Large, in the same words as the server's own 413
      // for a body over ServerConfig::max_body_bytes.
      error(w, "413 Content Too Large", Status::ContentTooLarge);
      return;
    }
    h.serve(w, r);
  };
}

}  // namespace nethttp
