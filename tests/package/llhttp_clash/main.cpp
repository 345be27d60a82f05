// An application that uses its own llhttp and nethttp in one program (see CMakeLists.txt).
// It parses a request with its llhttp, has nethttp serve a request over a loopback socket,
// and checks that every llhttp_execute call the program saw was its own: nethttp's parser
// must not have been linked to the application's llhttp.
#include <arpa/inet.h>
#include <llhttp.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <string_view>
#include <system_error>
#include <thread>

#include <nethttp/nethttp.hpp>

// The application's llhttp_execute, wrapping its own build's (renamed by a define).
extern "C" llhttp_errno_t app_llhttp_execute_impl(llhttp_t* parser, const char* data, size_t len);

namespace {
std::atomic<int> app_execute_calls{0};
}  // namespace

extern "C" llhttp_errno_t llhttp_execute(llhttp_t* parser, const char* data, size_t len) {
  app_execute_calls.fetch_add(1);
  return app_llhttp_execute_impl(parser, data, len);
}

namespace {

int fail(const std::string& what) {
  std::fprintf(stderr, "llhttp_clash: %s\n", what.c_str());
  return 1;
}

std::string parsed_url;

int on_url(llhttp_t*, const char* at, size_t length) {
  parsed_url.append(at, length);
  return 0;
}

// fetch sends one request to 127.0.0.1:port and returns what the server sends until it
// closes; "" on failure. Reads time out after 5 s.
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
  if (::send(fd.get(), request.data(), request.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(request.size())) {
    return {};
  }
  std::string reply;
  char buf[4096];
  for (;;) {
    ssize_t n = ::recv(fd.get(), buf, sizeof buf, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return {};
    if (n == 0) return reply;
    reply.append(buf, static_cast<std::size_t>(n));
  }
}

}  // namespace

int main() {
  using namespace std::chrono_literals;

  // 1. The application's own llhttp.
  llhttp_settings_t settings;
  llhttp_settings_init(&settings);
  settings.on_url = on_url;
  llhttp_t parser;
  llhttp_init(&parser, HTTP_REQUEST, &settings);
  std::string_view raw = "GET /parsed-by-the-app HTTP/1.1\r\nHost: a\r\n\r\n";
  if (llhttp_execute(&parser, raw.data(), raw.size()) != HPE_OK) {
    return fail(std::string("own llhttp: ") + llhttp_errno_name(llhttp_get_errno(&parser)));
  }
  if (parsed_url != "/parsed-by-the-app") return fail("own llhttp parsed url '" + parsed_url + "'");
  if (app_execute_calls.load() != 1) return fail("own llhttp_execute not called once");

  // 2. nethttp, parsing with its own (private) llhttp.
  nethttp::ServerConfig config;
  config.listen = "127.0.0.1:0";
  config.threads = 1;
  config.logger = nethttp::null_logger();
  nethttp::Server server(config, [](nethttp::ResponseWriter& w, nethttp::Request& r) {
    w.write("nethttp parsed ");
    w.write(r.path());
  });
  if (std::error_code ec = server.listen()) return fail("listen: " + ec.message());
  std::thread loop([&] { (void)server.serve(); });
  std::string reply = fetch(server.port(), "GET /parsed-by-nethttp HTTP/1.1\r\nHost: b\r\nConnection: close\r\n\r\n");
  server.shutdown(2s);
  loop.join();
  if (!reply.starts_with("HTTP/1.1 200 ") || !reply.ends_with("\r\n\r\nnethttp parsed /parsed-by-nethttp")) {
    return fail("unexpected reply from nethttp: " + reply);
  }

  // 3. nethttp must not have called into the application's llhttp.
  if (int calls = app_execute_calls.load(); calls != 1) {
    return fail("the application's llhttp_execute was called " + std::to_string(calls) +
                " times, not once: nethttp's parser is linked to the application's llhttp");
  }
  std::printf("llhttp_clash: the application's llhttp and nethttp's each parsed their own request\n");
  return 0;
}
