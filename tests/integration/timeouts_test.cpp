// Each timeout, driven by millisecond values from ServerConfig (no sleeps in the tests: the
// client simply waits for the server to act).
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>

#include "nethttp/server.hpp"
#include "nethttp/testing.hpp"
#include "support/raw_client.hpp"

namespace nethttp {
namespace {

using namespace std::chrono_literals;
using test::RawClient;

ServerConfig fast_timeouts() {
  ServerConfig cfg = testing::test_config();
  cfg.read_header_timeout = 100ms;
  cfg.read_timeout = 200ms;
  cfg.idle_timeout = 150ms;
  cfg.write_timeout = 150ms;
  return cfg;
}

Handler ok_handler() {
  return [](ResponseWriter& w, Request&) { w.write("ok"); };
}

TEST(Timeouts, SilentNewConnectionGets408) {
  testing::TestServer ts(ok_handler(), fast_timeouts());
  RawClient c(ts.port());
  auto res = c.read_response();
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 408);
  EXPECT_TRUE(c.wait_closed());
}

TEST(Timeouts, IncompleteHeaderGets408) {
  testing::TestServer ts(ok_handler(), fast_timeouts());
  RawClient c(ts.port());
  c.send("GET / HTTP/1.1\r\nHost: t\r\nX-Slow: ");
  auto res = c.read_response();
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 408);
  EXPECT_TRUE(c.wait_closed());
}

TEST(Timeouts, SlowBodyGets408) {
  testing::TestServer ts(ok_handler(), fast_timeouts());
  RawClient c(ts.port());
  c.send("POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 10\r\n\r\nabc");
  auto res = c.read_response();
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 408);
  EXPECT_TRUE(c.wait_closed());
}

TEST(Timeouts, IdleKeepAliveConnectionIsClosedSilently) {
  testing::TestServer ts(ok_handler(), fast_timeouts());
  RawClient c(ts.port());
  c.send("GET / HTTP/1.1\r\nHost: t\r\n\r\n");
  ASSERT_TRUE(c.read_response());
  EXPECT_EQ(c.read_until_close(), "") << "idle close sends nothing";
}

TEST(Timeouts, StalledReaderIsClosedByWriteTimeout) {
  std::string big(8 << 20, 'z');
  std::atomic<bool> answered{false};
  testing::TestServer ts(
      [&](ResponseWriter& w, Request&) {
        w.write(big);
        answered = true;
      },
      fast_timeouts());
  RawClient c(ts.port(), {.timeout = 5s, .receive_buffer = 4096});
  c.send("GET / HTTP/1.1\r\nHost: t\r\n\r\n");
  auto deadline = std::chrono::steady_clock::now() + 5s;
  // First the request must reach the handler: connect() returns before the server accepts,
  // and a connection not yet counted would pass the check below with no timeout run.
  while (!answered && std::chrono::steady_clock::now() < deadline) std::this_thread::yield();
  ASSERT_TRUE(answered) << "the request never reached the handler";
  // Never read: the server must give up once the socket stays full for write_timeout.
  auto open = [&] { return ts.server().stats().total().connections_open; };
  while (open() != 0 && std::chrono::steady_clock::now() < deadline) std::this_thread::yield();
  EXPECT_EQ(open(), 0u);
}

TEST(Timeouts, SlowButSteadyReaderGetsEverything) {
  // The write timeout is per stall, not per response: a reader that keeps draining wins.
  std::string big(2 << 20, 'q');
  testing::TestServer ts([&big](ResponseWriter& w, Request&) { w.write(big); }, fast_timeouts());
  RawClient c(ts.port(), {.timeout = 5s, .receive_buffer = 16384});
  c.send("GET / HTTP/1.1\r\nHost: t\r\n\r\n");
  auto res = c.read_response();
  ASSERT_TRUE(res);
  EXPECT_EQ(res->body.size(), big.size());
}

TEST(Timeouts, DefaultsAreSafeAndNonZero) {
  ServerConfig d;
  EXPECT_GT(d.read_header_timeout.count(), 0);
  EXPECT_GT(d.read_timeout.count(), 0);
  EXPECT_GT(d.write_timeout.count(), 0);
  EXPECT_GT(d.idle_timeout.count(), 0);
  EXPECT_GT(d.handler_timeout.count(), 0);
  EXPECT_GT(d.max_header_bytes, 0u);
  EXPECT_GT(d.max_body_bytes, 0u);
  EXPECT_GT(d.max_connections, 0u);
}

}  // namespace
}  // namespace nethttp
