#pragma once
// Running an example's Server from main(): a graceful stop on SIGINT or SIGTERM, and the
// same startup, stop and error lines in every example.

#include <chrono>
#include <string_view>

#include "nethttp/server.hpp"

namespace examples {

/// kShutdownDeadline is how long in-flight requests get to finish after SIGINT or SIGTERM.
inline constexpr std::chrono::seconds kShutdownDeadline{10};

/// block_shutdown_signals blocks SIGINT and SIGTERM in the calling thread. Call it first in
/// main() when anything starts a thread before serve() (a WorkerPool, an access log's
/// writer): a thread inherits the signal mask it starts with, and one that leaves the
/// signals unblocked may receive them and die of the default action instead of letting
/// serve() drain the server. serve() blocks them too, which is enough when nothing started
/// a thread earlier.
void block_shutdown_signals();

/// ServeOptions tunes the line serve() prints once it listens.
struct ServeOptions {
  /// serving names what a browser will find (a directory, say). Empty, the line reads
  /// "PROGRAM: listening on HOST:PORT with N loops"; set, it reads "PROGRAM: serving WHAT
  /// on http://HOST:PORT/ with N loops", a URL a browser on this machine can open.
  std::string_view serving;
};

/// serve runs server from main(): it listens, prints where on stdout, serves until SIGINT or
/// SIGTERM has drained the server (at most kShutdownDeadline), prints "PROGRAM: stopped by
/// signal N" and returns 0. When it cannot listen or serve it prints one line on stderr
/// ("PROGRAM: cannot listen on HOST:PORT: Address already in use") and returns 1.
int serve(std::string_view program, nethttp::Server& server, ServeOptions options = {});

/// fail prints "PROGRAM: message" on stderr and returns code, for `return fail(...)` in main().
int fail(std::string_view program, std::string_view message, int code = 1);

}  // namespace examples
