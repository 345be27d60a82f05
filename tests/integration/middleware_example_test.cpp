// The middleware example's chain, in-process on a TestServer (every middleware together,
// over real sockets), and the real binary when it was built: start, serve, stop on SIGTERM.

#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "../../examples/middleware/app.hpp"
#include "nethttp/testing.hpp"
#include "support/child_process.hpp"
#include "support/gzip.hpp"
#include "support/raw_client.hpp"

namespace nethttp {
namespace {

using middleware_example::App;
using middleware_example::AppOptions;

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
  EXPECT_EQ(hello.body, "{\"hello\":\"ann\",\"request_id\":\"" + id + "\"}\n");
  EXPECT_EQ(hello.header("Content-Type"), "application/json");
  EXPECT_EQ(hello.header("Access-Control-Allow-Origin"), "https://app.example.com");

  auto items = test::get(p.ts.port(), "/api/items", "Accept-Encoding: gzip\r\n");
  EXPECT_EQ(items.status, 200);
  EXPECT_EQ(items.header("Content-Encoding"), "gzip");
  std::optional<std::string> items_json = test::gunzip(items.body);
  ASSERT_TRUE(items_json) << "not one gzip stream";
  EXPECT_NE(items_json->find("\"name\":\"item 99\""), std::string::npos);

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
  EXPECT_EQ(fast.body, "{\"slept_ms\":0}\n");
  std::string big(70 * 1024, 'b');
  auto echo =
      test::roundtrip(p.ts.port(), "POST /api/echo HTTP/1.1\r\nHost: t\r\nConnection: close\r\nContent-Length: " +
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

TEST(MiddlewareExample, HelloIsValidJsonForAnyName) {
  InProcess p;
  // %ff%fe is not UTF-8: the hand-written quoting this example once had sent it raw.
  for (std::string_view name : {"%ff%fe", "%22%5C%0A%01", "caf%C3%A9", "%ED%A0%80"}) {
    SCOPED_TRACE(name);
    auto hello = test::get(p.ts.port(), "/api/hello?name=" + std::string(name));
    ASSERT_EQ(hello.status, 200);
    nlohmann::json j = nlohmann::json::parse(hello.body, nullptr, /*allow_exceptions=*/false);
    ASSERT_FALSE(j.is_discarded()) << hello.body;
    EXPECT_TRUE(j["hello"].is_string());
    EXPECT_EQ(j["request_id"], hello.header("X-Request-ID"));
  }
}

TEST(MiddlewareExample, ProtocolRejectsReachTheAccessLogAndMetrics) {
  AppOptions o = quiet_options();
  App app(o);
  ServerConfig cfg = testing::test_config();
  cfg.max_header_bytes = 1024;
  cfg.reject_observers = app.reject_observers();
  {
    testing::TestServer ts(app.handler(), cfg);
    app.bind(ts.server());
    auto big = test::roundtrip(ts.port(),
                               "GET /api/hello HTTP/1.1\r\nHost: t\r\nX-Big: " + std::string(2000, 'h') + "\r\n\r\n");
    ASSERT_TRUE(big);
    EXPECT_EQ(big->status, 431);
    EXPECT_EQ(test::get(ts.port(), "/api/hello").status, 200);
    auto metrics = test::get(ts.port(), "/metrics");
    EXPECT_NE(metrics.body.find("code=\"4xx\"} 1"), std::string::npos) << metrics.body;
    app.unbind();
  }
  ASSERT_TRUE(app.access_log().flush());
  std::ifstream in(o.access_log.destination);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_NE(text.find(" 431 "), std::string::npos) << text;
  EXPECT_NE(text.find("\"GET /api/hello HTTP/1.1\" 200 "), std::string::npos) << text;
  std::filesystem::remove(o.access_log.destination);
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
  test::ChildProcess child(binary, {"--listen", "127.0.0.1:0", "--threads", "2"});
  // The first line names the port: "middleware_example: listening on 127.0.0.1:N with 2 loops".
  std::string first = child.read_stdout_line();
  std::uint16_t port = test::port_after(first, "127.0.0.1:");
  ASSERT_NE(port, 0) << "no port in the first line \"" << first << "\"; stderr: " << child.err();
  auto res = test::get(port, "/api/hello?name=bin");
  EXPECT_EQ(res.status, 200);
  EXPECT_NE(res.body.find("\"hello\":\"bin\""), std::string::npos);
  EXPECT_EQ(test::get(port, "/readyz").status, 200);
  child.signal(SIGTERM);
  EXPECT_EQ(child.wait_exit(), 0) << child.err();  // -1 if the signal killed it
  EXPECT_NE(child.out().find("middleware_example: stopped by signal 15"), std::string::npos) << child.out();
}

}  // namespace
}  // namespace nethttp
