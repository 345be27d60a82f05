// One exception boundary: every user callback the server runs — the handler, check_continue,
// a deferred response's callbacks and timeout callback, conn_state, on_finish (which carries
// the access log and metrics) — is guarded by the same policy: log with the route, answer 500
// if nothing was sent, close otherwise, keep serving. Each entry point throws a value that is
// not a std::exception (`throw 42`), which used to reach std::terminate from some of them.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <thread>

#include "nethttp/deferred.hpp"
#include "nethttp/server.hpp"
#include "nethttp/testing.hpp"
#include "support/capturing_logger.hpp"
#include "support/raw_client.hpp"

namespace nethttp {
namespace {

using namespace std::chrono_literals;
using test::CapturingLogger;
using test::RawClient;

constexpr const char* kGetBoom = "GET /boom HTTP/1.1\r\nHost: t\r\n\r\n";

ServerConfig logged_config(const std::shared_ptr<CapturingLogger>& logger) {
  ServerConfig cfg = testing::test_config();
  cfg.logger = logger;
  return cfg;
}

// expect_still_serving checks that a fresh connection is answered normally.
void expect_still_serving(const testing::TestServer& ts) {
  auto res = test::get(const_cast<testing::TestServer&>(ts).port(), "/fine");
  EXPECT_EQ(res.status, 200);
  EXPECT_EQ(res.body, "fine");
}

// boom_handler answers "fine" on every path but /boom, where it runs boom(w), which makes a
// user callback throw 42.
Handler boom_handler(std::function<void(ResponseWriter&)> boom) {
  return [boom = std::move(boom)](ResponseWriter& w, Request& r) {
    if (r.path() == "/boom") {
      boom(w);
      return;
    }
    w.write("fine");
  };
}

// expect_boom_is_500 sends GET /boom on c and expects it answered with a 500.
void expect_boom_is_500(RawClient& c) {
  c.send(kGetBoom);
  auto res = c.read_response();
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 500);
}

// expect_boom_is_logged_500: with boom_handler(boom), GET /boom is answered with a 500, the
// server logs a line containing `logged`, and a new connection is still served.
void expect_boom_is_logged_500(std::function<void(ResponseWriter&)> boom, std::string_view logged) {
  auto logger = std::make_shared<CapturingLogger>();
  testing::TestServer ts(boom_handler(std::move(boom)), logged_config(logger));
  RawClient c(ts.port());
  ASSERT_NO_FATAL_FAILURE(expect_boom_is_500(c));
  EXPECT_TRUE(logger->saw(logged));
  expect_still_serving(ts);
}

TEST(CallbackExceptions, HandlerThrowingANonStandardValueIs500) {
  auto logger = std::make_shared<CapturingLogger>();
  testing::TestServer ts(boom_handler([](ResponseWriter&) { throw 42; }), logged_config(logger));
  RawClient c(ts.port());
  ASSERT_NO_FATAL_FAILURE(expect_boom_is_500(c));
  // Nothing was sent yet, so the framing is intact and the connection is kept.
  c.send("GET /fine HTTP/1.1\r\nHost: t\r\n\r\n");
  auto next = c.read_response();
  ASSERT_TRUE(next);
  EXPECT_EQ(next->body, "fine");
  EXPECT_TRUE(logger->saw("handler threw (GET /boom): non-standard exception"));
}

TEST(CallbackExceptions, HandlerThrowingAfterFlushClosesTheConnection) {
  testing::TestServer ts([](ResponseWriter& w, Request& r) {
    if (r.path() == "/boom") {
      w.write("partial");
      w.flush();
      throw 42;
    }
    w.write("fine");
  });
  RawClient c(ts.port());
  c.send(kGetBoom);
  std::string all = c.read_until_close();
  EXPECT_NE(all.find("200 OK"), std::string::npos);
  EXPECT_EQ(all.find("\r\n0\r\n\r\n"), std::string::npos) << "a cut response must not look complete";
  expect_still_serving(ts);
}

TEST(CallbackExceptions, CheckContinueThrowingIs500AndTheBodyIsNeverRead) {
  auto logger = std::make_shared<CapturingLogger>();
  std::atomic<int> handled{0};
  ServerConfig cfg = logged_config(logger);
  cfg.check_continue = [](ResponseWriter&, Request&) { throw 42; };
  testing::TestServer ts(
      [&](ResponseWriter& w, Request&) {
        ++handled;
        w.write("fine");
      },
      cfg);
  RawClient c(ts.port());
  c.send("POST /upload HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n");
  auto res = c.read_response();
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 500);
  EXPECT_TRUE(c.wait_closed());
  EXPECT_EQ(handled.load(), 0);
  EXPECT_TRUE(logger->saw("check_continue threw (POST /upload)"));
  expect_still_serving(ts);
}

