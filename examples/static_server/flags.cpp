#include "flags.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <charconv>
#include <string_view>

namespace static_server {

namespace {

bool is_directory(const char* path) {
  struct stat st {};
  return ::stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

}  // namespace

std::string usage() {
  return "usage: nethttp-static [flags]\n"
         "\n"
         "Serves a directory of static files over HTTP/1.1.\n"
         "\n"
         "  --root DIR             directory to serve (default: the bundled example site)\n"
         "  --listen ADDR:PORT     address to listen on (default :8080; port 0 picks a free one)\n"
         "  --threads N            event loops, 0 = one per core (default 0)\n"
         "  --access-log WHERE     off, stdout or a file path (default stdout)\n"
         "  --list-dirs            list directories that have no index.html\n"
         "  --cache-control VALUE  Cache-Control for every file, e.g. \"public, max-age=3600\"\n"
         "  --spa                  serve /index.html for missing paths without an extension\n"
         "  --metrics              serve Prometheus metrics on /metrics\n"
         "  --help                 show this help\n"
         "\n"
         "Also serves /healthz and /readyz. SIGINT or SIGTERM shuts down gracefully.\n";
}

std::optional<Flags> parse_flags(int argc, char** argv, std::string& error) {
  Flags f;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    std::string_view value;
    // Accept both "--flag value" and "--flag=value".
    if (std::size_t eq = arg.find('='); arg.starts_with("--") && eq != std::string_view::npos) {
      value = arg.substr(eq + 1);
      arg = arg.substr(0, eq);
    }
    bool takes_value = arg == "--root" || arg == "--listen" || arg == "--threads" || arg == "--access-log" ||
                       arg == "--cache-control";
    if (takes_value && value.empty()) {
      if (i + 1 >= argc) {
        error = std::string(arg) + " needs a value";
        return std::nullopt;
      }
      value = argv[++i];
    }
    if (arg == "--root") {
      f.root = value;
    } else if (arg == "--listen") {
      f.listen = value;
    } else if (arg == "--threads") {
      unsigned n = 0;
      auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
      if (ec != std::errc() || end != value.data() + value.size() || n > 1024) {
        error = "--threads wants a number from 0 to 1024, got \"" + std::string(value) + "\"";
        return std::nullopt;
      }
      f.threads = n;
    } else if (arg == "--access-log") {
      f.access_log = value;
    } else if (arg == "--cache-control") {
      f.cache_control = value;
    } else if (arg == "--list-dirs") {
      f.list_dirs = true;
    } else if (arg == "--spa") {
      f.spa = true;
    } else if (arg == "--metrics") {
      f.metrics = true;
    } else if (arg == "--help" || arg == "-h") {
      f.help = true;
    } else {
      error = "unknown flag \"" + std::string(argv[i]) + "\" (see --help)";
      return std::nullopt;
    }
  }
  return f;
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
