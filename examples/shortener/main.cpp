// shortener: a URL shortener with an in-memory store (see routes.hpp for the routes).
//
//   shortener [--listen HOST:PORT] [--threads N] [--base-url URL] [--max-links N]
//
// Listens on :8080 by default with one event loop per core, and stops gracefully on SIGINT
// or SIGTERM: in-flight requests get up to 10 s to finish. Links live in memory only.
//
//   curl -d url=https://example.org/a/long/path localhost:8080/shorten
//   curl -i localhost:8080/<code>            # 302 to the URL
//   curl localhost:8080/api/stats/<code>     # {"hits": 1, ...}
#include <cstddef>
#include <memory>
#include <optional>
#include <utility>

#include "common/flag_set.hpp"
#include "common/serve.hpp"
#include "nethttp/serve_mux.hpp"
#include "nethttp/server.hpp"
#include "routes.hpp"

int main(int argc, char** argv) {
  nethttp::ServerConfig config;
  shortener::RoutesOptions routes;
  std::size_t max_links = 1'000'000;
  examples::FlagSet flags("shortener", "A URL shortener: POST /shorten, GET /{code}, GET /api/stats/{code}.", config);
  flags.add_string("--base-url", "URL", "prefix of the short URLs (default: from the Host header)", routes.base_url);
  flags.add_number("--max-links", "links kept in memory (default 1000000)", max_links, std::size_t{1},
                   std::size_t{shortener::kCodeSpace});
  if (std::optional<int> exit_code = flags.parse(argc, argv)) return *exit_code;
  // Requests carry one URL at most: refuse larger bodies with 413 before reading them.
  config.max_body_bytes = 16 * 1024;
  // Answer JSON everywhere, even for requests the server rejects itself (400, 413, ...).
  config.error_writer = nethttp::json_error_writer();

  nethttp::ServeMux mux;
  shortener::register_routes(mux, std::make_shared<shortener::LinkStore>(max_links), routes);
  nethttp::Server server(config, flags.handler(std::move(mux)));
  return examples::serve("shortener", server);
}
