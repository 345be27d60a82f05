// hello: the smallest nethttp server.
//
//   hello [--listen HOST:PORT] [--threads N]
//
// GET /plaintext answers "Hello, World!" (the benchmark route); GET / a short greeting.
// The flags, the startup line and the graceful stop on SIGINT/SIGTERM are the same in every
// example: see examples/common/.
#include <optional>

#include "common/flag_set.hpp"
#include "common/serve.hpp"
#include "nethttp/server.hpp"

int main(int argc, char** argv) {
  nethttp::ServerConfig config;  // defaults: ":8080", one loop per core
  examples::FlagSet flags("hello", "The smallest nethttp server: GET /plaintext answers \"Hello, World!\".", config);
  if (std::optional<int> exit_code = flags.parse(argc, argv)) return *exit_code;

  nethttp::Server server(config, flags.handler([](nethttp::ResponseWriter& w, nethttp::Request& r) {
    if (r.path() == "/plaintext") {
      w.headers().set("Content-Type", "text/plain");
      w.write("Hello, World!");
    } else if (r.path() == "/") {
      w.headers().set("Content-Type", "text/plain; charset=utf-8");
      w.write("Hello from nethttp. Try /plaintext.\n");
    } else {
      nethttp::error(w, "404 page not found", nethttp::Status::NotFound);
    }
  }));
  return examples::serve("hello", server);
}
