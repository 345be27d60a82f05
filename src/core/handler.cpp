#include "nethttp/handler.hpp"

#include <iterator>

#include "core/error_headers.hpp"

namespace nethttp {

void detail::reset_error_headers(Headers& h, std::string_view content_type) {
  h.remove("Content-Length");
  h.remove("Content-Encoding");
  h.remove("ETag");
  h.remove("Last-Modified");
  h.set("Content-Type", content_type);
  h.set("X-Content-Type-Options", "nosniff");
}

void Handler::serve(ResponseWriter& w, Request& r) const {
  if (!impl_) {
    error(w, "404 page not found", Status::NotFound);
    return;
  }
  impl_->serve(w, r);
}

bool Handler::streams(const Request& r) const {
  if (stream_impl_) return stream_impl_->streams(r);
  return impl_ && impl_->streams(r);
}

Handler chain(Handler h, std::initializer_list<Middleware> outer_first) {
  const Handler inner = h;
  // Wrap innermost first so the first middleware listed ends up outermost.
  for (auto it = std::rbegin(outer_first); it != std::rend(outer_first); ++it) {
    if (*it) h = (*it)(std::move(h));
  }
  h.stream_choice_of(inner);  // middleware never reads a streamed body: the route decides
  return h;
}

void error(ResponseWriter& w, std::string_view message, int status) {
  detail::reset_error_headers(w.headers(), "text/plain; charset=utf-8");
  w.write_header(status);
  w.write(message);
  w.write("\n");
}

}  // namespace nethttp
