// nethttp-static: serves a directory of static files (the bundled example site by default)
// with file_server(), plus /healthz, /readyz and optionally /metrics, an access log and a
// graceful shutdown on SIGINT/SIGTERM, settings and TLS certificates reloaded on SIGHUP, a
// hot upgrade on SIGUSR2, HTTPS beside HTTP (--listen-tls, with --https-redirect sending
// cleartext clients over), and sockets inherited from systemd. Run `nethttp-static --help`
// for the flags.
//
// Every startup failure (bad flag, missing root, busy port) prints one line on stderr and
// exits non-zero, so scripts and service managers see what went wrong.

#include <signal.h>

#include <atomic>
#include <cstdio>
#include <exception>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>

#include "common/serve.hpp"
#include "flags.hpp"
#include "nethttp/deploy.hpp"
#include "nethttp/file_server.hpp"
#include "nethttp/health.hpp"
#include "nethttp/metrics.hpp"
#include "nethttp/middleware.hpp"
#include "nethttp/serve_mux.hpp"
#include "nethttp/server.hpp"
#include "settings.hpp"

namespace {

constexpr std::string_view kProgram = "nethttp-static";

int fail(const std::string& message) { return examples::fail(kProgram, message); }

}  // namespace

int main(int argc, char** argv) {
  static_server::Flags flags;
  nethttp::ServerConfig config;
  if (std::optional<int> exit_code = static_server::parse_flags(argc, argv, flags, config)) return *exit_code;
  std::string root = flags.root.empty() ? static_server::default_root() : flags.root;

  // Sockets from systemd or from the previous process of a hot upgrade replace --listen.
  nethttp::InheritedListeners inherited;
  std::string problem;
  if (nethttp::listeners_from_environment(inherited, problem)) return fail("inherited sockets: " + problem);
  if (!inherited.fds.empty()) config.listen.clear();

  static_server::Settings settings;
  settings.cache_control = flags.cache_control;
  if (!flags.config_file.empty()) {
    if (std::string wrong = static_server::read_settings(flags.config_file, settings); !wrong.empty())
      return fail(wrong);
  }
  auto logger = std::make_shared<static_server::LevelLogger>(nethttp::default_logger(), settings.log_level);
  config.logger = logger;

  nethttp::FileServerOptions options;
  options.list_directories = flags.list_dirs;
  options.spa_fallback = flags.spa;
  options.require_root = true;  // a wrong --root fails at startup rather than serving 404s
  // The file server is rebuilt on SIGHUP with the new Cache-Control; requests pick up the
  // current one (an atomic shared_ptr), and those in flight finish with the old.
  auto make_files = [&](const std::string& cache_control) {
    nethttp::FileServerOptions o = options;
    o.cache_control = cache_control;
    return std::make_shared<const nethttp::Handler>(nethttp::file_server(root, o));
  };
  std::atomic<std::shared_ptr<const nethttp::Handler>> files;
  try {
    files.store(make_files(settings.cache_control));
  } catch (const std::system_error& e) {
    return fail("cannot serve root directory \"" + root + "\": " + e.code().message());
  }

  // ServeMux copies share one route table, so routes that need the Server (readyz,
  // metrics) can be added after it is built and before it serves.
  nethttp::ServeMux mux;
  if (!flags.no_health) mux.handle("GET /healthz", nethttp::healthz());
  mux.handle("/", [&files](nethttp::ResponseWriter& w, nethttp::Request& r) { files.load()->serve(w, r); });
  nethttp::MetricsRegistry metrics;
  nethttp::Handler app = mux;
  // Inside the access log and metrics, so redirects are logged and counted.
  if (flags.https_redirect) app = examples::redirect_to_https(app);
  if (flags.metrics) {
    app = nethttp::chain(app, {metrics.middleware()});
    config.reject_observers.push_back(metrics.reject_observer());  // 400/408/413/414/431 counted too
  }
  std::optional<nethttp::AccessLog> access_log;  // reopened on SIGHUP, for logrotate
  if (flags.access_log != "off") {
    try {
      nethttp::AccessLogOptions log;
      log.destination = flags.access_log;
      access_log.emplace(log);
      app = nethttp::chain(app, {access_log->middleware()});
      // Requests the server rejects itself (400, 408, 413, 414, 431) are logged too.
      config.reject_observers.push_back(access_log->reject_observer());
    } catch (const std::exception& e) {
      return fail("cannot open access log \"" + flags.access_log + "\": " + e.what());
    }
  }

  nethttp::Server server(config, app);
  for (auto& fd : inherited.fds) {
    if (std::error_code ec = server.listen_on(std::move(fd))) return fail("inherited socket: " + ec.message());
  }
  if (!flags.no_health) mux.handle("GET /readyz", nethttp::readyz(server));
  if (flags.metrics) {
    metrics.attach(&server);
    mux.handle("GET /metrics", metrics.handler());
  }

  auto say = [](const std::string& line) {
    std::printf("%s: %s\n", std::string(kProgram).c_str(), line.c_str());
    std::fflush(stdout);
  };
  nethttp::OnSignals control({SIGHUP, SIGUSR2}, [&](int sig) {
    if (sig == SIGHUP) {
      if (flags.config_file.empty()) {
        say("SIGHUP: no --config to re-read");
      } else if (std::string wrong = static_server::read_settings(flags.config_file, settings); !wrong.empty()) {
        say("SIGHUP: keeping the current settings: " + wrong);
      } else {
        try {
          files.store(make_files(settings.cache_control));
          logger->set_level(settings.log_level);
          say("SIGHUP: reloaded " + flags.config_file + ": cache-control \"" + settings.cache_control +
              "\", log-level " + std::string(static_server::level_name(settings.log_level)));
        } catch (const std::system_error& e) {
          say("SIGHUP: keeping the current settings: root \"" + root + "\": " + e.code().message());
        }
      }
      if (access_log) {
        if (std::error_code ec = access_log->reopen()) {
          say("SIGHUP: access log not reopened, still writing the old file: " + ec.message());
        } else {
          say("SIGHUP: access log reopened");
        }
      }
      // New handshakes get the re-read certificates; open connections keep theirs.
      if (!server.config().listen_tls.empty()) {
        if (nethttp::TlsResult reloaded = server.reload_tls()) {
          say("SIGHUP: TLS certificates reloaded");
        } else {
          say("SIGHUP: keeping the current TLS certificates: " + reloaded.message);
        }
      }
      return;
    }
    say("SIGUSR2: starting a new process on the same sockets");
    nethttp::UpgradeResult upgrade =
        nethttp::start_upgrade(server, {.argv = {}, .ready_timeout = std::chrono::seconds(30)});
    if (upgrade.error) {
      say("SIGUSR2: upgrade failed, still serving: " + upgrade.problem);
      return;
    }
    say("SIGUSR2: new process " + std::to_string(upgrade.pid) + " is ready; draining");
    server.shutdown(examples::kShutdownDeadline);
  });

  int status = examples::serve(kProgram, server, {.serving = root, .pid_file = flags.pid_file});
  metrics.attach(nullptr);
  return status;
}
