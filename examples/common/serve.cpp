#include "common/serve.hpp"

#include "nethttp/deploy.hpp"

#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstring>
#include <string>
#include <system_error>

namespace examples {

namespace {

// host_of is the HOST of "HOST:PORT" ("" for ":8080", "[::1]" for "[::1]:8080").
std::string host_of(const std::string& listen) { return listen.substr(0, listen.rfind(':')); }

// url is where a browser on this machine reaches the server; a wildcard address is not
// something to browse to, so it becomes localhost.
std::string url(const std::string& listen, unsigned port) {
  std::string host = host_of(listen);
  if (host.empty() || host == "0.0.0.0" || host == "[::]") host = "localhost";
  return "http://" + host + ":" + std::to_string(port) + "/";
}

}  // namespace

int fail(std::string_view program, std::string_view message, int code) {
  std::fprintf(stderr, "%s: %s\n", std::string(program).c_str(), std::string(message).c_str());
  return code;
}

int serve(std::string_view program_name, nethttp::Server& server, ServeOptions options) {
  const std::string program(program_name);
  const std::string& listen = server.config().listen;
  std::atomic<int> received{0};
  nethttp::OnSignals stop({SIGINT, SIGTERM}, [&](int sig) {
    int none = 0;
    if (!received.compare_exchange_strong(none, sig)) return;
    std::printf("%s: signal %d (%s): draining (drain delay %lld ms, deadline %lld s)\n", program.c_str(), sig,
                ::strsignal(sig), static_cast<long long>(server.config().drain_delay.count()),
                static_cast<long long>(kShutdownDeadline.count()));
    std::fflush(stdout);
    server.shutdown(kShutdownDeadline);
  });
  if (std::error_code ec = server.listen()) {
    return fail(program, "cannot listen on " + (listen.empty() ? std::string("inherited sockets") : listen) + ": " +
                             ec.message());
  }

  std::string where = listen.empty() ? "listening on inherited sockets (port " + std::to_string(server.port()) + ")"
                      : options.serving.empty()
                          ? "listening on " + host_of(listen) + ":" + std::to_string(server.port())
                          : "serving " + std::string(options.serving) + " on " + url(listen, server.port());
  std::printf("%s: %s with %u loops\n", program.c_str(), where.c_str(), server.config().threads);
  std::fflush(stdout);  // a pipe would hold the line back, and scripts wait for it
  if (!options.pid_file.empty()) {
    // Written beside it and renamed over it, so a reader never sees a half-written file.
    const std::string tmp = options.pid_file + ".tmp";
    std::FILE* f = std::fopen(tmp.c_str(), "w");
    if (f != nullptr) {
      std::fprintf(f, "%d\n", static_cast<int>(::getpid()));
      std::fclose(f);
    }
    if (f == nullptr || std::rename(tmp.c_str(), options.pid_file.c_str()) != 0) {
      return fail(program, "cannot write pid file \"" + options.pid_file + "\"");
    }
  }
  nethttp::notify_ready();

  if (std::error_code ec = server.serve()) return fail(program, ec.message());
  if (int sig = received.load()) {
    std::printf("%s: stopped by signal %d\n", program.c_str(), sig);
  } else {
    std::printf("%s: stopped\n", program.c_str());
  }
  return 0;
}

}  // namespace examples
