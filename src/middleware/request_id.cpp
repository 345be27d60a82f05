// request_id: keep or make an id per request, visible to inner handlers, logs and clients.

#include <string>

#include "core/random_hex.hpp"
#include "nethttp/middleware.hpp"

namespace nethttp {

namespace {

// acceptable rejects ids that could corrupt a log line or a header: only visible ASCII.
bool acceptable(std::string_view id, std::size_t max_length) noexcept {
  if (id.empty() || id.size() > max_length) return false;
  for (char c : id) {
    if (c <= 0x20 || c >= 0x7f) return false;
  }
  return true;
}

// kRequestId is where request_id() leaves the id for inner handlers.
const ContextKey<std::string> kRequestId{"nethttp.request_id"};

}  // namespace

std::string_view request_id_of(const Request& r) noexcept {
  const std::string* id = r.value(kRequestId);
  return id ? std::string_view(*id) : std::string_view();
}

std::string new_request_id() { return detail::random_hex(16); }

Middleware request_id(RequestIdOptions options) {
  return [options = std::move(options)](Handler next) -> Handler {
    return [options, next = std::move(next)](ResponseWriter& w, Request& r) {
      std::string_view incoming = r.header(options.header);
      std::string id;
      if (options.trust_incoming && acceptable(incoming, options.max_length)) {
        id.assign(incoming);
      } else {
        id = new_request_id();
        r.headers().set(options.header, id);
      }
      w.headers().set(options.header, id);
      r.set_value(kRequestId, std::move(id));
      next.serve(w, r);
    };
  };
}

}  // namespace nethttp
