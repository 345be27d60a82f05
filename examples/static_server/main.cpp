// nethttp-static: serves a directory of static files (the bundled example site by default)
// with file_server(), plus /healthz, /readyz and optionally /metrics, an access log and a
// graceful shutdown on SIGINT/SIGTERM. Run `nethttp-static --help` for the flags.
//
// Every startup failure (bad flag, missing root, busy port) prints one line on stderr and
// exits non-zero, so scripts and service managers see what went wrong.

#include <pthread.h>
#include <signal.h>

#include <cstdio>
#include <exception>
#include <string>
#include <system_error>

#include "flags.hpp"
#include "nethttp/file_server.hpp"
#include "nethttp/health.hpp"
#include "nethttp/metrics.hpp"
#include "nethttp/middleware.hpp"
#include "nethttp/serve_mux.hpp"
#include "nethttp/server.hpp"

namespace {

constexpr auto kShutdownDeadline = std::chrono::seconds(10);

int fail(const std::string& message, int code = 1) {
  std::fprintf(stderr, "nethttp-static: %s\n", message.c_str());
  return code;
}

// display_url turns "HOST:PORT" into a URL a browser can open, with the bound port (which
// differs from the flag's when it asked for port 0).
std::string display_url(const std::string& listen, unsigned port) {
  std::string host = listen.substr(0, listen.rfind(':'));
  if (host.empty() || host == "0.0.0.0" || host == "[::]") host = "localhost";
  return "http://" + host + ":" + std::to_string(port) + "/";
}

// block_shutdown_signals blocks SIGINT and SIGTERM in the calling thread before any other
// thread exists. ShutdownOnSignals does the same, but only once the Server is built, and
// the access log's writer thread starts earlier: it would inherit an unblocked mask, take
// the signal with the default action and kill the process without a graceful shutdown.
void block_shutdown_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

}  // namespace

int main(int argc, char** argv) {
  block_shutdown_signals();
  std::string flag_error;
  std::optional<static_server::Flags> flags = static_server::parse_flags(argc, argv, flag_error);
  if (!flags) return fail(flag_error, 2);
  if (flags->help) {
    std::fputs(static_server::usage().c_str(), stdout);
    return 0;
  }
  std::string root = flags->root.empty() ? static_server::default_root() : flags->root;

  nethttp::FileServerOptions options;
  options.list_directories = flags->list_dirs;
  options.cache_control = flags->cache_control;
  options.spa_fallback = flags->spa;
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
  if (flags->metrics) app = nethttp::chain(app, {metrics.middleware()});
  if (flags->access_log != "off") {
    try {
      nethttp::AccessLogOptions log;
      log.destination = flags->access_log;
      app = nethttp::chain(app, {nethttp::access_log(log)});
    } catch (const std::exception& e) {
      return fail("cannot open access log \"" + flags->access_log + "\": " + e.what());
    }
  }

  nethttp::ServerConfig config;
  config.listen = flags->listen;
  config.threads = flags->threads;
  nethttp::Server server(config, app);
  mux.handle("GET /readyz", nethttp::readyz(server));
  if (flags->metrics) {
    metrics.attach(&server);
    mux.handle("GET /metrics", metrics.handler());
  }
  nethttp::ShutdownOnSignals on_signal(server, kShutdownDeadline);  // before the loops start
  if (std::error_code ec = server.listen()) {
    return fail("cannot listen on " + config.listen + ": " + ec.message());
  }
  std::printf("nethttp-static: serving %s on %s\n", root.c_str(), display_url(config.listen, server.port()).c_str());
  std::fflush(stdout);
  if (std::error_code ec = server.serve()) return fail(ec.message());
  metrics.attach(nullptr);
  std::printf("nethttp-static: stopped\n");
  return 0;
}
