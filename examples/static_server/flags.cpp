#include "flags.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <array>

#include "common/flag_set.hpp"

namespace static_server {

namespace {

bool is_directory(const char* path) {
  struct stat st {};
  return ::stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

}  // namespace

std::optional<int> parse_flags(int argc, char** argv, Flags& flags, nethttp::ServerConfig& config) {
  examples::FlagSet set("nethttp-static",
                        "Serves a directory of static files over HTTP/1.1, plus /healthz and /readyz.\n"
                        "--listen also takes unix:/PATH. Sockets passed by systemd (LISTEN_FDS) are used\n"
                        "instead of --listen. HTTPS: --listen-tls with --tls-cert and --tls-key (--listen \"\"\n"
                        "for HTTPS only). Signals: TERM/INT drain and exit, HUP re-reads --config, reopens\n"
                        "the access log and reloads the TLS certificates, USR2 starts the new binary on the\n"
                        "same sockets and exits once it is ready (a hot upgrade).",
                        config);
  set.add_string("--root", "DIR", "directory to serve (default: the bundled example site)", flags.root);
  set.add_string("--access-log", "WHERE", "off, stdout or a file path (default stdout)", flags.access_log);
  set.add_switch("--list-dirs", "list directories that have no index.html", flags.list_dirs);
  set.add_string("--cache-control", "VALUE", "Cache-Control for every file, e.g. \"public, max-age=3600\"",
                 flags.cache_control);
  set.add_switch("--spa", "serve /index.html for missing paths without an extension", flags.spa);
  set.add_switch("--metrics", "serve Prometheus metrics on /metrics", flags.metrics);
  set.add_switch("--no-health", "do not serve /healthz and /readyz (served by default)", flags.no_health);
  set.add_number("--drain-delay",
                 "ms to keep serving after SIGTERM/SIGINT with /readyz answering 503, before the drain (default 0)",
                 flags.drain_delay_ms, 0u, 600'000u);
  constexpr auto kMaxBuffer = static_cast<unsigned>(nethttp::kMaxSocketBufferBytes);
  set.add_number("--sndbuf",
                 "kernel send buffer per TCP connection, bytes (SO_SNDBUF; default 0: autotuned); 65536 bounds what "
                 "a client that stops reading pins, but slows downloads over high-latency links",
                 flags.sndbuf, 0u, kMaxBuffer);
  set.add_number("--rcvbuf", "kernel receive buffer per TCP connection, bytes (SO_RCVBUF; default 0: autotuned)",
                 flags.rcvbuf, 0u, kMaxBuffer);
  set.add_string("--config", "FILE",
                 "settings re-read on SIGHUP: \"cache-control = VALUE\", \"log-level = debug|info|warn|error\"",
                 flags.config_file);
  set.add_string("--pid-file", "FILE", "write the process id there once listening (the new one after SIGUSR2)",
                 flags.pid_file);
  std::optional<int> result = set.parse(argc, argv);
  if (!result) {
    config.drain_delay = std::chrono::milliseconds(flags.drain_delay_ms);
    config.send_buffer_bytes = static_cast<int>(flags.sndbuf);
    config.receive_buffer_bytes = static_cast<int>(flags.rcvbuf);
  }
  flags.https_redirect = set.https_redirect();
  return result;
}

// installed_site_next_to_binary maps PREFIX/BINDIR/nethttp-static to PREFIX/DATADIR/nethttp/site,
// or returns "" when the binary does not sit in a BINDIR (or /proc is not there).
std::string installed_site_next_to_binary() {
  std::array<char, 4096> buf{};
  ssize_t n = ::readlink("/proc/self/exe", buf.data(), buf.size() - 1);
  if (n <= 0) return {};
  std::string exe(buf.data(), static_cast<std::size_t>(n));
  std::string dir = exe.substr(0, exe.rfind('/'));
  std::string bindir = std::string("/") + NETHTTP_STATIC_BINDIR;
  if (!dir.ends_with(bindir)) return {};
  return dir.substr(0, dir.size() - bindir.size()) + "/" + NETHTTP_STATIC_DATADIR_SITE;
}

std::string default_root() {
  if (is_directory(NETHTTP_STATIC_SOURCE_SITE)) return NETHTTP_STATIC_SOURCE_SITE;
  if (std::string next = installed_site_next_to_binary(); !next.empty() && is_directory(next.c_str())) return next;
  return NETHTTP_STATIC_INSTALLED_SITE;
}

}  // namespace static_server
