// Graceful shutdown: in-flight requests finish, idle connections close at once, the deadline
// force-closes the rest; readiness flips immediately.
#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <thread>

#include "nethttp/server.hpp"
#include "nethttp/testing.hpp"
#include "support/raw_client.hpp"

namespace nethttp {
namespace {

using namespace std::chrono_literals;
using test::RawClient;

struct RunningServer {
  explicit RunningServer(Handler h, ServerConfig cfg = testing::test_config()) : server(cfg, std::move(h)) {
    if (server.listen()) throw std::runtime_error("listen");
    thread = std::thread([this] { server.serve(); });
  }
  ~RunningServer() {
    server.close();
    thread.join();
  }
  Server server;
  std::thread thread;
};

TEST(Shutdown, InFlightRequestFinishesIdleConnectionsCloseAtOnce) {
  std::promise<DeferredResponse> parked;
  RunningServer rs([&](ResponseWriter& w, Request& r) {
    if (r.path() == "/slow") {
      parked.set_value(w.defer());
      return;
    }
    w.write("quick");
  });
  RawClient idle(rs.server.port());
  idle.send("GET /quick HTTP/1.1\r\nHost: t\r\n\r\n");
  ASSERT_TRUE(idle.read_response());

  RawClient busy(rs.server.port());
  busy.send("GET /slow HTTP/1.1\r\nHost: t\r\n\r\n");
  DeferredResponse d = parked.get_future().get();

  auto shutdown = std::async(std::launch::async, [&] { return rs.server.shutdown(5s); });
  EXPECT_TRUE(idle.wait_closed()) << "idle keep-alive connections close at once";
  EXPECT_TRUE(rs.server.shutting_down());
  std::thread([d = std::move(d)]() mutable { d.complete([](ResponseWriter& w) { w.write("finished"); }); }).join();
  auto res = busy.read_response();
  ASSERT_TRUE(res);
  EXPECT_EQ(res->body, "finished");
  EXPECT_EQ(res->header("Connection"), "close");
  EXPECT_TRUE(shutdown.get()) << "drained before the deadline";
  // New connections are refused now.
  EXPECT_THROW(RawClient(rs.server.port()).send("GET / HTTP/1.1\r\nHost: t\r\n\r\n"), std::runtime_error);
}

TEST(Shutdown, DeadlineForceClosesStragglers) {
  std::promise<DeferredResponse> parked;
  RunningServer rs([&](ResponseWriter& w, Request&) { parked.set_value(w.defer()); });
  RawClient busy(rs.server.port());
  busy.send("GET / HTTP/1.1\r\nHost: t\r\n\r\n");
  DeferredResponse d = parked.get_future().get();
  EXPECT_FALSE(rs.server.shutdown(100ms)) << "a request still running at the deadline";
  EXPECT_TRUE(busy.wait_closed());
  EXPECT_TRUE(d.client_gone());
}

TEST(Shutdown, ServeReturnsAndCanBeCalledFromAnotherThread) {
  Server server(testing::test_config(), [](ResponseWriter& w, Request&) { w.write("x"); });
  ASSERT_FALSE(server.listen());
  std::thread serving([&] { EXPECT_FALSE(server.serve()); });
  EXPECT_EQ(test::get(server.port(), "/").body, "x");
  EXPECT_TRUE(server.shutdown(1s));
  serving.join();
}

TEST(Shutdown, ShutdownBeforeServeMakesServeReturn) {
  Server server(testing::test_config(), [](ResponseWriter&, Request&) {});
  ASSERT_FALSE(server.listen());
  EXPECT_TRUE(server.shutdown(1s));
  EXPECT_TRUE(server.serve());  // refused: already shut down
}

TEST(Shutdown, SignalTriggersGracefulShutdown) {
  Server server(testing::test_config(), [](ResponseWriter& w, Request&) { w.write("x"); });
  ShutdownOnSignals on_signal(server, 1s, {SIGUSR1});
  ASSERT_FALSE(server.listen());
  std::thread serving([&] { server.serve(); });
  EXPECT_EQ(test::get(server.port(), "/").body, "x");
  ::kill(::getpid(), SIGUSR1);
  serving.join();  // returns because the signal shut the server down
  EXPECT_EQ(on_signal.signal(), SIGUSR1);
}

TEST(Shutdown, ListenErrorsAreReported) {
  Server first(testing::test_config(), [](ResponseWriter&, Request&) {});
  ASSERT_FALSE(first.listen());
  ServerConfig cfg = testing::test_config();
  cfg.listen = "127.0.0.1:" + std::to_string(first.port());
  cfg.reuse_port = false;
  Server second(cfg, [](ResponseWriter&, Request&) {});
  EXPECT_EQ(second.listen(), std::errc::address_in_use);
  cfg.listen = "not an address";
  Server third(cfg, [](ResponseWriter&, Request&) {});
  EXPECT_EQ(third.listen(), std::errc::invalid_argument);
}

}  // namespace
}  // namespace nethttp
