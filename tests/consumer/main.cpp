// A program that uses nethttp the way an application would: it serves one route on an
// ephemeral loopback port, requests it over a real socket, and checks the answer. The
// package tests build it three ways (find_package, add_subdirectory, pkg-config), so a
// broken install, export or .pc file fails the test suite instead of a user's build.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>
#include <system_error>
#include <thread>

// The umbrella header: every installed header (and the generated version.hpp) must be
// present and compile together.
#include <nethttp/nethttp.hpp>

#ifndef NETHTTP_EXPECTED_VERSION
#error "build with -DNETHTTP_EXPECTED_VERSION=\"x.y.z\", the version the package reports"
#endif

namespace {

int fail(std::string_view what) {
  std::fprintf(stderr, "consumer: %.*s\n", static_cast<int>(what.size()), what.data());
  return 1;
}

// fetch sends one request to 127.0.0.1:port and returns everything the server sends until
// it closes; "" on any failure. Reads time out after 5 s so a broken server cannot hang us.
std::string fetch(std::uint16_t port, std::string_view request) {
  nethttp::UniqueFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (fd.get() < 0) return {};
  timeval timeout{5, 0};
  ::setsockopt(fd.get(), SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) return {};
  while (!request.empty()) {
    ssize_t n = ::send(fd.get(), request.data(), request.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return {};
    request.remove_prefix(static_cast<std::size_t>(n));
  }
  std::string reply;
  char buf[4096];
  for (;;) {
    ssize_t n = ::recv(fd.get(), buf, sizeof buf, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return {};  // timeout or reset
    if (n == 0) return reply;
    reply.append(buf, static_cast<std::size_t>(n));
  }
}

}  // namespace

int main() {
  using namespace std::chrono_literals;
  if (std::string_view(NETHTTP_VERSION_STRING) != NETHTTP_EXPECTED_VERSION) {
    return fail(std::string("nethttp/version.hpp says ") + NETHTTP_VERSION_STRING + " but the package says " +
                NETHTTP_EXPECTED_VERSION);
  }

  nethttp::ServerConfig config;
  config.listen = "127.0.0.1:0";
  config.threads = 1;
  config.logger = nethttp::null_logger();
  nethttp::Server server(config, [](nethttp::ResponseWriter& w, nethttp::Request& r) {
    w.headers().set("Content-Type", "text/plain; charset=utf-8");
    w.write("hello from nethttp ");
    w.write(nethttp::version_string);
    w.write(" at ");
    w.write(r.path());
  });
  if (std::error_code ec = server.listen()) return fail("listen: " + ec.message());

  std::error_code serve_error;
  std::thread loop([&] { serve_error = server.serve(); });
  std::string reply = fetch(server.port(), "GET /consumer HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
  bool drained = server.shutdown(2s);
  loop.join();

  if (serve_error) return fail("serve: " + serve_error.message());
  if (!drained) return fail("shutdown did not drain");
  std::string want_body = std::string("hello from nethttp ") + NETHTTP_VERSION_STRING + " at /consumer";
  if (!reply.starts_with("HTTP/1.1 200 ")) return fail("unexpected reply: " + reply);
  if (!reply.ends_with("\r\n\r\n" + want_body)) return fail("unexpected body: " + reply);
  std::printf("consumer: nethttp %s answered: %s\n", NETHTTP_VERSION_STRING, want_body.c_str());
  return 0;
}
