// middleware_example: a small JSON API behind request id, access log, recovery, metrics,
// CORS, rate limiting and gzip, with /healthz, /readyz and /metrics (see app.hpp).
//
//   middleware_example [--listen HOST:PORT] [--threads N]
//
// Stops gracefully on SIGINT or SIGTERM: /readyz turns 503, in-flight requests finish.
#include <exception>
#include <optional>

#include "app.hpp"
#include "common/flag_set.hpp"
#include "common/serve.hpp"

int main(int argc, char** argv) {
  nethttp::ServerConfig config;  // ":8080", one loop per core
  examples::FlagSet flags("middleware_example",
                          "A small JSON API behind the ready-made middleware, with /healthz, /readyz and /metrics.",
                          config);
  if (std::optional<int> exit_code = flags.parse(argc, argv)) return *exit_code;

  try {
    middleware_example::App app(middleware_example::AppOptions{});
    config.reject_observers = app.reject_observers();  // log and count 400/431/... too
    nethttp::Server server(config, flags.handler(app.handler()));
    app.bind(server);
    int status = examples::serve("middleware_example", server);
    app.unbind();
    return status;
  } catch (const std::exception& e) {
    return examples::fail("middleware_example", e.what());
  }
}
