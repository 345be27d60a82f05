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

}  // namespace nethttp
