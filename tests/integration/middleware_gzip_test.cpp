// gzip over a real socket: Content-Length framing for a buffered body, chunked framing for a
// flushed stream, and HEAD untouched.

#include <gtest/gtest.h>

#include "nethttp/middleware.hpp"
#include "nethttp/testing.hpp"
#include "support/gzip.hpp"
#include "support/raw_client.hpp"

namespace nethttp {
namespace {

using test::gunzip;

std::string page() {
  std::string s;
  for (int i = 0; i < 500; ++i) s += "<p>paragraph " + std::to_string(i) + "</p>\n";
  return s;
}

Handler app() {
  return chain(
      [](ResponseWriter& w, Request& r) {
        w.headers().set("Content-Type", "text/html; charset=utf-8");
        if (r.path() == "/stream") {
          for (int i = 0; i < 3; ++i) {
            w.write("chunk " + std::to_string(i) + "\n");
            w.flush();
          }
          return;
        }
        w.write(page());
      },
      {gzip()});
}

TEST(GzipSocket, BufferedBodyIsCompressedWithContentLength) {
  testing::TestServer ts(app());
  auto res = test::get(ts.port(), "/", "Accept-Encoding: gzip, deflate\r\n");
  EXPECT_EQ(res.status, 200);
  EXPECT_EQ(res.header("Content-Encoding"), "gzip");
  EXPECT_EQ(res.header("Vary"), "Accept-Encoding");
  EXPECT_EQ(res.header("Content-Length"), std::to_string(res.body.size()));
  EXPECT_LT(res.body.size(), page().size() / 3);
  EXPECT_EQ(gunzip(res.body), page());

  auto plain = test::get(ts.port(), "/");
  EXPECT_EQ(plain.header("Content-Encoding"), "");
  EXPECT_EQ(plain.body, page());
}

TEST(GzipSocket, FlushedStreamIsChunkedGzip) {
  testing::TestServer ts(app());
  auto res = test::get(ts.port(), "/stream", "Accept-Encoding: gzip\r\n");
  EXPECT_EQ(res.status, 200);
  EXPECT_TRUE(res.chunked);
  EXPECT_EQ(res.header("Content-Encoding"), "gzip");
  EXPECT_EQ(gunzip(res.body), "chunk 0\nchunk 1\nchunk 2\n");
}

TEST(GzipSocket, HeadIsLeftAlone) {
  testing::TestServer ts(app());
  auto res =
      test::roundtrip(ts.port(), "HEAD / HTTP/1.1\r\nHost: t\r\nAccept-Encoding: gzip\r\nConnection: close\r\n\r\n",
                      /*head=*/true);
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->header("Content-Encoding"), "");
  EXPECT_EQ(res->header("Content-Length"), std::to_string(page().size()));
}

}  // namespace
}  // namespace nethttp
