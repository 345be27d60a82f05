// nethttp-static: serves a directory of static files (the bundled example site by default)
// with file_server(), plus /healthz, /readyz and optionally /metrics, an access log and a
// graceful shutdown on SIGINT/SIGTERM. Run `nethttp-static --help` for the flags.
//
// Every startup failure (bad flag, missing root, busy port) prints one line on stderr and
// exits non-zero, so scripts and service managers see what went wrong.

#include <exception>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>

#include "common/serve.hpp"
#include "flags.hpp"
#include "nethttp/file_server.hpp"
#include "nethttp/health.hpp"
#include "nethttp/metrics.hpp"
#include "nethttp/middleware.hpp"
#include "nethttp/serve_mux.hpp"
#include "nethttp/server.hpp"

namespace {

constexpr std::string_view kProgram = "nethttp-static";

int fail(const std::string& message) { return examples::fail(kProgram, message); }

}  // namespace

int main(int argc, char** argv) {
  // First: the access log's writer thread starts before the Server, and must inherit the
  // blocked shutdown signals.
  examples::block_shutdown_signals();
  static_server::Flags flags;
  nethttp::ServerConfig config;
  if (std::optional<int> exit_code = static_server::parse_flags(argc, argv, flags, config)) return *exit_code;
  std::string root = flags.root.empty() ? static_server::default_root() : flags.root;

  nethttp::FileServerOptions options;
  options.list_directories = flags.list_dirs;
  options.cache_control = flags.cache_control;
  options.spa_fallback = flags.spa;
  options.require_root = true;  // a wrong --root fails at startup rather than serving 404s
  nethttp::Handler files;
  try {
    files = nethttp::file_server(root, options);
  } catch (const std::system_error& e) {
    return fail("cannot serve root directory \"" + root + "\": " + e.code().message());
  }

  // ServeMux copies share one route table, so routes that need the Server (readyz,
  // metrics) can be added after it is built and before it serves.
  nethttp::ServeMux mux;
  mux.handle("GET /healthz", nethttp::healthz());
  mux.handle("/", files);
  nethttp::MetricsRegistry metrics;
  nethttp::Handler app = mux;
  if (flags.metrics) app = nethttp::chain(app, {metrics.middleware()});
  if (flags.access_log != "off") {
    try {
      nethttp::AccessLogOptions log;
      log.destination = flags.access_log;
      app = nethttp::chain(app, {nethttp::access_log(log)});
    } catch (const std::exception& e) {
      return fail("cannot open access log \"" + flags.access_log + "\": " + e.what());
    }
  }

  nethttp::Server server(config, app);
  mux.handle("GET /readyz", nethttp::readyz(server));
  if (flags.metrics) {
    metrics.attach(&server);
    mux.handle("GET /metrics", metrics.handler());
  }
  int status = examples::serve(kProgram, server, {.serving = root});
  metrics.attach(nullptr);
  return status;
}
