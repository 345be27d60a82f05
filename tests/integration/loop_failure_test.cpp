// A loop that fails stops the server cleanly: when a loop's poller refuses (injected here
// through the poller's test-only fault hook), serve() returns that error instead of the
// process ending in std::terminate, and every loop stops.
#include <gtest/gtest.h>

#include <cerrno>
#include <chrono>
#include <future>
#include <system_error>

#include "nethttp/server.hpp"
#include "nethttp/testing.hpp"
#include "reactor/poller.hpp"
#include "support/capturing_logger.hpp"
#include "support/raw_client.hpp"

namespace nethttp {
namespace {

using namespace std::chrono_literals;

TEST(LoopFailure, PollerFailureStopsTheServerAndServeReturnsTheError) {
  auto logger = std::make_shared<test::CapturingLogger>();
  ServerConfig cfg = testing::test_config();
  cfg.threads = 2;
  cfg.logger = logger;
  Server server(cfg, [](ResponseWriter& w, Request&) { w.write("fine"); });
  ASSERT_FALSE(server.listen());
  auto served = std::async(std::launch::async, [&] { return server.serve(); });
  ASSERT_EQ(test::get(server.port(), "/").body, "fine");
  // A connection left open must be closed by the failure, not leak or hang.
  test::RawClient idle(server.port());
  idle.send("GET / HTTP/1.1\r\nHost: t\r\n\r\n");
  ASSERT_TRUE(idle.read_response());

  detail::fail_next_poll(EBADF);  // the next wait on either loop fails (the 100 ms tick wakes one)
  ASSERT_EQ(served.wait_for(10s), std::future_status::ready) << "serve() did not return";
  std::error_code ec = served.get();
  EXPECT_EQ(ec, std::error_code(EBADF, std::system_category()));
  EXPECT_TRUE(idle.wait_closed());
  EXPECT_TRUE(server.shutting_down());
  EXPECT_TRUE(logger->saw("failed (" + ec.message() + "): stopping the server"));
  EXPECT_TRUE(server.shutdown(1s)) << "shutdown after a failure returns at once";
}

}  // namespace
}  // namespace nethttp
