#pragma once
// Running an example's Server from main(): a graceful stop on SIGINT or SIGTERM, and the
// same startup, stop and error lines in every example.

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "nethttp/handler.hpp"
#include "nethttp/server.hpp"

namespace examples {

/// kShutdownDeadline is how long in-flight requests get to finish after SIGINT or SIGTERM.
inline constexpr std::chrono::seconds kShutdownDeadline{10};

/// ServeOptions tunes the line serve() prints once it listens.
struct ServeOptions {
  /// serving names what a browser will find (a directory, say). Empty, the line reads
  /// "PROGRAM: listening on HOST:PORT with N loops"; set, it reads "PROGRAM: serving WHAT
  /// on http://HOST:PORT/ with N loops", a URL a browser on this machine can open. With
  /// listen_tls the TLS address follows the cleartext one: "listening on HOST:PORT and
  /// HOST:PORT (TLS)", "on http://HOST:PORT/ and https://HOST:PORT/" (only the TLS one when
  /// config.listen is empty).
  std::string_view serving;
  /// pid_file, if set, gets this process's id once it listens (written, not removed: after
  /// a hot upgrade it names the new process).
  std::string pid_file;
};

/// serve runs server from main(): it listens, prints where on stdout, tells whoever started
/// it that it is ready (nethttp::notify_ready: a hot upgrade's parent, systemd), serves until
/// SIGINT or SIGTERM has drained the server (at most kShutdownDeadline after the config's
/// drain_delay; the signal is logged when it arrives: "PROGRAM: signal 15 (Terminated):
/// draining"), prints "PROGRAM: stopped by signal N" and returns 0. When it cannot listen or serve it prints one line
/// on stderr
/// ("PROGRAM: cannot listen on HOST:PORT: Address already in use") and returns 1.
int serve(std::string_view program, nethttp::Server& server, ServeOptions options = {});

/// tls_port is the TLS port serve() listens on (Server::tls_port()), 0 until it listens.
/// Thread-safe.
std::uint16_t tls_port() noexcept;

/// redirect_to_https wraps app for --https-redirect: requests on a TLS connection and the
/// health probes (/healthz, /readyz: a load balancer checks the cleartext port) go to app;
/// every other cleartext request gets nethttp::https_redirect to tls_port() (301 for GET and
/// HEAD, 308 otherwise; 400 without a usable Host).
nethttp::Handler redirect_to_https(nethttp::Handler app);

/// fail prints "PROGRAM: message" on stderr and returns code, for `return fail(...)` in main().
int fail(std::string_view program, std::string_view message, int code = 1);

}  // namespace examples
