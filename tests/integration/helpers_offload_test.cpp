// offload over a real socket: blocking work runs on the pool while the (single) loop keeps
// serving, and a full pool sheds load with 503.

#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <fstream>
#include <future>
#include <latch>
#include <thread>

#include "nethttp/helpers.hpp"
#include "nethttp/testing.hpp"
#include "support/raw_client.hpp"

namespace nethttp {
namespace {

using namespace std::chrono_literals;

// Gate blocks pool workers until the test opens it.
struct Gate {
  std::promise<void> p;
  std::shared_future<void> f = p.get_future().share();
  void wait() const { f.wait(); }
  void open() { p.set_value(); }
};

TEST(OffloadSocket, BlockingWorkDoesNotBlockTheLoop) {
  auto pool = std::make_shared<WorkerPool>(2, 16, null_logger());
  Gate gate;
  std::latch started(1);
  Handler blocking = offload(pool, [&](ResponseWriter& w, Request& r) {
    started.count_down();
    gate.wait();  // stands in for a slow database call
    w.headers().set("Content-Type", "text/plain");
    w.write("blocked for " + std::string(r.body()));
  });
  Handler app = [&](ResponseWriter& w, Request& r) {
    if (r.path() == "/slow") {
      blocking.serve(w, r);
    } else {
      w.write("pong");
    }
  };
  testing::TestServer ts(app);  // one loop thread
  test::RawClient slow(ts.port());
  slow.send("POST /slow HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\n\r\nhello");
  started.wait();
  // The only loop is free while the worker blocks.
  auto ping = test::get(ts.port(), "/ping");
  EXPECT_EQ(ping.status, 200);
  EXPECT_EQ(ping.body, "pong");
  gate.open();
  auto res = slow.read_response();
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->body, "blocked for hello");
  EXPECT_EQ(res->header("Content-Length"), "17");
}

TEST(OffloadSocket, ReadsAFileWithBlockingIo) {
  char path[] = "/tmp/nethttp_offload_io_XXXXXX";
  int fd = ::mkstemp(path);
  ASSERT_GE(fd, 0);
  ::close(fd);
  std::string content(100'000, 'z');
  std::ofstream(path) << content;
  auto pool = std::make_shared<WorkerPool>(2, 16, null_logger());
  std::string file = path;
  testing::TestServer ts(offload(pool, [file](ResponseWriter& w, Request&) {
    std::ifstream in(file, std::ios::binary);  // ordinary blocking reads, fine off the loop
    std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    w.write(data);
  }));
  for (int i = 0; i < 5; ++i) {
    auto res = test::get(ts.port(), "/file");
    EXPECT_EQ(res.status, 200);
    EXPECT_EQ(res.body.size(), content.size());
  }
  ::unlink(path);
}

TEST(OffloadSocket, FullQueueGets503Immediately) {
  auto pool = std::make_shared<WorkerPool>(1, 1, null_logger());
  Gate gate;
  std::latch started(1);
  testing::TestServer ts(offload(pool, [&](ResponseWriter& w, Request& r) {
    if (r.path() == "/first") {
      started.count_down();
      gate.wait();
    }
    w.write(r.path());
  }));
  test::RawClient first(ts.port()), second(ts.port());
  first.send("GET /first HTTP/1.1\r\nHost: t\r\n\r\n");
  started.wait();  // the worker is busy
  second.send("GET /second HTTP/1.1\r\nHost: t\r\n\r\n");
  // /second takes the one queue slot once the loop reads it; /third may arrive first, so
  // poll until the queue is full rather than guess.
  while (pool->queued() == 0) std::this_thread::yield();
  auto third = test::get(ts.port(), "/third");
  EXPECT_EQ(third.status, 503);
  EXPECT_EQ(third.header("Retry-After"), "1");
  gate.open();
  auto a = first.read_response();
  auto b = second.read_response();
  ASSERT_TRUE(a && b);
  EXPECT_EQ(a->body, "/first");
  EXPECT_EQ(b->body, "/second");
}

TEST(OffloadSocket, ClientThatLeftMakesCompletionANoOp) {
  auto pool = std::make_shared<WorkerPool>(1, 4, null_logger());
  Gate gate;
  std::latch started(1);
  std::promise<void> ran;
  testing::TestServer ts(offload(pool, [&](ResponseWriter& w, Request& r) {
    if (r.path() == "/leave") {
      started.count_down();
      gate.wait();
      ran.set_value();
    }
    w.write("x");
  }));
  {
    test::RawClient c(ts.port());
    c.send("GET /leave HTTP/1.1\r\nHost: t\r\n\r\n");
    started.wait();
  }  // the client hangs up while the worker still runs
  gate.open();
  ran.get_future().wait();
  auto res = test::get(ts.port(), "/after");  // the server is fine
  EXPECT_EQ(res.status, 200);
}

}  // namespace
}  // namespace nethttp
