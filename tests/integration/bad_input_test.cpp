// Every malformed or over-limit request gets its status, the connection closes, and the
// server goes on serving everyone else.
#include <gtest/gtest.h>

#include <atomic>
#include <ostream>
#include <string>

#include "nethttp/server.hpp"
#include "nethttp/testing.hpp"
#include "support/raw_client.hpp"

namespace nethttp {
namespace {

using test::RawClient;

ServerConfig small_limits() {
  ServerConfig cfg = testing::test_config();
  cfg.max_uri_bytes = 256;
  cfg.max_header_bytes = 1024;
  cfg.max_body_bytes = 1000;
  return cfg;
}

struct BadCase {
  const char* name;
  std::string request;
  int status;
};

// PrintTo names a case in failure messages (gtest would print its bytes).
void PrintTo(const BadCase& c, std::ostream* os) { *os << c.name << " (want " << c.status << ")"; }

class BadInput : public ::testing::TestWithParam<BadCase> {};

TEST_P(BadInput, AnswersStatusClosesAndServerKeepsServing) {
  std::atomic<int> handled{0};
  testing::TestServer ts(
      [&](ResponseWriter& w, Request&) {
        ++handled;
        w.write("fine");
      },
      small_limits());
  const BadCase& c = GetParam();
  RawClient client(ts.port());
  client.send(c.request);
  auto res = client.read_response();
  ASSERT_TRUE(res) << "no response";
  EXPECT_EQ(res->status, c.status);
  EXPECT_EQ(res->header("Connection"), "close");
  EXPECT_TRUE(client.wait_closed());
  EXPECT_EQ(handled, 0);
  // Everyone else is still served.
  auto ok = test::get(ts.port(), "/");
  EXPECT_EQ(ok.status, 200);
  EXPECT_EQ(ok.body, "fine");
}

const std::string kBigBody(5000, 'b');

INSTANTIATE_TEST_SUITE_P(
    Requests, BadInput,
    ::testing::Values(
        BadCase{"garbage", "HELLO\r\n\r\n", 400},
        BadCase{"bare_lf_request_line", "GET / HTTP/1.1\nHost: t\r\n\r\n", 400},
        BadCase{"bare_lf_header", "GET / HTTP/1.1\r\nHost: t\n\r\n", 400},
        BadCase{"bare_lf_end_of_headers", "GET / HTTP/1.1\r\nHost: t\r\n\n", 400},
        BadCase{"bare_cr", "GET / HTTP/1.1\r\nHost: t\rX: y\r\n\r\n", 400}, BadCase{"http_0_9", "GET /\r\n\r\n", 400},
        BadCase{"obs_fold", "GET / HTTP/1.1\r\nHost: t\r\nX-A: one\r\n  two\r\n\r\n", 400},
        BadCase{"space_before_colon", "GET / HTTP/1.1\r\nHost : t\r\n\r\n", 400},
        BadCase{"missing_host_1_1", "GET / HTTP/1.1\r\n\r\n", 400},
        BadCase{"two_hosts", "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400},
        BadCase{"bad_percent_encoding", "GET /a%zzb HTTP/1.1\r\nHost: t\r\n\r\n", 400},
        BadCase{"encoded_nul", "GET /a%00b HTTP/1.1\r\nHost: t\r\n\r\n", 400},
        BadCase{"content_length_and_chunked",
                "POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400},
        BadCase{"two_content_lengths",
                "POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd", 400},
        BadCase{"bad_content_length", "POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 1x\r\n\r\nab", 400},
        BadCase{"chunked_not_last", "POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked, gzip\r\n\r\n", 400},
        BadCase{"gzip_transfer_coding",
                "POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n", 501},
        BadCase{"unknown_transfer_coding_alone", "POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: foo\r\n\r\n", 400},
        BadCase{"bad_chunk_size", "POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 400},
        BadCase{"chunk_size_bare_lf",
                "POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n3\nabc\r\n0\r\n\r\n", 400},
        // llhttp 8.1 accepts each of these framings even in strict mode; ChunkScanner does not.
        BadCase{"chunk_data_without_crlf",
                "POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcXY0\r\n\r\n", 400},
        BadCase{"chunk_size_bare_cr",
                "POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n3\rXabc\r\n0\r\n\r\n", 400},
        BadCase{"last_chunk_bare_lf_end", "POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\n",
                400},
        BadCase{"trailer_obs_fold",
                "POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nT: v\r\n x\r\n\r\n", 400},
        BadCase{"oversized_chunk_extension",
                "POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n1;ext=" + std::string(5000, 'e') +
                    "\r\nx\r\n0\r\n\r\n",
                400},
        BadCase{"uri_too_long", "GET /" + std::string(300, 'u') + " HTTP/1.1\r\nHost: t\r\n\r\n", 414},
        BadCase{"headers_too_large", "GET / HTTP/1.1\r\nHost: t\r\nX-Big: " + std::string(2000, 'h') + "\r\n\r\n", 431},
        BadCase{"many_headers",
                [] {
                  std::string r = "GET / HTTP/1.1\r\nHost: t\r\n";
                  for (int i = 0; i < 200; ++i) r += "X-H" + std::to_string(i) + ": v\r\n";
                  return r + "\r\n";
                }(),
                431},
        BadCase{"body_too_large_by_content_length",
                "POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 5000\r\n\r\n" + kBigBody, 413},
        BadCase{"body_too_large_chunked",
                "POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n1388\r\n" + kBigBody + "\r\n0\r\n\r\n",
                413},
        BadCase{"http_2_version", "GET / HTTP/2.0\r\nHost: t\r\n\r\n", 505},
        BadCase{"connect_tunnel", "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n", 400},
        BadCase{"nul_in_header", std::string("GET / HTTP/1.1\r\nHost: t\r\nX: a\0b\r\n\r\n", 34), 400}),
    [](const ::testing::TestParamInfo<BadCase>& param_info) { return std::string(param_info.param.name); });

TEST(BadInputDetails, OversizedBodyIsRefusedBeforeItIsRead) {
  // The 413 must arrive although the client never sends the (huge) body it announced.
  std::atomic<int> handled{0};
  testing::TestServer ts([&](ResponseWriter&, Request&) { ++handled; }, small_limits());
  RawClient c(ts.port());
  c.send("POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 1000000000\r\n\r\n");
  auto res = c.read_response();
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 413);
  EXPECT_EQ(handled, 0);
}

TEST(BadInputDetails, PipelinedRequestsBeforeAnErrorAreStillAnswered) {
  testing::TestServer ts([](ResponseWriter& w, Request& r) { w.write(r.path()); }, small_limits());
  RawClient c(ts.port());
  c.send("GET /one HTTP/1.1\r\nHost: t\r\n\r\nGET /two HTTP/1.1\r\nHost: t\r\n\r\nBROKEN\r\n\r\n");
  auto a = c.read_response();
  auto b = c.read_response();
  auto err = c.read_response();
  ASSERT_TRUE(a && b && err);
  EXPECT_EQ(a->body, "/one");
  EXPECT_EQ(b->body, "/two");
  EXPECT_EQ(err->status, 400);
  EXPECT_TRUE(c.wait_closed());
}

TEST(BadInputDetails, HandlerExceptionIs500AndServerContinues) {
  testing::TestServer ts([](ResponseWriter& w, Request& r) {
    if (r.path() == "/boom") throw std::runtime_error("kaboom");
    w.write("alive");
  });
  RawClient c(ts.port());
  c.send("GET /boom HTTP/1.1\r\nHost: t\r\n\r\n");
  auto res = c.read_response();
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 500);
  EXPECT_EQ(res->body.find("kaboom"), std::string::npos) << "internal text must not leak";
  // Same connection still works: the request was complete, so framing is intact.
  c.send("GET /ok HTTP/1.1\r\nHost: t\r\n\r\n");
  auto next = c.read_response();
  ASSERT_TRUE(next);
  EXPECT_EQ(next->body, "alive");
}

TEST(BadInputDetails, HandlerThrowingAfterFlushClosesTheConnection) {
  testing::TestServer ts([](ResponseWriter& w, Request& r) {
    if (r.path() == "/half") {
      w.write("partial");
      w.flush();
      throw std::runtime_error("too late for a 500");
    }
    w.write("alive");
  });
  RawClient c(ts.port());
  c.send("GET /half HTTP/1.1\r\nHost: t\r\n\r\n");
  std::string all = c.read_until_close();
  EXPECT_NE(all.find("200 OK"), std::string::npos);
  EXPECT_EQ(all.find("\r\n0\r\n\r\n"), std::string::npos) << "a truncated chunked body must not look complete";
  EXPECT_EQ(test::get(ts.port(), "/").body, "alive");
}

TEST(BadInputDetails, ControlCharacterInTargetIsRejected) {
  testing::TestServer ts([](ResponseWriter& w, Request&) { w.write("x"); });
  auto res = test::roundtrip(ts.port(), "GET /a\x01b HTTP/1.1\r\nHost: t\r\n\r\n");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 400);
}

}  // namespace
}  // namespace nethttp
