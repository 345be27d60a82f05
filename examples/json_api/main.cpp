// json_api: the JSON endpoints a service starts with (see api.hpp for the routes).
//
//   json_api [--listen HOST:PORT] [--threads N]
//
// Listens on :8080 by default with one event loop per core, and stops gracefully on SIGINT
// or SIGTERM: in-flight requests get up to 10 s to finish.
#include <charconv>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>
#include <system_error>

#include "api.hpp"
#include "nethttp/serve_mux.hpp"
#include "nethttp/server.hpp"
#include "nethttp/version.hpp"

namespace {

constexpr std::string_view kUsage = "usage: json_api [--listen HOST:PORT] [--threads N]\n";

// parse_flags fills config from argv; false (after printing why) on a bad command line.
bool parse_flags(int argc, char** argv, nethttp::ServerConfig& config) {
  for (int i = 1; i < argc; ++i) {
    std::string_view flag = argv[i];
    if (flag == "--help" || flag == "-h") {
      std::fputs(kUsage.data(), stdout);
      std::exit(0);
    }
    if (i + 1 >= argc) {
      std::fprintf(stderr, "json_api: %s needs a value\n%s", argv[i], kUsage.data());
      return false;
    }
    std::string_view value = argv[++i];
    if (flag == "--listen") {
      config.listen = std::string(value);
    } else if (flag == "--threads") {
      auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), config.threads);
      if (ec != std::errc{} || end != value.data() + value.size() || config.threads > 1024) {
        std::fprintf(stderr, "json_api: --threads wants a number from 0 (one per core) to 1024\n");
        return false;
      }
    } else {
      std::fprintf(stderr, "json_api: unknown flag %s\n%s", argv[i - 1], kUsage.data());
      return false;
    }
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace std::chrono_literals;
  nethttp::ServerConfig config;
  if (!parse_flags(argc, argv, config)) return 2;
  // API bodies are small: refuse anything larger with 413 before reading it.
  config.max_body_bytes = 64 * 1024;

  nethttp::ServeMux mux;
  json_api::register_routes(mux, std::make_shared<json_api::ItemStore>());
  nethttp::Server server(config, std::move(mux));
  // Before the server starts its threads, so they inherit the blocked signal mask.
  nethttp::ShutdownOnSignals stop_on_signal(server, 10s);

  if (std::error_code ec = server.listen()) {
    std::fprintf(stderr, "json_api: cannot listen on %s: %s\n", config.listen.c_str(), ec.message().c_str());
    return 1;
  }
  std::string host = config.listen.substr(0, config.listen.rfind(':'));
  std::printf("json_api %s listening on %s:%u with %u loops\n", NETHTTP_VERSION_STRING, host.c_str(),
              static_cast<unsigned>(server.port()), server.config().threads);
  std::fflush(stdout);

  if (std::error_code ec = server.serve()) {
    std::fprintf(stderr, "json_api: %s\n", ec.message().c_str());
    return 1;
  }
  if (int sig = stop_on_signal.signal()) std::printf("json_api: stopped by signal %d\n", sig);
  return 0;
}
