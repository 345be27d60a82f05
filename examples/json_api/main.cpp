// json_api: the JSON endpoints a service starts with (see api.hpp for the routes).
//
//   json_api [--listen HOST:PORT] [--threads N]
//
// Listens on :8080 by default with one event loop per core, and stops gracefully on SIGINT
// or SIGTERM: in-flight requests get up to 10 s to finish.
#include <memory>
#include <optional>
#include <utility>

#include "api.hpp"
#include "common/flag_set.hpp"
#include "common/serve.hpp"
#include "nethttp/serve_mux.hpp"
#include "nethttp/server.hpp"

int main(int argc, char** argv) {
  nethttp::ServerConfig config;
  examples::FlagSet flags("json_api", "A JSON CRUD API over items: /api/items, /api/items/{id}, /api/status.", config);
  if (std::optional<int> exit_code = flags.parse(argc, argv)) return *exit_code;
  // API bodies are small: refuse anything larger with 413 before reading it.
  config.max_body_bytes = 64 * 1024;
  // Answer JSON everywhere, even for requests the server rejects itself (400, 413, ...).
  config.error_writer = nethttp::json_error_writer();

  nethttp::ServeMux mux;
  json_api::register_routes(mux, std::make_shared<json_api::ItemStore>());
  nethttp::Server server(config, flags.handler(std::move(mux)));
  return examples::serve("json_api", server);
}
