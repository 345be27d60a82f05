// Upgrade and hijack over real sockets: 101 and the bytes already read past the request,
// echo over an upgraded stream with backpressure, a detached descriptor after the server
// forgot it, shutdown closing upgraded streams, and the refusals.
#include "nethttp/upgrade.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <future>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "nethttp/server.hpp"
#include "nethttp/testing.hpp"
#include "support/capturing_logger.hpp"
#include "support/child_process.hpp"
#include "support/raw_client.hpp"

namespace nethttp {
namespace {

using namespace std::chrono_literals;
using test::RawClient;
using test::read_exactly;
using test::read_head;
using Clock = std::chrono::steady_clock;

constexpr std::string_view kUpgradeRequest =
    "GET /echo HTTP/1.1\r\nHost: t\r\nConnection: keep-alive, Upgrade\r\nUpgrade: echo/1\r\n\r\n";

// start_echo echoes what arrives; while the echo is congested it stops reading (no on_data),
// so the client's sends block instead of the server's memory growing.
void start_echo(UpgradedStream* s) {
  s->on_data([s](std::string_view bytes) {
    s->write(bytes);
    if (s->congested()) {
      s->on_data(nullptr);
      s->on_writable([s] { start_echo(s); });
    }
  });
}

// echo_handler upgrades to an echo protocol on the loop, with backpressure: when the
// stream is congested it stops taking input until the client has read its echo.
Handler echo_handler(std::atomic<int>* closes = nullptr) {
  return [closes](ResponseWriter& w, Request& r) {
    const bool ok = accept_upgrade(w, r, "echo/1", [closes](std::shared_ptr<UpgradedStream> s) {
      start_echo(s.get());
      s->on_close([s, closes]() mutable {  // holds the stream until it ends
        if (closes != nullptr) closes->fetch_add(1);
        s.reset();
      });
    });
    if (!ok) {
      w.write_header(426);
      w.write("upgrade to echo/1\n");
    }
  };
}

TEST(Upgrade, HandsOverTheBytesAlreadyRead) {
  testing::TestServer ts(echo_handler());
  RawClient c(ts.port());
  c.send(std::string(kUpgradeRequest) + "hello, extra bytes");  // one write: request and more
  const std::string head = read_head(c.fd());
  EXPECT_EQ(head.rfind("HTTP/1.1 101 Switching Protocols\r\n", 0), 0u) << head;
  EXPECT_NE(head.find("Upgrade: echo/1\r\n"), std::string::npos) << head;
  EXPECT_NE(head.find("Connection: Upgrade\r\n"), std::string::npos) << head;
  EXPECT_EQ(head.find("Content-Length"), std::string::npos) << head;
  EXPECT_EQ(head.find("Transfer-Encoding"), std::string::npos) << head;
  EXPECT_EQ(read_exactly(c.fd(), 18), "hello, extra bytes");
  c.send("and more");
  EXPECT_EQ(read_exactly(c.fd(), 8), "and more");
  EXPECT_EQ(ts.server().stats().total().connections_open, 0u) << "the server forgot the connection";
}

TEST(Upgrade, EchoesManyMegabytesWithBackpressure) {
  testing::TestServer ts(echo_handler());
  RawClient c(ts.port(), {.timeout = 10s});
  c.send(kUpgradeRequest);
  ASSERT_NE(read_head(c.fd()).find("101"), std::string::npos);
  const std::size_t total = 8 * 1024 * 1024;
  std::string sent;
  sent.reserve(total);
  for (std::size_t i = 0; sent.size() < total; ++i) sent += std::to_string(i) + ",";
  sent.resize(total);
  std::thread writer([&] { c.send(sent); });
  const std::string echoed = read_exactly(c.fd(), total);
  writer.join();
  EXPECT_EQ(echoed.size(), total);
  EXPECT_TRUE(echoed == sent);
}

TEST(Upgrade, DetachedDescriptorWorksAfterTheServerForgetsIt) {
  std::promise<HijackedConnection> taken;
  testing::TestServer ts([&](ResponseWriter& w, Request& r) {
    ASSERT_TRUE(hijack(w, r, "raw", [&](HijackedConnection h) { taken.set_value(std::move(h)); }));
  });
  RawClient c(ts.port());
  c.send(std::string(kUpgradeRequest) + "early");
  EXPECT_NE(read_head(c.fd()).find("HTTP/1.1 101"), std::string::npos);
  auto fut = taken.get_future();
  ASSERT_EQ(fut.wait_for(5s), std::future_status::ready);
  HijackedConnection h = fut.get();
  EXPECT_EQ(h.buffered, "early");
  EXPECT_FALSE(h.remote_addr.empty());
  EXPECT_EQ(ts.server().stats().total().connections_open, 0u);
  // Shutdown does not touch a detached descriptor.
  EXPECT_TRUE(ts.server().shutdown(2s));
  const int flags = ::fcntl(h.fd.get(), F_GETFL);
  ASSERT_EQ(::fcntl(h.fd.get(), F_SETFL, flags & ~O_NONBLOCK), 0);
  ASSERT_EQ(::send(h.fd.get(), "mine now", 8, MSG_NOSIGNAL), 8);
  EXPECT_EQ(read_exactly(c.fd(), 8), "mine now");
  c.send("ping");
  char buf[4];
  ASSERT_EQ(::recv(h.fd.get(), buf, 4, MSG_WAITALL), 4);
  EXPECT_EQ(std::string_view(buf, 4), "ping");
  h.fd.reset();
  EXPECT_TRUE(c.wait_closed());
}

TEST(Upgrade, ShutdownClosesUpgradedStreams) {
  std::atomic<int> closes{0};
  testing::TestServer ts(echo_handler(&closes));
  RawClient a(ts.port()), b(ts.port());
  for (RawClient* c : {&a, &b}) {
    c->send(kUpgradeRequest);
    ASSERT_NE(read_head(c->fd()).find("101"), std::string::npos);
    c->send("x");
    ASSERT_EQ(read_exactly(c->fd(), 1), "x");
  }
  const auto start = Clock::now();
  EXPECT_TRUE(ts.server().shutdown(5s)) << "upgraded streams must not hold up the drain";
  EXPECT_LT(Clock::now() - start, 4s);
  EXPECT_TRUE(a.wait_closed());
  EXPECT_TRUE(b.wait_closed());
  EXPECT_EQ(closes.load(), 2);
}

TEST(Upgrade, PeerCloseRunsOnClose) {
  std::atomic<int> closes{0};
  testing::TestServer ts(echo_handler(&closes));
  {
    RawClient c(ts.port());
    c.send(kUpgradeRequest);
    ASSERT_NE(read_head(c.fd()).find("101"), std::string::npos);
  }
  const auto deadline = Clock::now() + 5s;
  while (closes.load() == 0 && Clock::now() < deadline) std::this_thread::sleep_for(1ms);
  EXPECT_EQ(closes.load(), 1);
}

TEST(Upgrade, PlainRequestIsAnsweredNormally) {
  testing::TestServer ts(echo_handler());
  auto res = test::get(ts.port(), "/echo");
  EXPECT_EQ(res.status, 426);
  // Upgrade without "Connection: upgrade" is not an upgrade request either.
  auto res2 = test::get(ts.port(), "/echo", "Upgrade: echo/1\r\n");
  EXPECT_EQ(res2.status, 426);
}

// An Upgrade the handler does not take (no accept_upgrade or hijack) is an ordinary
// HTTP/1.1 request: the connection stays open for the next ones, as in Go. This is what
// `curl --http2 http://...` and websocket probes meet.

// plain_or_echo answers "METHOD path body" (with the Upgrade it was offered), except on
// /echo, which upgrades to echo/1.
Handler plain_or_echo() {
  return [echo = echo_handler()](ResponseWriter& w, Request& r) {
    if (r.path() == "/echo") {
      echo.serve(w, r);
      return;
    }
    w.write(std::string(r.method()) + " " + std::string(r.path()) + " " + std::string(r.body()) + " [" +
            std::string(r.header("Upgrade")) + "]");
  };
}

std::string upgrade_request(std::string_view path, std::string_view more_headers = {}, std::string_view body = {}) {
  return "POST " + std::string(path) + " HTTP/1.1\r\nHost: t\r\nConnection: Upgrade\r\nUpgrade: foo\r\n" +
         std::string(more_headers) + "\r\n" + std::string(body);
}

TEST(Upgrade, NotTakenIsAPlainRequestAndTheConnectionGoesOn) {
  testing::TestServer ts(plain_or_echo());
  RawClient c(ts.port());
  // In separate writes: the next request after the answer.
  c.send(upgrade_request("/a"));
  auto first = c.read_response();
  ASSERT_TRUE(first);
  EXPECT_EQ(first->status, 200);
  EXPECT_EQ(first->body, "POST /a  [foo]");
  EXPECT_EQ(first->header("Connection"), "");
  EXPECT_EQ(first->header("Upgrade"), "");
  c.send("GET /b HTTP/1.1\r\nHost: t\r\n\r\n");
  auto second = c.read_response();
  ASSERT_TRUE(second);
  EXPECT_EQ(second->status, 200);
  EXPECT_EQ(second->body, "GET /b  []");
  // Pipelined in one write, with bodies (Content-Length, chunked) on the upgrade requests.
  c.send(upgrade_request("/c", "Content-Length: 5\r\n", "hello") +
         upgrade_request("/d", "Transfer-Encoding: chunked\r\n", "3\r\nabc\r\n0\r\n\r\n") +
         "GET /e HTTP/1.1\r\nHost: t\r\n\r\n");
  for (std::string_view want : {"POST /c hello [foo]", "POST /d abc [foo]", "GET /e  []"}) {
    auto res = c.read_response();
    ASSERT_TRUE(res) << want;
    EXPECT_EQ(res->status, 200) << want;
    EXPECT_EQ(res->body, want);
  }
  // An upgrade the handler does take still works on the same connection, with the bytes
  // sent past it (read past RawClient's buffer, which holds nothing now).
  c.send(std::string(kUpgradeRequest) + "ping");
  EXPECT_EQ(read_head(c.fd()).rfind("HTTP/1.1 101 Switching Protocols\r\n", 0), 0u);
  EXPECT_EQ(read_exactly(c.fd(), 4), "ping");
}

TEST(Upgrade, H2cUpgradeLikeCurlsIsAnsweredOverHttp11) {
  testing::TestServer ts(plain_or_echo());
  RawClient c(ts.port());
  const std::string h2c =
      "GET /a HTTP/1.1\r\nHost: t\r\nUser-Agent: curl/7.88.1\r\nAccept: */*\r\n"
      "Connection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQCAAAAAAIAAAAA\r\n\r\n";
  c.send(h2c + h2c);
  for (int i = 0; i < 2; ++i) {
    auto res = c.read_response();
    ASSERT_TRUE(res) << i;
    EXPECT_EQ(res->status, 200);
    EXPECT_EQ(res->version, "HTTP/1.1");
    EXPECT_EQ(res->body, "GET /a  [h2c]");
  }
  c.send("GET /b HTTP/1.1\r\nHost: t\r\n\r\n");
  auto last = c.read_response();
  ASSERT_TRUE(last);
  EXPECT_EQ(last->body, "GET /b  []");
}

// find_curl returns curl's path on PATH, or "".
std::string find_curl() {
  const char* path = std::getenv("PATH");
  std::string_view rest = path != nullptr ? path : "/usr/bin:/bin";
  while (!rest.empty()) {
    const std::size_t colon = rest.find(':');
    const std::string candidate = std::string(rest.substr(0, colon)) + "/curl";
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
    rest = colon == std::string_view::npos ? std::string_view() : rest.substr(colon + 1);
  }
  return {};
}

TEST(Upgrade, CurlHttp2OverCleartextFallsBackToHttp11OnOneConnection) {
  const std::string curl = find_curl();
  if (curl.empty()) GTEST_SKIP() << "curl not installed";
  std::mutex mu;
  std::vector<std::string> peers;  // the client address of each request
  testing::TestServer ts([&](ResponseWriter& w, Request& r) {
    {
      std::lock_guard lock(mu);
      peers.emplace_back(r.remote_addr());
    }
    w.write(std::string(r.path()) + " [" + std::string(r.header("Upgrade")) + "]\n");
  });
  test::ChildProcess c(curl, {"-sS", "--http2", "-w", "%{http_code} %{http_version} %{num_connects}\\n",
                              ts.url() + "/a", ts.url() + "/b"});
  EXPECT_EQ(c.wait_exit(), 0) << c.err();
  EXPECT_EQ(c.out(), "/a [h2c]\n200 1.1 1\n/b [h2c]\n200 1.1 0\n") << "the second transfer reused the connection";
  std::lock_guard lock(mu);
  ASSERT_EQ(peers.size(), 2u);
  EXPECT_EQ(peers[0], peers[1]);
}

TEST(Upgrade, WriteHeader101WithoutAcceptUpgradeIsA500) {
  testing::TestServer ts([](ResponseWriter& w, Request&) { w.write_header(101); });
  RawClient c(ts.port());
  c.send(kUpgradeRequest);
  auto res = c.read_response();
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 500);
}

// The upgraded stream's exception policy (one guard_call boundary, like the connection's):
// a callback that throws is logged and its stream closed (on_close runs); the server and
// other connections go on.
TEST(Upgrade, ThrowingCallbacksAreLoggedAndCloseOnlyTheirStream) {
  auto logger = std::make_shared<test::CapturingLogger>();
  ServerConfig cfg = testing::test_config();
  cfg.logger = logger;
  std::atomic<int> closes{0};
  testing::TestServer ts(
      [&closes](ResponseWriter& w, Request& r) {
        const bool odd = r.path() == "/odd";
        accept_upgrade(w, r, "echo/1", [&closes, odd](std::shared_ptr<UpgradedStream> s) {
          s->on_data([odd](std::string_view bytes) {
            if (odd) throw 42;  // NOLINT(hicpp-exception-baseclass): the non-standard case
            throw std::runtime_error("bad frame: " + std::string(bytes));
          });
          s->on_close([s, &closes]() mutable {
            closes.fetch_add(1);
            s.reset();
          });
        });
      },
      cfg);
  for (std::string_view path : {"/echo", "/odd"}) {
    RawClient c(ts.port());
    c.send("GET " + std::string(path) + " HTTP/1.1\r\nHost: t\r\nConnection: Upgrade\r\nUpgrade: echo/1\r\n\r\n");
    ASSERT_NE(read_head(c.fd()).find("101"), std::string::npos);
    c.send("xyz");
    EXPECT_TRUE(c.wait_closed()) << path;
  }
  const auto deadline = Clock::now() + 5s;
  while (closes.load() < 2 && Clock::now() < deadline) std::this_thread::sleep_for(1ms);
  EXPECT_EQ(closes.load(), 2);
  EXPECT_TRUE(logger->saw("on_data threw (upgraded 127.0.0.1:")) << "logged with the peer";
  EXPECT_TRUE(logger->saw("): bad frame: xyz"));
  EXPECT_TRUE(logger->saw("): non-standard exception"));
  EXPECT_EQ(test::get(ts.port(), "/plain").status, 200) << "the server still serves";
}

TEST(Upgrade, RecorderCannotSwitchProtocols) {
  testing::ResponseRecorder w;
  Request r;
  EXPECT_FALSE(accept_upgrade(w, r, "x", [](std::shared_ptr<UpgradedStream>) {}));
}

}  // namespace
}  // namespace nethttp
