#include "nethttp/helpers.hpp"

namespace nethttp {

Handler not_found() {
  return [](ResponseWriter& w, Request&) { error(w, "404 page not found", Status::NotFound); };
}

}  // namespace nethttp
