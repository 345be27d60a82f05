// timeout_handler over a real socket: a deferred handler that finishes too late gives the
// client one 503; its late completion is dropped, and the connection stays usable.

#include <gtest/gtest.h>

#include <future>
#include <mutex>
#include <optional>
#include <thread>

#include "nethttp/helpers.hpp"
#include "nethttp/testing.hpp"
#include "support/raw_client.hpp"

namespace nethttp {
namespace {

using namespace std::chrono_literals;

TEST(TimeoutHandlerSocket, LateDeferredHandlerGets503OnceAndNoCrash) {
  std::promise<DeferredResponse> handed_off;
  Handler slow = [&](ResponseWriter& w, Request& r) {
    if (r.path() == "/fast") {
      w.write("fast");
      return;
    }
    handed_off.set_value(w.defer());  // a worker that is too slow
  };
  testing::TestServer ts(timeout_handler(slow, 50ms, "gave up waiting"));
  test::RawClient c(ts.port());
  c.send("GET /slow HTTP/1.1\r\nHost: t\r\n\r\n");
  auto res = c.read_response();
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 503);
  EXPECT_EQ(res->body, "gave up waiting");

  // The late worker finishes now; its answer must go nowhere.
  DeferredResponse late = handed_off.get_future().get();
  EXPECT_TRUE(late.client_gone());
  std::thread([d = std::move(late)]() mutable { d.complete([](ResponseWriter& w) { w.write("too late"); }); }).join();

  // Same connection: the next answer is the next request's, not the late one.
  c.send("GET /fast HTTP/1.1\r\nHost: t\r\n\r\n");
  res = c.read_response();
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->body, "fast");
  EXPECT_EQ(c.read_available(20ms), "");  // nothing extra arrives
}

TEST(TimeoutHandlerSocket, DeferredAnswerInTimeIsDelivered) {
  Handler quick = [](ResponseWriter& w, Request&) {
    std::thread([d = w.defer()]() mutable {
      d.complete([](ResponseWriter& w2) { w2.write("done in time"); });
    }).detach();
  };
  testing::TestServer ts(timeout_handler(quick, 10s, "late"));
  auto res = test::get(ts.port(), "/");
  EXPECT_EQ(res.status, 200);
  EXPECT_EQ(res.body, "done in time");
}

TEST(TimeoutHandlerSocket, DeadlineAfterStreamingStartedClosesTheConnection) {
  std::promise<DeferredResponse> handed_off;
  Handler streaming = [&](ResponseWriter& w, Request&) {
    DeferredResponse d = w.defer();
    d.update([](ResponseWriter& w2) {
      w2.write("first part");
      w2.flush();
    });
    handed_off.set_value(std::move(d));  // and then nothing more, past the deadline
  };
  testing::TestServer ts(timeout_handler(streaming, 50ms, "late"));
  test::RawClient c(ts.port());
  c.send("GET / HTTP/1.1\r\nHost: t\r\n\r\n");
  DeferredResponse d = handed_off.get_future().get();
  // The client sees the start of a chunked answer, then the connection closes without the
  // final chunk: a truncated body is never passed off as complete.
  std::string all = c.read_until_close();
  EXPECT_NE(all.find("first part"), std::string::npos);
  EXPECT_EQ(all.find("0\r\n\r\n"), std::string::npos) << all;
  EXPECT_TRUE(d.client_gone());
}

}  // namespace
}  // namespace nethttp
