// Deferred responses: completed from other threads, after the client left, dropped, timed out.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <mutex>
#include <thread>

#include "nethttp/server.hpp"
#include "nethttp/testing.hpp"
#include "support/raw_client.hpp"

namespace nethttp {
namespace {

using namespace std::chrono_literals;
using test::RawClient;

// Parking lot: handlers leave their DeferredResponse here for the test thread.
struct Parked {
  std::mutex mu;
  std::condition_variable cv;
  std::vector<DeferredResponse> items;
  void put(DeferredResponse d) {
    std::lock_guard lock(mu);
    items.push_back(std::move(d));
    cv.notify_all();
  }
  DeferredResponse take() {
    std::unique_lock lock(mu);
    if (!cv.wait_for(lock, 5s, [&] { return !items.empty(); })) throw std::runtime_error("nothing parked");
    DeferredResponse d = std::move(items.front());
    items.erase(items.begin());
    return d;
  }
};

TEST(Deferred, CompletedFromAnotherThread) {
  Parked parked;
  testing::TestServer ts([&](ResponseWriter& w, Request& r) {
    w.headers().set("X-Path", r.path());  // set before deferring: it travels with the response
    parked.put(w.defer());
  });
  RawClient c(ts.port());
  c.send("GET /slow HTTP/1.1\r\nHost: t\r\n\r\n");
  std::thread worker([&] {
    DeferredResponse d = parked.take();
    d.complete([](ResponseWriter& w) { w.write("done later"); });
  });
  auto res = c.read_response();
  worker.join();
  ASSERT_TRUE(res);
  EXPECT_EQ(res->body, "done later");
  EXPECT_EQ(res->header("X-Path"), "/slow");
}

TEST(Deferred, PipelinedRequestsWaitTheirTurn) {
  Parked parked;
  testing::TestServer ts([&](ResponseWriter& w, Request& r) {
    if (r.path() == "/slow") {
      parked.put(w.defer());
      return;
    }
    w.write("fast");
  });
  RawClient c(ts.port());
  c.send("GET /slow HTTP/1.1\r\nHost: t\r\n\r\nGET /fast HTTP/1.1\r\nHost: t\r\n\r\n");
  DeferredResponse d = parked.take();
  EXPECT_EQ(c.read_available(100ms), "") << "the fast answer must not overtake the slow one";
  std::thread([d = std::move(d)]() mutable { d.complete([](ResponseWriter& w) { w.write("slow"); }); }).join();
  auto first = c.read_response();
  auto second = c.read_response();
  ASSERT_TRUE(first && second);
  EXPECT_EQ(first->body, "slow");
  EXPECT_EQ(second->body, "fast");
}

TEST(Deferred, CompletionAfterClientLeftIsHarmless) {
  Parked parked;
  testing::TestServer ts([&](ResponseWriter& w, Request& r) {
    if (r.path() == "/park") {
      parked.put(w.defer());
      return;
    }
    w.write("still serving");
  });
  {
    RawClient c(ts.port());
    c.send("GET /park HTTP/1.1\r\nHost: t\r\n\r\n");
    DeferredResponse d = parked.take();
    c.close();
    // The server notices the close (EOF while parked) and marks the response gone.
    auto deadline = std::chrono::steady_clock::now() + 5s;
    while (!d.client_gone() && std::chrono::steady_clock::now() < deadline) std::this_thread::yield();
    EXPECT_TRUE(d.client_gone());
    std::thread([d = std::move(d)]() mutable { d.complete([](ResponseWriter& w) { w.write("nobody"); }); }).join();
  }
  EXPECT_EQ(test::get(ts.port(), "/").body, "still serving");
}

TEST(Deferred, DroppedWithoutCompletionAnswers500) {
  testing::TestServer ts([](ResponseWriter& w, Request&) {
    DeferredResponse d = w.defer();
    std::thread([d = std::move(d)]() mutable { /* forgot to complete */ }).detach();
  });
  auto res = test::get(ts.port(), "/");
  EXPECT_EQ(res.status, 500);
}

TEST(Deferred, HandlerTimeoutAnswers503) {
  ServerConfig cfg = testing::test_config();
  cfg.handler_timeout = 100ms;
  Parked parked;
  testing::TestServer ts([&](ResponseWriter& w, Request&) { parked.put(w.defer()); }, cfg);
  RawClient c(ts.port());
  c.send("GET / HTTP/1.1\r\nHost: t\r\n\r\n");
  auto res = c.read_response();
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 503);
  // A late completion is a no-op.
  DeferredResponse d = parked.take();
  d.complete([](ResponseWriter& w) { w.write("late"); });
  c.send("GET / HTTP/1.1\r\nHost: t\r\n\r\n");
  auto again = c.read_response();
  ASSERT_TRUE(again);
  EXPECT_EQ(again->status, 503) << "the late body must not have become the next response";
}

TEST(Deferred, SetTimeoutRunsItsOwnFallback) {
  Parked parked;
  testing::TestServer ts([&](ResponseWriter& w, Request&) {
    DeferredResponse d = w.defer();
    d.set_timeout(50ms, [](ResponseWriter& late) { error(late, "too slow", Status::GatewayTimeout); });
    parked.put(std::move(d));
  });
  auto res = test::get(ts.port(), "/");
  EXPECT_EQ(res.status, 504);
  parked.take().complete([](ResponseWriter& w) { w.write("late"); });  // no-op
}

TEST(Deferred, StreamingUpdatesThenComplete) {
  Parked parked;
  testing::TestServer ts([&](ResponseWriter& w, Request&) { parked.put(w.defer()); });
  RawClient c(ts.port());
  c.send("GET / HTTP/1.1\r\nHost: t\r\n\r\n");
  std::thread producer([&] {
    DeferredResponse d = parked.take();
    for (int i = 0; i < 5; ++i) {
      d.update([i](ResponseWriter& w) {
        w.write("tick" + std::to_string(i) + "\n");
        w.flush();
      });
    }
    d.complete();
  });
  auto res = c.read_response();
  producer.join();
  ASSERT_TRUE(res);
  EXPECT_TRUE(res->chunked);
  EXPECT_EQ(res->body, "tick0\ntick1\ntick2\ntick3\ntick4\n");
}

TEST(Deferred, ManyThreadsCompletingManyResponses) {
  ServerConfig cfg = testing::test_config();
  cfg.threads = 2;
  testing::TestServer ts(
      [](ResponseWriter& w, Request& r) {
        std::string path(r.path());
        std::thread([d = w.defer(), path]() mutable {
          d.complete([path](ResponseWriter& out) { out.write(path); });
        }).detach();
      },
      cfg);
  std::vector<std::thread> clients;
  std::atomic<int> ok{0};
  for (int t = 0; t < 4; ++t) {
    clients.emplace_back([&, t] {
      RawClient c(ts.port());
      for (int i = 0; i < 25; ++i) {
        std::string path = "/c" + std::to_string(t) + "/" + std::to_string(i);
        c.send("GET " + path + " HTTP/1.1\r\nHost: t\r\n\r\n");
        auto res = c.read_response();
        if (res && res->body == path) ++ok;
      }
    });
  }
  for (auto& t : clients) t.join();
  EXPECT_EQ(ok.load(), 100);
}

}  // namespace
}  // namespace nethttp
