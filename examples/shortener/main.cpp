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
#include <charconv>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>
#include <system_error>

#include "nethttp/serve_mux.hpp"
#include "nethttp/server.hpp"
#include "routes.hpp"

namespace {

constexpr std::string_view kUsage =
    "usage: shortener [--listen HOST:PORT] [--threads N] [--base-url URL] [--max-links N]\n";

struct Flags {
  nethttp::ServerConfig config;
  shortener::RoutesOptions routes;
  std::size_t max_links = 1'000'000;
};

template <class T>
bool parse_number(std::string_view s, T& out, T max) {
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc{} && end == s.data() + s.size() && out <= max;
}

// parse_flags fills flags from argv; false (after printing why) on a bad command line.
bool parse_flags(int argc, char** argv, Flags& flags) {
  for (int i = 1; i < argc; ++i) {
    std::string_view flag = argv[i];
    if (flag == "--help" || flag == "-h") {
      std::fputs(kUsage.data(), stdout);
      std::exit(0);
    }
    if (i + 1 >= argc) {
      std::fprintf(stderr, "shortener: %s needs a value\n%s", argv[i], kUsage.data());
      return false;
    }
    std::string_view value = argv[++i];
    if (flag == "--listen") {
      flags.config.listen = std::string(value);
    } else if (flag == "--threads") {
      if (!parse_number(value, flags.config.threads, 1024u)) {
        std::fprintf(stderr, "shortener: --threads wants a number from 0 (one per core) to 1024\n");
        return false;
      }
    } else if (flag == "--base-url") {
      flags.routes.base_url = std::string(value);
    } else if (flag == "--max-links") {
      if (!parse_number(value, flags.max_links, std::size_t{shortener::kCodeSpace}) || flags.max_links == 0) {
        std::fprintf(stderr, "shortener: --max-links wants a positive number\n");
        return false;
      }
    } else {
      std::fprintf(stderr, "shortener: unknown flag %s\n%s", argv[i - 1], kUsage.data());
      return false;
    }
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace std::chrono_literals;
  Flags flags;
  if (!parse_flags(argc, argv, flags)) return 2;
  nethttp::ServerConfig& config = flags.config;
  // Requests carry one URL at most: refuse larger bodies with 413 before reading them.
  config.max_body_bytes = 16 * 1024;

  nethttp::ServeMux mux;
  shortener::register_routes(mux, std::make_shared<shortener::LinkStore>(flags.max_links), flags.routes);
  nethttp::Server server(config, std::move(mux));
  // Before the server starts its threads, so they inherit the blocked signal mask.
  nethttp::ShutdownOnSignals stop_on_signal(server, 10s);

  if (std::error_code ec = server.listen()) {
    std::fprintf(stderr, "shortener: cannot listen on %s: %s\n", config.listen.c_str(), ec.message().c_str());
    return 1;
  }
  std::string host = config.listen.substr(0, config.listen.rfind(':'));
  std::printf("shortener listening on %s:%u with %u loops\n", host.c_str(),
              static_cast<unsigned>(server.port()), server.config().threads);
  std::fflush(stdout);

  if (std::error_code ec = server.serve()) {
    std::fprintf(stderr, "shortener: %s\n", ec.message().c_str());
    return 1;
  }
  if (int sig = stop_on_signal.signal()) std::printf("shortener: stopped by signal %d\n", sig);
  return 0;
}
