// OnSignals / ShutdownOnSignals: signals reach their callback whichever threads existed
// before (the README bug: a thread started first, with the signal unblocked, used to take
// the signal and die of its default action), previous dispositions come back, and a drain
// delay keeps serving while readiness is off.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <future>
#include <mutex>
#include <thread>

#include "nethttp/health.hpp"
#include "nethttp/serve_mux.hpp"
#include "nethttp/server.hpp"
#include "nethttp/testing.hpp"
#include "support/raw_client.hpp"

namespace nethttp {
namespace {

using namespace std::chrono_literals;

// Counter is what a callback bumps; wait_for blocks until it reaches n (at most 10 s).
struct Counter {
  std::mutex m;
  std::condition_variable cv;
  int n = 0;
  void bump() {
    std::lock_guard l(m);
    ++n;
    cv.notify_all();
  }
  bool wait_for(int want) {
    std::unique_lock l(m);
    return cv.wait_for(l, 10s, [&] { return n >= want; });
  }
};

TEST(Signals, DeliveredWhicheverThreadStartedFirst) {
  // A thread that exists before OnSignals and leaves every signal unblocked, like an access
  // log's writer: the kernel may pick it, and the signal must still reach the callback.
  std::atomic<bool> stop{false};
  std::thread early([&] {
    while (!stop) std::this_thread::sleep_for(1ms);
  });
  Counter count;
  {
    OnSignals on({SIGUSR1}, [&](int sig) {
      EXPECT_EQ(sig, SIGUSR1);
      count.bump();
    });
    for (int i = 1; i <= 5; ++i) {
      ASSERT_EQ(::kill(::getpid(), SIGUSR1), 0);
      ASSERT_TRUE(count.wait_for(i)) << "signal " << i << " never reached the callback";
    }
  }
  stop = true;
  early.join();
}

void counting_handler(int) {}

TEST(Signals, PreviousDispositionIsRestored) {
  struct sigaction mine {};
  mine.sa_handler = counting_handler;
  sigemptyset(&mine.sa_mask);
  struct sigaction before {};
  ASSERT_EQ(::sigaction(SIGUSR2, &mine, &before), 0);
  {
    OnSignals on({SIGUSR2}, [](int) {});
    struct sigaction now {};
    ::sigaction(SIGUSR2, nullptr, &now);
    EXPECT_NE(now.sa_handler, counting_handler);
  }
  struct sigaction after {};
  ::sigaction(SIGUSR2, nullptr, &after);
  EXPECT_EQ(after.sa_handler, counting_handler);
  ::sigaction(SIGUSR2, &before, nullptr);
}

TEST(Signals, InvalidSignalThrows) {
  EXPECT_THROW(OnSignals({SIGKILL}, [](int) {}), std::system_error);
  EXPECT_THROW(OnSignals({0}, [](int) {}), std::system_error);
}

TEST(Signals, ShutdownOnSignalsDrainsAServingServer) {
  Server server(testing::test_config(), [](ResponseWriter& w, Request&) { w.write("up"); });
  ASSERT_FALSE(server.listen());
  ShutdownOnSignals stop(server, 5s, {SIGUSR1});
  auto served = std::async(std::launch::async, [&] { return server.serve(); });
  ASSERT_EQ(test::get(server.port(), "/").status, 200);
  ASSERT_EQ(::kill(::getpid(), SIGUSR1), 0);
  ASSERT_EQ(served.wait_for(10s), std::future_status::ready) << "the signal did not stop serve()";
  EXPECT_FALSE(served.get());
  EXPECT_EQ(stop.signal(), SIGUSR1);
}

TEST(Signals, DrainDelayServesWhileNotReady) {
  ServerConfig config = testing::test_config();
  config.drain_delay = 30s;  // cut short by close() below; the test never waits it out
  ServeMux mux;
  mux.handle("GET /", [](ResponseWriter& w, Request&) { w.write("up"); });
  Server server(config, mux);
  mux.handle("GET /readyz", readyz(server));
  ASSERT_FALSE(server.listen());
  std::thread serving([&] { server.serve(); });
  ASSERT_EQ(test::get(server.port(), "/readyz").status, 200);

  auto shutdown = std::async(std::launch::async, [&] { return server.shutdown(5s); });
  while (!server.shutting_down()) std::this_thread::sleep_for(1ms);
  // Not ready, but still accepting and serving new connections.
  EXPECT_EQ(test::get(server.port(), "/readyz").status, 503);
  EXPECT_EQ(test::get(server.port(), "/").body, "up");
  EXPECT_NE(shutdown.wait_for(50ms), std::future_status::ready) << "still in the drain delay";

  server.close();  // ends the delay; both calls return
  EXPECT_EQ(shutdown.wait_for(10s), std::future_status::ready);
  serving.join();
  EXPECT_THROW(test::RawClient(server.port()).send("GET / HTTP/1.1\r\nHost: t\r\n\r\n"), std::runtime_error);
}

TEST(Signals, ConnectionAcceptedBeforeTheDrainGetsItsFirstRequestAnswered) {
  // A hot upgrade or a restart drains while clients are mid-connect: a connection accepted
  // before the listener closed, whose request has not arrived yet, must not be dropped.
  Server server(testing::test_config(), [](ResponseWriter& w, Request&) { w.write("served"); });
  ASSERT_FALSE(server.listen());
  std::thread serving([&] { server.serve(); });
  test::RawClient early(server.port());
  ASSERT_EQ(test::get(server.port(), "/").body, "served");  // the loop has accepted `early` by now
  auto shutdown = std::async(std::launch::async, [&] { return server.shutdown(5s); });
  while (!server.shutting_down()) std::this_thread::sleep_for(1ms);
  early.send("GET / HTTP/1.1\r\nHost: t\r\n\r\n");
  auto res = early.read_response();
  ASSERT_TRUE(res) << "the connection was closed without an answer";
  EXPECT_EQ(res->body, "served");
  EXPECT_TRUE(early.wait_closed()) << "closed once answered";
  EXPECT_TRUE(shutdown.get());
  serving.join();
}

}  // namespace
}  // namespace nethttp