TEST(CallbackExceptions, DeferredCallbackThrowingIs500) {
  expect_boom_is_logged_500(
      [](ResponseWriter& w) {
        DeferredResponse d = w.defer();
        d.complete([](ResponseWriter&) { throw 42; });
      },
      "deferred callback threw (GET /boom)");
}

TEST(CallbackExceptions, DeferredTimeoutCallbackThrowingIs500) {
  auto parked = std::make_shared<DeferredResponse>();
  expect_boom_is_logged_500(
      [parked](ResponseWriter& w) {
        *parked = w.defer();
        parked->set_timeout(10ms, [](ResponseWriter&) { throw 42; });
      },
      "deferred timeout callback threw (GET /boom)");
}

TEST(CallbackExceptions, ConnStateThrowingClosesOnlyThatConnection) {
  auto logger = std::make_shared<CapturingLogger>();
  std::atomic<bool> throw_next{true};
  ServerConfig cfg = logged_config(logger);
  cfg.conn_state = [&](const ConnInfo&, ConnState s) {
    if (s == ConnState::New && throw_next.exchange(false)) throw 42;
  };
  testing::TestServer ts([](ResponseWriter& w, Request&) { w.write("fine"); }, cfg);
  RawClient c(ts.port());
  EXPECT_TRUE(c.wait_closed());  // no request in flight: nothing to answer, so it closes
  EXPECT_TRUE(logger->saw("conn_state threw (connection 127.0.0.1:"));
  expect_still_serving(ts);
}

TEST(CallbackExceptions, ConnStateThrowingAfterAResponseClosesTheConnection) {
  std::atomic<bool> throw_next{true};
  ServerConfig cfg = testing::test_config();
  cfg.conn_state = [&](const ConnInfo&, ConnState s) {
    if (s == ConnState::Idle && throw_next.exchange(false)) throw 42;
  };
  testing::TestServer ts([](ResponseWriter& w, Request&) { w.write("fine"); }, cfg);
  RawClient c(ts.port());
  c.send("GET /first HTTP/1.1\r\nHost: t\r\n\r\n");
  auto res = c.read_response();
  ASSERT_TRUE(res);
  EXPECT_EQ(res->body, "fine");  // the response was out before the hook threw
  EXPECT_TRUE(c.wait_closed());  // going idle threw: nothing to answer, so it closes
  expect_still_serving(ts);
}

TEST(CallbackExceptions, OnFinishThrowingClosesAfterTheResponse) {
  auto logger = std::make_shared<CapturingLogger>();
  std::atomic<int> later_callbacks{0};
  testing::TestServer ts(
      [&](ResponseWriter& w, Request& r) {
        if (r.path() == "/boom") {
          w.on_finish([](const ResponseStats&) { throw 42; });
          w.on_finish([&](const ResponseStats&) { ++later_callbacks; });
        }
        w.write("fine");
      },
      logged_config(logger));
  RawClient c(ts.port());
  c.send(kGetBoom);
  auto res = c.read_response();
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->body, "fine");
  EXPECT_TRUE(c.wait_closed());
  // The close comes from the throw, so the next callback may still be running: wait for it.
  for (int i = 0; i < 500 && later_callbacks.load() == 0; ++i) std::this_thread::sleep_for(10ms);
  EXPECT_EQ(later_callbacks.load(), 1) << "one callback throwing must not skip the others";
  EXPECT_TRUE(logger->saw("on_finish callback threw"));
  expect_still_serving(ts);
}

TEST(CallbackExceptions, ThrowingLoggerDoesNotStopTheServer) {
  // The logger itself is user code: a handler throws, and logging that throws too.
  struct ThrowingLogger final : Logger {
    void log(LogLevel, std::string_view) override { throw 42; }
  };
  ServerConfig cfg = testing::test_config();
  cfg.logger = std::make_shared<ThrowingLogger>();
  testing::TestServer ts(boom_handler([](ResponseWriter&) { throw 42; }), cfg);
  RawClient c(ts.port());
  ASSERT_NO_FATAL_FAILURE(expect_boom_is_500(c));  // logging failed; the answer is the same
  expect_still_serving(ts);
}

}  // namespace
}  // namespace nethttp
