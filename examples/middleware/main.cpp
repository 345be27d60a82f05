// middleware_example: a small JSON API behind request id, access log, recovery, metrics,
// CORS, rate limiting and gzip, with /healthz, /readyz and /metrics (see app.hpp).
//
//   middleware_example [--listen HOST:PORT] [--threads N]
//
// Stops gracefully on SIGINT or SIGTERM: /readyz turns 503, in-flight requests finish.

#include <pthread.h>
#include <signal.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "app.hpp"

namespace {

int usage(const char* argv0, int code) {
  std::fprintf(code == 0 ? stdout : stderr, "usage: %s [--listen HOST:PORT] [--threads N]\n", argv0);
  return code;
}

}  // namespace

int main(int argc, char** argv) {
  nethttp::ServerConfig config;  // ":8080", one loop per core
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if ((arg == "--listen" || arg == "--threads") && i + 1 < argc) {
      if (arg == "--listen") {
        config.listen = argv[++i];
      } else {
        char* end = nullptr;
        long n = std::strtol(argv[++i], &end, 10);
        if (*end != '\0' || n < 0 || n > 1024) {
          std::fprintf(stderr, "middleware_example: --threads wants a number from 0 to 1024, got \"%s\"\n", argv[i]);
          return 2;
        }
        config.threads = static_cast<unsigned>(n);
      }
    } else if (arg == "-h" || arg == "--help") {
      return usage(argv[0], 0);
    } else {
      std::fprintf(stderr, "middleware_example: unknown argument \"%s\"\n", argv[i]);
      return usage(argv[0], 2);
    }
  }

  // Block the shutdown signals before any thread starts: the worker pool and the access
  // log's writer start threads in App's constructor, before ShutdownOnSignals exists, and a
  // thread that does not block SIGTERM would take the default action (exit) instead of
  // letting ShutdownOnSignals drain the server.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  try {
    middleware_example::App app(middleware_example::AppOptions{});
    nethttp::Server server(config, app.handler());
    app.bind(server);
    // Before serve(): the loop threads inherit the blocked signal mask.
    nethttp::ShutdownOnSignals on_signal(server, std::chrono::seconds(10));
    if (std::error_code ec = server.listen()) {
      std::fprintf(stderr, "middleware_example: cannot listen on %s: %s\n", config.listen.c_str(),
                   ec.message().c_str());
      return 1;
    }
    std::printf("middleware_example: listening on %s (port %u)\n", config.listen.c_str(),
                static_cast<unsigned>(server.port()));
    std::fflush(stdout);
    std::error_code ec = server.serve();
    app.unbind();
    if (ec) {
      std::fprintf(stderr, "middleware_example: %s\n", ec.message().c_str());
      return 1;
    }
    std::printf("middleware_example: stopped (signal %d)\n", on_signal.signal());
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "middleware_example: %s\n", e.what());
    return 1;
  }
}
