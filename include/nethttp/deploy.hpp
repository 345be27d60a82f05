#pragma once
/// \file deploy.hpp
/// Deployment helpers: listening sockets inherited from systemd or a parent process,
/// readiness notification, and a hot binary upgrade that hands the sockets to a new process.

#include <sys/types.h>

#include <chrono>
#include <string>
#include <system_error>
#include <vector>

#include "nethttp/unique_fd.hpp"

namespace nethttp {

class Server;

/// InheritedListeners are listening sockets passed to this process by whoever started it.
struct InheritedListeners {
  std::vector<UniqueFd> fds;       ///< in order: descriptors 3, 4, ...
  std::vector<std::string> names;  ///< LISTEN_FDNAMES, one per fd ("" when not given)
};

/// listeners_from_environment takes the sockets passed by the systemd socket-activation
/// protocol (which a hot upgrade uses too): LISTEN_FDS=N descriptors from 3 on, for this
/// process only when LISTEN_PID is its pid, named by the colon-separated LISTEN_FDNAMES. No
/// libsystemd is needed. Unsets the three variables (children must not take them again).
/// With no LISTEN_FDS (or a LISTEN_PID for another process) out is left empty and the result
/// is success. A malformed value, or a descriptor that is not a listening stream socket,
/// gives invalid_argument (or the socket error) with problem saying which, e.g.
/// "LISTEN_FDS=x: not a number" or "LISTEN_FDS: descriptor 4: Bad file descriptor". Each fd
/// is made close-on-exec and non-blocking; hand them to Server::listen_on().
std::error_code listeners_from_environment(InheritedListeners& out, std::string& problem);

/// notify_ready tells whoever started this process that it is serving: it writes "READY=1\n"
/// to the descriptor named by NETHTTP_READY_FD (a hot upgrade's parent waits on it) and
/// sends "READY=1" to NOTIFY_SOCKET (systemd's Type=notify), then unsets both variables.
/// Call it once the Server listens. Does nothing when neither is set; never throws.
void notify_ready() noexcept;

/// UpgradeOptions configure start_upgrade.
struct UpgradeOptions {
  /// argv is the new program and its arguments; argv[0] is the path executed. Empty means
  /// this process's own binary (/proc/self/exe, so a replaced file is the new version) with
  /// its original arguments (/proc/self/cmdline).
  std::vector<std::string> argv;
  /// ready_timeout bounds the wait for the new process to call notify_ready().
  std::chrono::milliseconds ready_timeout{30'000};
};

/// UpgradeResult says how a start_upgrade went.
struct UpgradeResult {
  pid_t pid = -1;         ///< the new process (kept running only on success)
  std::error_code error;  ///< success: the new process is ready; drain this one now
  std::string problem;    ///< what went wrong, for a log line
};

/// start_upgrade starts a new process with every listening socket of server passed as
/// LISTEN_FDS (the same sockets, so no connection waiting in an accept queue is lost) and
/// waits until it calls notify_ready(). On success the caller drains this server
/// (server.shutdown(deadline)); both serve until then. When the new process exits, fails to
/// start or is not ready within ready_timeout, it is killed and reaped, error says why, and
/// this server goes on serving as before. Blocks; call it from a signal thread (OnSignals),
/// not from a handler. The new process's descriptors: 0-2 and the sockets only.
UpgradeResult start_upgrade(Server& server, const UpgradeOptions& options = {});

}  // namespace nethttp
