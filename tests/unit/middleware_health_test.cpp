// healthz answers ok; readyz follows the server's shutting_down().

#include <gtest/gtest.h>

#include "nethttp/health.hpp"
#include "nethttp/testing.hpp"

namespace nethttp {
namespace {

TEST(Health, HealthzIsOk) {
  Request r("GET", "/healthz");
  auto rec = testing::serve(healthz(), r);
  EXPECT_EQ(rec->code(), 200);
  EXPECT_EQ(rec->body(), "ok\n");
  EXPECT_EQ(rec->header_map().get("Cache-Control"), "no-store");
}

TEST(Health, ReadyzTurns503OnShutdown) {
  Server server(testing::test_config(), healthz());
  Handler ready = readyz(server);
  Request r("GET", "/readyz");
  auto rec = testing::serve(ready, r);
  EXPECT_EQ(rec->code(), 200);
  EXPECT_EQ(rec->body(), "ok\n");
  server.shutdown(std::chrono::milliseconds(100));
  rec = testing::serve(ready, r);
  EXPECT_EQ(rec->code(), 503);
  EXPECT_EQ(rec->body(), "shutting down\n");
}

}  // namespace
}  // namespace nethttp
