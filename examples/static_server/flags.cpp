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
                        "Serves a directory of static files over HTTP/1.1, plus /healthz and /readyz.", config);
  set.add_string("--root", "DIR", "directory to serve (default: the bundled example site)", flags.root);
  set.add_string("--access-log", "WHERE", "off, stdout or a file path (default stdout)", flags.access_log);
  set.add_switch("--list-dirs", "list directories that have no index.html", flags.list_dirs);
  set.add_string("--cache-control", "VALUE", "Cache-Control for every file, e.g. \"public, max-age=3600\"",
                 flags.cache_control);
  set.add_switch("--spa", "serve /index.html for missing paths without an extension", flags.spa);
  set.add_switch("--metrics", "serve Prometheus metrics on /metrics", flags.metrics);
  return set.parse(argc, argv);
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
