#pragma once
// Command-line flags of nethttp-static.

#include <optional>
#include <string>

namespace static_server {

/// Flags is the parsed command line.
struct Flags {
  std::string root;                ///< empty: the bundled site
  std::string listen = ":8080";
  unsigned threads = 0;            ///< 0: one loop per core
  std::string access_log = "stdout";  ///< "off", "stdout" or a file path
  bool list_dirs = false;
  std::string cache_control;
  bool spa = false;
  bool metrics = false;
  bool help = false;
};

/// parse_flags parses argv. On a mistake it returns nullopt and sets error to one line
/// (without a newline) naming the flag and what was wrong.
std::optional<Flags> parse_flags(int argc, char** argv, std::string& error);

/// usage is the --help text.
std::string usage();

/// default_root returns the bundled site: the source tree's examples/site when it exists,
/// else the installed copy under DATADIR/nethttp/site, looked for next to the binary first
/// (PREFIX/bin/../share/nethttp/site, so a relocated install works), then at the prefix
/// the build was configured with.
std::string default_root();

}  // namespace static_server
