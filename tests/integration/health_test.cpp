// Health checks against a running server: readyz says ok while serving and 503 once
// shutdown has begun, while an in-flight request is still draining.

#include "nethttp/health.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <thread>

#include "nethttp/testing.hpp"
#include "support/raw_client.hpp"

namespace nethttp {
namespace {

using namespace std::chrono_literals;

TEST(HealthSocket, ReadyzFlipsTo503DuringShutdown) {
  std::promise<DeferredResponse> in_flight;
  std::atomic<const Server*> server{nullptr};  // known only once TestServer has built it
  Handler app = [&](ResponseWriter& w, Request& r) {
    if (r.path() == "/healthz") return healthz().serve(w, r);
    if (r.path() == "/readyz") return readyz(*server.load()).serve(w, r);
    if (r.path() == "/hold") in_flight.set_value(w.defer());  // keeps shutdown waiting
  };
  testing::TestServer ts(app);
  server = &ts.server();
  Handler ready = readyz(ts.server());

  auto res = test::get(ts.port(), "/readyz");
  EXPECT_EQ(res.status, 200);
  EXPECT_EQ(res.body, "ok\n");
  EXPECT_EQ(test::get(ts.port(), "/healthz").status, 200);

  test::RawClient held(ts.port());
  held.send("GET /hold HTTP/1.1\r\nHost: t\r\n\r\n");
  DeferredResponse d = in_flight.get_future().get();
  std::thread stopper([&] { ts.server().shutdown(10s); });
  while (!ts.server().shutting_down()) std::this_thread::yield();

  // The server no longer accepts, so ask the handler directly, as the loop would.
  Request r("GET", "/readyz");
  auto rec = testing::serve(ready, r);
  EXPECT_EQ(rec->code(), 503);
  EXPECT_EQ(rec->body(), "shutting down\n");

  d.complete([](ResponseWriter& w) { w.write("drained"); });
  auto last = held.read_response();
  ASSERT_TRUE(last);
  EXPECT_EQ(last->body, "drained");
  stopper.join();
}

}  // namespace
}  // namespace nethttp
