// Health checks: liveness (the process answers) and readiness (it wants traffic).

#include "nethttp/health.hpp"

#include "nethttp/server.hpp"

namespace nethttp {

namespace {
void answer(ResponseWriter& w, int status, std::string_view body) {
  w.headers().set("Content-Type", "text/plain; charset=utf-8");
  w.headers().set("Cache-Control", "no-store");  // a cached "ok" would hide a drain
  w.write_header(status);
  w.write(body);
}
}  // namespace

Handler healthz() {
  return [](ResponseWriter& w, Request&) { answer(w, 200, "ok\n"); };
}

Handler readyz(const Server& server) {
  return [&server](ResponseWriter& w, Request&) {
    if (server.shutting_down()) {
      answer(w, 503, "shutting down\n");
    } else {
      answer(w, 200, "ok\n");
    }
  };
}

}  // namespace nethttp
