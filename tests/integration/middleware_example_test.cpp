// The middleware example's chain, in-process on a TestServer (every middleware together,
// over real sockets), and the real binary when it was built: start, serve, stop on SIGTERM.

#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

#include <filesystem>
#include <map>
#include <sstream>

#include "../../examples/middleware/app.hpp"
#include "nethttp/testing.hpp"
#include "support/raw_client.hpp"

namespace nethttp {
namespace {

using middleware_example::App;
using middleware_example::AppOptions;

std::string gunzip(std::string_view in) {
  z_stream zs{};
  EXPECT_EQ(inflateInit2(&zs, 15 + 16), Z_OK);
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  zs.avail_in = static_cast<uInt>(in.size());
  std::string out;
  int rc;
  do {
    char buf[4096];
    zs.next_out = reinterpret_cast<Bytef*>(buf);
    zs.avail_out = sizeof buf;
    rc = inflate(&zs, Z_NO_FLUSH);
    out.append(buf, sizeof buf - zs.avail_out);
  } while (rc == Z_OK);
  inflateEnd(&zs);
  EXPECT_EQ(rc, Z_STREAM_END);
  return out;
}

AppOptions quiet_options() {
  AppOptions o;
  char tmpl[] = "/tmp/nethttp_example_log_XXXXXX";
  int fd = ::mkstemp(tmpl);
  ::close(fd);
  o.access_log.destination = tmpl;
  o.logger = null_logger();
  o.slow_timeout = std::chrono::milliseconds(100);
  return o;
}

struct InProcess {
  AppOptions options = quiet_options();
  App app{options};
  testing::TestServer ts{app.handler()};
  InProcess() { app.bind(ts.server()); }
  ~InProcess() {
    app.unbind();
    std::filesystem::remove(options.access_log.destination);
  }
};

TEST(MiddlewareExample, ChainServesApiWithIdsCorsAndGzip) {
  InProcess p;
  auto hello = test::get(p.ts.port(), "/api/hello?name=ann", "Origin: https://app.example.com\r\n");
  EXPECT_EQ(hello.status, 200);
  std::string id = hello.header("X-Request-ID");
  EXPECT_EQ(id.size(), 16u);
  EXPECT_EQ(hello.body, "{\"hello\":\"ann\",\"request_id\":\"" + id + "\"}");
  EXPECT_EQ(hello.header("Access-Control-Allow-Origin"), "https://app.example.com");

  auto items = test::get(p.ts.port(), "/api/items", "Accept-Encoding: gzip\r\n");
  EXPECT_EQ(items.status, 200);
  EXPECT_EQ(items.header("Content-Encoding"), "gzip");
  EXPECT_NE(gunzip(items.body).find("\"name\":\"item 99\""), std::string::npos);

  auto preflight = test::roundtrip(p.ts.port(),
                                   "OPTIONS /api/echo HTTP/1.1\r\nHost: t\r\nOrigin: http://localhost:3000\r\n"
                                   "Access-Control-Request-Method: POST\r\nConnection: close\r\n\r\n");
  ASSERT_TRUE(preflight);
  EXPECT_EQ(preflight->status, 204);
  EXPECT_EQ(preflight->header("Access-Control-Allow-Methods"), "GET, POST");
}

TEST(MiddlewareExample, ErrorPathsOverSockets) {
  InProcess p;
  EXPECT_EQ(test::get(p.ts.port(), "/api/panic").status, 500);
  EXPECT_EQ(test::get(p.ts.port(), "/api/hello").status, 200);  // still serving
  auto slow = test::get(p.ts.port(), "/api/slow?ms=1000");
  EXPECT_EQ(slow.status, 503);
  EXPECT_EQ(slow.body, "503 the slow endpoint took too long\n");
  auto fast = test::get(p.ts.port(), "/api/slow?ms=0");
  EXPECT_EQ(fast.status, 200);
  EXPECT_EQ(fast.body, "{\"slept_ms\":0}");
  std::string big(70 * 1024, 'b');
  auto echo = test::roundtrip(p.ts.port(), "POST /api/echo HTTP/1.1\r\nHost: t\r\nConnection: close\r\nContent-Length: " +
                                               std::to_string(big.size()) + "\r\n\r\n" + big);
  ASSERT_TRUE(echo);
  EXPECT_EQ(echo->status, 413);
  EXPECT_EQ(test::get(p.ts.port(), "/healthz").status, 200);
  EXPECT_EQ(test::get(p.ts.port(), "/readyz").status, 200);
  auto metrics = test::get(p.ts.port(), "/metrics");
  EXPECT_NE(metrics.body.find("nethttp_requests_total{method=\"GET\",code=\"5xx\"} 2"), std::string::npos)
      << metrics.body;
  EXPECT_NE(metrics.body.find("nethttp_open_connections "), std::string::npos);
}

TEST(MiddlewareExample, RateLimitAnswers429) {
  AppOptions o = quiet_options();
  o.rate_limit = {.rate = 0.001, .burst = 3};
  App app(o);
  testing::TestServer ts(app.handler());
  app.bind(ts.server());
  for (int i = 0; i < 3; ++i) EXPECT_EQ(test::get(ts.port(), "/api/hello").status, 200);
  auto limited = test::get(ts.port(), "/api/hello");
  EXPECT_EQ(limited.status, 429);
  EXPECT_EQ(limited.header("Retry-After"), "1000");
  EXPECT_EQ(test::get(ts.port(), "/healthz").status, 200);  // operations endpoints are not limited
  app.unbind();
  std::filesystem::remove(o.access_log.destination);
}

// example_binary finds middleware_example beside this test binary's build tree, or "".
std::string example_binary() {
  std::error_code ec;
  auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) return {};
  auto candidate = self.parent_path().parent_path() / "examples" / "middleware" / "middleware_example";
  return std::filesystem::exists(candidate) ? candidate.string() : std::string();
}

TEST(MiddlewareExample, BinaryServesAndStopsOnSigterm) {
  std::string binary = example_binary();
  if (binary.empty()) GTEST_SKIP() << "middleware_example was not built (NETHTTP_BUILD_EXAMPLES=OFF)";
  int out[2];
  ASSERT_EQ(::pipe2(out, O_CLOEXEC), 0);
  UniqueFd read_end(out[0]), write_end(out[1]);
  pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    ::dup2(write_end.get(), STDOUT_FILENO);
    ::execl(binary.c_str(), binary.c_str(), "--listen", "127.0.0.1:0", "--threads", "2", static_cast<char*>(nullptr));
    ::_exit(127);
  }
  write_end.reset();
  // The first line names the port: "middleware_example: listening on 127.0.0.1:0 (port N)".
  std::string first;
  while (first.find('\n') == std::string::npos) {
    pollfd p{read_end.get(), POLLIN, 0};
    ASSERT_GT(::poll(&p, 1, 10'000), 0) << "no output from the example";
    char buf[256];
    ssize_t n = ::read(read_end.get(), buf, sizeof buf);
    ASSERT_GT(n, 0) << "example exited early: " << first;
    first.append(buf, static_cast<std::size_t>(n));
  }
  std::size_t at = first.find("(port ");
  ASSERT_NE(at, std::string::npos) << first;
  auto port = static_cast<std::uint16_t>(std::stoi(first.substr(at + 6)));
  auto res = test::get(port, "/api/hello?name=bin");
  EXPECT_EQ(res.status, 200);
  EXPECT_NE(res.body.find("\"hello\":\"bin\""), std::string::npos);
  EXPECT_EQ(test::get(port, "/readyz").status, 200);
  ASSERT_EQ(::kill(pid, SIGTERM), 0);
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
}

}  // namespace
}  // namespace nethttp
