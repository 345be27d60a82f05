#include "common/serve.hpp"

#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstring>
#include <string>
#include <system_error>
#include <vector>

#include "nethttp/deploy.hpp"
#include "nethttp/helpers.hpp"

namespace examples {

namespace {

// The TLS port of the program's server, for redirect_to_https (an example runs one Server).
std::atomic<std::uint16_t> g_tls_port{0};

// host_of is the HOST of "HOST:PORT" ("" for ":8080", "[::1]" for "[::1]:8080").
std::string host_of(const std::string& listen) { return listen.substr(0, listen.rfind(':')); }

// url is where a browser on this machine reaches the server; a wildcard address is not
// something to browse to, so it becomes localhost.
std::string url(const std::string& scheme, const std::string& listen, unsigned port) {
  std::string host = host_of(listen);
  if (host.empty() || host == "0.0.0.0" || host == "[::]") host = "localhost";
  return scheme + "://" + host + ":" + std::to_string(port) + "/";
}

// where is what the startup line says after "PROGRAM: ".
std::string where(const nethttp::Server& server, std::string_view serving) {
  const std::string& listen = server.config().listen;
  const std::vector<std::string>& tls = server.config().listen_tls;
  if (listen.empty() && tls.empty())
    return "listening on inherited sockets (port " + std::to_string(server.port()) + ")";
  std::string clear, secure;
  if (serving.empty()) {
    if (!listen.empty()) clear = host_of(listen) + ":" + std::to_string(server.port());
    if (!tls.empty()) secure = host_of(tls.front()) + ":" + std::to_string(server.tls_port()) + " (TLS)";
    return "listening on " + clear + (clear.empty() || secure.empty() ? "" : " and ") + secure;
  }
  if (!listen.empty()) clear = url("http", listen, server.port());
  if (!tls.empty()) secure = url("https", tls.front(), server.tls_port());
  return "serving " + std::string(serving) + " on " + clear + (clear.empty() || secure.empty() ? "" : " and ") + secure;
}

}  // namespace

std::uint16_t tls_port() noexcept { return g_tls_port.load(std::memory_order_acquire); }

nethttp::Handler redirect_to_https(nethttp::Handler app) {
  return [app = std::move(app)](nethttp::ResponseWriter& w, nethttp::Request& r) {
    if (r.tls() != nullptr || r.path() == "/healthz" || r.path() == "/readyz") {
      app.serve(w, r);
      return;
    }
    nethttp::https_redirect(tls_port()).serve(w, r);
  };
}

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
    std::string addresses = listen;
    for (const std::string& a : server.config().listen_tls) addresses += (addresses.empty() ? "" : ", ") + a;
    return fail(program, "cannot listen on " + (addresses.empty() ? std::string("inherited sockets") : addresses) +
                             ": " + ec.message());
  }
  g_tls_port.store(server.tls_port(), std::memory_order_release);

  std::printf("%s: %s with %u loops\n", program.c_str(), where(server, options.serving).c_str(),
              server.config().threads);
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
