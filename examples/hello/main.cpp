// hello: the smallest nethttp server.
//
//   hello [--listen HOST:PORT] [--threads N]
//
// GET /plaintext answers "Hello, World!" (the benchmark route); GET / a short greeting.
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "nethttp/server.hpp"

namespace {

int usage(const char* argv0, int code) {
  std::fprintf(code == 0 ? stdout : stderr, "usage: %s [--listen HOST:PORT] [--threads N]\n", argv0);
  return code;
}

}  // namespace

int main(int argc, char** argv) {
  nethttp::ServerConfig config;  // defaults: ":8080", one loop per core
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if ((arg == "--listen" || arg == "--threads") && i + 1 < argc) {
      std::string_view value = argv[++i];
      if (arg == "--listen") {
        config.listen = value;
      } else {
        char* end = nullptr;
        long n = std::strtol(argv[i], &end, 10);
        if (*end != '\0' || n < 0 || n > 1024) {
          std::fprintf(stderr, "hello: --threads wants a number from 0 to 1024, got \"%s\"\n", argv[i]);
          return 2;
        }
        config.threads = static_cast<unsigned>(n);
      }
    } else if (arg == "-h" || arg == "--help") {
      return usage(argv[0], 0);
    } else {
      std::fprintf(stderr, "hello: unknown argument \"%s\"\n", argv[i]);
      return usage(argv[0], 2);
    }
  }

  nethttp::Server server(config, [](nethttp::ResponseWriter& w, nethttp::Request& r) {
    if (r.path() == "/plaintext") {
      w.headers().set("Content-Type", "text/plain");
      w.write("Hello, World!");
    } else if (r.path() == "/") {
      w.headers().set("Content-Type", "text/plain; charset=utf-8");
      w.write("Hello from nethttp. Try /plaintext.\n");
    } else {
      nethttp::error(w, "404 page not found", nethttp::Status::NotFound);
    }
  });
  nethttp::ShutdownOnSignals on_signal(server, std::chrono::seconds(10));
  if (std::error_code ec = server.listen()) {
    std::fprintf(stderr, "hello: cannot listen on %s: %s\n", config.listen.c_str(), ec.message().c_str());
    return 1;
  }
  std::printf("hello: listening on http://%s:%u/ (%u threads)\n",
              config.listen.rfind(':', 0) == 0 ? "localhost" : config.listen.substr(0, config.listen.rfind(':')).c_str(),
              server.port(), server.config().threads);
  std::fflush(stdout);
  if (std::error_code ec = server.serve()) {
    std::fprintf(stderr, "hello: %s\n", ec.message().c_str());
    return 1;
  }
  std::printf("hello: stopped\n");
  return 0;
}
