// Socket-level tests of the HTTP/1.1 basics: framing, keep-alive, pipelining, split input,
// chunked bodies, 100-continue, HEAD, HTTP/1.0 and absolute-form targets.
#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>

#include "nethttp/server.hpp"
#include "nethttp/testing.hpp"
#include "support/raw_client.hpp"

namespace nethttp {
namespace {

using test::RawClient;

// echo answers with the method, target and body it saw, so tests can check the parse.
Handler echo() {
  return [](ResponseWriter& w, Request& r) {
    w.headers().set("Content-Type", "text/plain");
    w.headers().set("X-Method", r.method());
    w.headers().set("X-Path", r.path());
    w.headers().set("X-Query", r.raw_query());
    w.headers().set("X-Host", r.host());
    w.write(r.body());
  };
}

TEST(HttpBasics, GetWithContentLengthAndDate) {
  testing::TestServer ts(echo());
  auto res = test::get(ts.port(), "/hello?x=1");
  EXPECT_EQ(res.status, 200);
  EXPECT_EQ(res.header("X-Path"), "/hello");
  EXPECT_EQ(res.header("X-Query"), "x=1");
  EXPECT_EQ(res.header("Content-Length"), "0");
  EXPECT_FALSE(res.header("Date").empty());
  EXPECT_EQ(res.header("Connection"), "close");
}

TEST(HttpBasics, ThousandKeepAliveRequestsOnOneConnection) {
  testing::TestServer ts([](ResponseWriter& w, Request& r) { w.write(r.path()); });
  RawClient c(ts.port());
  for (int i = 0; i < 1000; ++i) {
    std::string path = "/r" + std::to_string(i);
    c.send("GET " + path + " HTTP/1.1\r\nHost: t\r\n\r\n");
    auto res = c.read_response();
    ASSERT_TRUE(res) << "closed at request " << i;
    ASSERT_EQ(res->body, path);
    ASSERT_EQ(res->header("Connection"), "");
  }
  EXPECT_EQ(ts.server().stats().total().connections_accepted, 1u);
}

TEST(HttpBasics, ThirtyTwoPipelinedRequestsInOneWriteAnsweredInOrder) {
  testing::TestServer ts([](ResponseWriter& w, Request& r) { w.write(r.path()); });
  RawClient c(ts.port());
  std::string batch;
  for (int i = 0; i < 32; ++i) batch += "GET /p" + std::to_string(i) + " HTTP/1.1\r\nHost: t\r\n\r\n";
  c.send(batch);
  for (int i = 0; i < 32; ++i) {
    auto res = c.read_response();
    ASSERT_TRUE(res);
    EXPECT_EQ(res->body, "/p" + std::to_string(i));
  }
}

TEST(HttpBasics, RequestSplitAtEveryByte) {
  testing::TestServer ts(echo());
  const std::string req =
      "POST /split?q=%41 HTTP/1.1\r\nHost: example\r\nContent-Length: 11\r\nX-Long: abcdefghij\r\n\r\nhello world";
  RawClient c(ts.port());
  for (char ch : req) c.send(std::string(1, ch));
  auto res = c.read_response();
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->body, "hello world");
  EXPECT_EQ(res->header("X-Query"), "q=%41");
  EXPECT_EQ(res->header("X-Host"), "example");
}

TEST(HttpBasics, ChunkedRequestBodyIsDechunked) {
  testing::TestServer ts(echo());
  auto res = test::roundtrip(ts.port(),
                             "POST /c HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"
                             "5\r\nhello\r\n1;name=value\r\n \r\n5\r\nworld\r\n0\r\nTrailer: x\r\n\r\n");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->body, "hello world");
}

TEST(HttpBasics, FlushedResponseIsChunked) {
  testing::TestServer ts([](ResponseWriter& w, Request&) {
    w.write("part one, ");
    w.flush();
    w.write("part two");
  });
  RawClient c(ts.port());
  c.send("GET / HTTP/1.1\r\nHost: t\r\n\r\n");
  auto res = c.read_response();
  ASSERT_TRUE(res);
  EXPECT_TRUE(res->chunked);
  EXPECT_EQ(res->body, "part one, part two");
  // The connection stays usable after a chunked response.
  c.send("GET / HTTP/1.1\r\nHost: t\r\n\r\n");
  ASSERT_TRUE(c.read_response());
}

