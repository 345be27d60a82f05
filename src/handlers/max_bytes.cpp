// max_bytes (Go: http.MaxBytesHandler). A buffered body has been read whole (bounded by
// ServerConfig::max_body_bytes) before any handler runs, so the check is on its size; a
// streamed body gets n as its reader's limit, enforced as it arrives.

#include "nethttp/helpers.hpp"

namespace nethttp {

Handler max_bytes(Handler h, std::size_t n) {
  Handler inner = h;
  Handler outer = [h = std::move(h), n](ResponseWriter& w, Request& r) {
    if (r.body_streaming()) {
      r.set_body_limit(n);
      h.serve(w, r);
      return;
    }
    if (r.body().size() > n) {
      // RFC 9110 15.5.14: 413 Content Too Large, in the same words as the server's own 413
      // for a body over ServerConfig::max_body_bytes.
      error(w, "413 Content Too Large", Status::ContentTooLarge);
      return;
    }
    h.serve(w, r);
  };
  outer.stream_choice_of(inner);
  return outer;
}

}  // namespace nethttp
