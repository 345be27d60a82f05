#pragma once
// Command-line flags of nethttp-static.

#include <optional>
#include <string>

#include "nethttp/server.hpp"

namespace static_server {

/// Flags are nethttp-static's own flags; --listen, --threads, --listen-tls, --tls-cert and
/// --tls-key go into the ServerConfig, and parse_flags() copies --drain-delay, --sndbuf and
/// --rcvbuf there too.
struct Flags {
  std::string root;                   ///< empty: the bundled site
  std::string access_log = "stdout";  ///< "off", "stdout" or a file path
  bool list_dirs = false;
  std::string cache_control;
  bool spa = false;
  bool metrics = false;
  bool no_health = false;       ///< --no-health: no /healthz and /readyz
  unsigned drain_delay_ms = 0;  ///< --drain-delay: ServerConfig::drain_delay
  std::string config_file;      ///< --config: reloadable settings, re-read on SIGHUP
  std::string pid_file;
  bool https_redirect = false;  ///< --https-redirect (the TLS flags go into the ServerConfig)
  unsigned sndbuf = 0;          ///< --sndbuf: ServerConfig::send_buffer_bytes
  unsigned rcvbuf = 0;          ///< --rcvbuf: ServerConfig::receive_buffer_bytes
};

/// parse_flags reads argv into flags and config, the way examples::FlagSet::parse does: it
/// returns nullopt to go on, or main()'s exit status after --help (0) or a mistake (2, with
/// one line on stderr naming the flag and what was wrong).
std::optional<int> parse_flags(int argc, char** argv, Flags& flags, nethttp::ServerConfig& config);

/// default_root returns the bundled site: the source tree's examples/site when it exists,
/// else the installed copy under DATADIR/nethttp/site, looked for next to the binary first
/// (PREFIX/bin/../share/nethttp/site, so a relocated install works), then at the prefix
/// the build was configured with.
std::string default_root();

}  // namespace static_server