TEST(HttpBasics, LargeBodyStreamsChunkedAndArrivesWhole) {
  std::string big(1 << 20, 'x');
  for (std::size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>('a' + i % 26);
  testing::TestServer ts([&big](ResponseWriter& w, Request&) { w.write(big); });
  auto res = test::get(ts.port(), "/");
  EXPECT_TRUE(res.chunked) << "a body over the 64 KiB buffer must not wait for a Content-Length";
  EXPECT_EQ(res.header("Content-Length"), "");
  EXPECT_EQ(res.body, big);
}

TEST(HttpBasics, HeadHasHeadersButNoBody) {
  testing::TestServer ts([](ResponseWriter& w, Request&) { w.write("twelve bytes"); });
  RawClient c(ts.port());
  c.send("HEAD / HTTP/1.1\r\nHost: t\r\n\r\n");
  auto res = c.read_response(/*head=*/true);
  ASSERT_TRUE(res);
  EXPECT_EQ(res->header("Content-Length"), "12");
  // If a body had been sent, it would be parsed as the next status line here.
  c.send("GET / HTTP/1.1\r\nHost: t\r\n\r\n");
  auto next = c.read_response();
  ASSERT_TRUE(next);
  EXPECT_EQ(next->body, "twelve bytes");
}

TEST(HttpBasics, NoContentAndNotModifiedCarryNoBody) {
  testing::TestServer ts([](ResponseWriter& w, Request& r) {
    w.write_header(r.path() == "/204" ? 204 : 304);
    w.write("ignored");
  });
  RawClient c(ts.port());
  c.send("GET /204 HTTP/1.1\r\nHost: t\r\n\r\nGET /304 HTTP/1.1\r\nHost: t\r\n\r\n");
  auto a = c.read_response();
  auto b = c.read_response();
  ASSERT_TRUE(a && b);
  EXPECT_EQ(a->status, 204);
  EXPECT_EQ(a->header("Content-Length"), "");
  EXPECT_EQ(b->status, 304);
}

TEST(HttpBasics, Http10ClosesUnlessKeepAliveAsked) {
  testing::TestServer ts([](ResponseWriter& w, Request&) { w.write("ok"); });
  {
    RawClient c(ts.port());
    c.send("GET / HTTP/1.0\r\n\r\n");
    auto res = c.read_response();
    ASSERT_TRUE(res);
    EXPECT_EQ(res->body, "ok");
    EXPECT_TRUE(c.wait_closed());
  }
  {
    RawClient c(ts.port());
    c.send("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
    auto res = c.read_response();
    ASSERT_TRUE(res);
    EXPECT_EQ(res->header("Connection"), "keep-alive");
    c.send("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
    EXPECT_TRUE(c.read_response());
  }
}

TEST(HttpBasics, ConnectionCloseIsHonoured) {
  testing::TestServer ts([](ResponseWriter& w, Request&) { w.write("bye"); });
  RawClient c(ts.port());
  c.send("GET / HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
  auto res = c.read_response();
  ASSERT_TRUE(res);
  EXPECT_EQ(res->header("Connection"), "close");
  EXPECT_TRUE(c.wait_closed());
}

TEST(HttpBasics, AbsoluteFormTargetSetsHostAndPath) {
  testing::TestServer ts(echo());
  auto res = test::roundtrip(ts.port(), "GET http://other.example:81/abs/path?k=v HTTP/1.1\r\nHost: ignored\r\n\r\n");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->header("X-Path"), "/abs/path");
  EXPECT_EQ(res->header("X-Query"), "k=v");
  EXPECT_EQ(res->header("X-Host"), "other.example:81");
}

TEST(HttpBasics, ExpectContinueSendsInterimResponseBeforeBody) {
  testing::TestServer ts(echo());
  RawClient c(ts.port());
  c.send("PUT /up HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n");
  auto interim = c.read_response();
  ASSERT_TRUE(interim);
  EXPECT_EQ(interim->status, 100);
  c.send("hello");
  auto res = c.read_response();
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->body, "hello");
}

TEST(HttpBasics, CheckContinueCanRefuseTheBody) {
  ServerConfig cfg = testing::test_config();
  cfg.check_continue = [](ResponseWriter& w, Request& r) {
    if (r.header("Authorization").empty()) error(w, "login first", Status::Unauthorized);
  };
  std::atomic<bool> handler_ran{false};
  testing::TestServer ts(
      [&](ResponseWriter& w, Request&) {
        handler_ran = true;
        w.write("stored");
      },
      cfg);
  RawClient c(ts.port());
  c.send("PUT /up HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n");
  auto res = c.read_response();
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 401);
  EXPECT_EQ(res->header("Connection"), "close");
  EXPECT_TRUE(c.wait_closed());
  EXPECT_FALSE(handler_ran);

  RawClient ok(ts.port());
  ok.send("PUT /up HTTP/1.1\r\nHost: t\r\nAuthorization: yes\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n");
  auto interim = ok.read_response();
  ASSERT_TRUE(interim);
  EXPECT_EQ(interim->status, 100);
  ok.send("hello");
  auto done = ok.read_response();
  ASSERT_TRUE(done);
  EXPECT_EQ(done->body, "stored");
}

TEST(HttpBasics, UnsupportedExpectationIs417) {
  testing::TestServer ts(echo());
  auto res = test::roundtrip(ts.port(), "PUT / HTTP/1.1\r\nHost: t\r\nExpect: teapot\r\nContent-Length: 1\r\n\r\nx");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 417);
}

