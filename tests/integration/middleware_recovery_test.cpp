// recovery over a real socket: the client gets 500 and the same server (and connection)
// serves the next request.

#include <gtest/gtest.h>

#include <stdexcept>

#include "nethttp/middleware.hpp"
#include "nethttp/testing.hpp"
#include "support/raw_client.hpp"

namespace nethttp {
namespace {

TEST(RecoverySocket, ExceptionBecomes500AndServerKeepsServing) {
  Handler h = chain(
      [](ResponseWriter& w, Request& r) {
        if (r.path() == "/boom") throw std::runtime_error("kaboom");
        w.write("still here");
      },
      {recovery(null_logger())});
  testing::TestServer ts(h);
  test::RawClient c(ts.port());
  c.send("GET /boom HTTP/1.1\r\nHost: t\r\n\r\n");
  auto res = c.read_response();
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 500);
  EXPECT_EQ(res->body, "500 internal server error\n");
  c.send("GET /next HTTP/1.1\r\nHost: t\r\n\r\n");  // keep-alive survives a 500
  res = c.read_response();
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->body, "still here");
  EXPECT_EQ(test::get(ts.port(), "/other").status, 200);
}

TEST(RecoverySocket, ExceptionMidStreamClosesTheConnection) {
  Handler h = chain(
      [](ResponseWriter& w, Request& r) {
        if (r.path() == "/half") {
          w.write("partial");
          w.flush();
          throw std::runtime_error("after flush");
        }
        w.write("ok");
      },
      {recovery(null_logger())});
  testing::TestServer ts(h);
  test::RawClient c(ts.port());
  c.send("GET /half HTTP/1.1\r\nHost: t\r\n\r\n");
  EXPECT_TRUE(c.wait_closed());
  EXPECT_EQ(test::get(ts.port(), "/fine").body, "ok");
}

}  // namespace
}  // namespace nethttp