TEST(HttpBasics, ResponseHeaderInjectionIsNeutralised) {
  testing::TestServer ts([](ResponseWriter& w, Request&) {
    w.headers().set("X-Evil", "a\r\nSet-Cookie: stolen=1");
    w.write("x");
  });
  auto res = test::get(ts.port(), "/");
  EXPECT_EQ(res.header("Set-Cookie"), "");
  EXPECT_EQ(res.header("X-Evil"), "a  Set-Cookie: stolen=1");
}

TEST(HttpBasics, EarlyHintsPrecedeTheFinalResponse) {
  testing::TestServer ts([](ResponseWriter& w, Request&) {
    w.headers().set("Link", "</style.css>; rel=preload");
    w.write_header(103);
    w.headers().set("Content-Type", "text/plain");
    w.write("final");
  });
  RawClient c(ts.port());
  c.send("GET / HTTP/1.1\r\nHost: t\r\n\r\n");
  auto hints = c.read_response();
  ASSERT_TRUE(hints);
  EXPECT_EQ(hints->status, 103);
  EXPECT_EQ(hints->header("Link"), "</style.css>; rel=preload");
  auto res = c.read_response();
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->body, "final");
}

TEST(HttpBasics, UnsupportedStatusCodesAreSentAs500) {
  // 101 would promise a protocol switch we cannot make; codes outside 100-999 are invalid.
  for (int code : {101, 99, 1000, -1}) {
    testing::TestServer ts([code](ResponseWriter& w, Request&) {
      w.write_header(code);
      w.write("x");
    });
    RawClient c(ts.port());
    c.send("GET / HTTP/1.1\r\nHost: t\r\n\r\n");
    auto res = c.read_response();
    ASSERT_TRUE(res) << code;
    EXPECT_EQ(res->status, 500) << code;
    c.send("GET / HTTP/1.1\r\nHost: t\r\n\r\n");  // and the connection still serves
    EXPECT_TRUE(c.read_response()) << code;
  }
}

TEST(HttpBasics, DeclaredContentLengthShortBodyClosesConnection) {
  testing::TestServer ts([](ResponseWriter& w, Request&) {
    w.headers().set("Content-Length", "10");
    w.write("abc");
  });
  RawClient c(ts.port());
  c.send("GET / HTTP/1.1\r\nHost: t\r\n\r\n");
  // The client sees a 10-byte promise and 3 bytes, then the close that tells it why.
  std::string all = c.read_until_close();
  EXPECT_NE(all.find("Content-Length: 10"), std::string::npos);
  EXPECT_NE(all.find("\r\n\r\nabc"), std::string::npos);
}

TEST(HttpBasics, Ipv6Loopback) {
  ServerConfig cfg = testing::test_config();
  cfg.listen = "[::1]:0";
  Server server(cfg, [](ResponseWriter& w, Request& r) { w.write(r.remote_addr()); });
  if (server.listen()) GTEST_SKIP() << "no IPv6 loopback here";
  std::thread t([&] { server.serve(); });
  {
    RawClient c(server.port(), {.ipv6 = true});
    c.send("GET / HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
    auto res = c.read_response();
    ASSERT_TRUE(res);
    EXPECT_EQ(res->body.rfind("[::1]:", 0), 0u) << res->body;
  }
  server.shutdown(std::chrono::seconds(1));
  t.join();
}

TEST(HttpBasics, SeveralLoopsServeConcurrentClients) {
  ServerConfig cfg = testing::test_config();
  cfg.threads = 2;
  testing::TestServer ts([](ResponseWriter& w, Request&) { w.write("ok"); }, cfg);
  std::vector<std::thread> clients;
  std::atomic<int> ok{0};
  for (int t = 0; t < 4; ++t) {
    clients.emplace_back([&] {
      RawClient c(ts.port());
      for (int i = 0; i < 50; ++i) {
        c.send("GET / HTTP/1.1\r\nHost: t\r\n\r\n");
        auto res = c.read_response();
        if (res && res->body == "ok") ++ok;
      }
    });
  }
  for (auto& t : clients) t.join();
  EXPECT_EQ(ok.load(), 200);
  EXPECT_EQ(ts.server().stats().total().requests, 200u);
}

}  // namespace
}  // namespace nethttp
