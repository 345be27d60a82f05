// RequestParser's streamed-body mode as pure code: a pause at the end of the header block
// (Status::headers), the body handed over piece by piece through mutable_body(), trailers,
// limits, and the next pipelined request afterwards, with the input split at every byte.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "http/request_parser.hpp"
#include "support/parser_feed.hpp"

namespace nethttp::detail {
namespace {

struct StreamEvents : ParserEvents {
  Error on_request_headers(Request&, bool) override { return Error::Ok; }
  void on_message_start() override {}
  bool stream_body(Request& r) override { return r.path() == "/stream"; }
};

struct Result {
  std::vector<std::string> paths;   // every request, in order
  std::vector<std::string> bodies;  // the body each request carried (streamed or not)
  std::vector<bool> streamed;
  std::string trailer;
  Error error = Error::Ok;
};

// run parses input fed in pieces of `step` bytes; a streamed body gets `limit`.
Result run(std::string_view input, std::size_t step, std::uint64_t limit = 1 << 20) {
  ParserLimits limits;
  StreamEvents events;
  RequestParser parser(limits, events);
  Request req;
  ParseScratch scratch;
  parser.bind(&req, &scratch);
  Result out;
  std::string streamed_body;
  test::feed_in_pieces(parser, input, step, [&](RequestParser::Status st) {
    if (parser.streaming()) {  // hand the parsed body bytes on, as the connection does
      streamed_body.append(req.body());
      req.mutable_body().clear();
    }
    if (st == RequestParser::Status::error) out.error = parser.error();
    if (st == RequestParser::Status::headers) {
      EXPECT_TRUE(parser.streaming());
      streamed_body.clear();
      parser.set_body_limit(limit);
      if (!parser.resume_body()) {
        out.error = parser.error();
        return false;
      }
    }
    if (st == RequestParser::Status::complete) {
      const bool was_streamed = parser.streaming();
      out.paths.emplace_back(req.path());
      out.streamed.push_back(was_streamed);
      out.bodies.push_back(was_streamed ? streamed_body : std::string(req.body()));
      if (was_streamed) out.trailer = std::string(scratch.trailers.get("X-Sum"));
      parser.next_message();
      EXPECT_FALSE(parser.streaming());
    }
    return true;
  });
  return out;
}

const std::string kInput =
    "POST /stream HTTP/1.1\r\nHost: a\r\nContent-Length: 11\r\n\r\nhello world"
    "POST /stream HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
    "5;ext=1\r\nchunk\r\n3\r\ned!\r\n0\r\nX-Sum: 8\r\n\r\n"
    "POST /buffered HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabc"
    "GET /stream HTTP/1.1\r\nHost: a\r\n\r\n";

TEST(RequestParserStream, EverySplit) {
  for (std::size_t step = 1; step <= kInput.size(); ++step) {
    SCOPED_TRACE("step " + std::to_string(step));
    const Result r = run(kInput, step);
    ASSERT_EQ(r.error, Error::Ok);
    ASSERT_EQ(r.paths.size(), 4u);
    EXPECT_EQ(r.bodies[0], "hello world");
    EXPECT_TRUE(r.streamed[0]);
    EXPECT_EQ(r.bodies[1], "chunked!");
    EXPECT_TRUE(r.streamed[1]);
    EXPECT_EQ(r.trailer, "8");
    EXPECT_EQ(r.bodies[2], "abc");
    EXPECT_FALSE(r.streamed[2]);
    EXPECT_EQ(r.paths[3], "/stream");  // no body: never streamed
    EXPECT_FALSE(r.streamed[3]);
  }
}

TEST(RequestParserStream, ContentLengthOverTheLimitFailsAtResume) {
  const Result r = run("POST /stream HTTP/1.1\r\nHost: a\r\nContent-Length: 11\r\n\r\nhello world", 64, 10);
  EXPECT_EQ(r.error, Error::BodyTooLarge);
}

TEST(RequestParserStream, StreamedLimitReplacesMaxBodyBytes) {
  // 9 MiB announced: over the default max_body_bytes (8 MiB), fine for a streamed body.
  const std::string head = "POST /stream HTTP/1.1\r\nHost: a\r\nContent-Length: 9437184\r\n\r\n";
  ParserLimits limits;
  StreamEvents events;
  RequestParser parser(limits, events);
  Request req;
  ParseScratch scratch;
  parser.bind(&req, &scratch);
  std::size_t used = 0;
  ASSERT_EQ(parser.execute(head, used), RequestParser::Status::headers);
  EXPECT_EQ(used, head.size());
  parser.set_body_limit(16 << 20);
  EXPECT_TRUE(parser.resume_body());
  EXPECT_EQ(parser.declared_length(), 9437184u);
}

TEST(RequestParserStream, ChunkedBodyCrossingTheLimit) {
  for (std::size_t step : {std::size_t{1}, std::size_t{7}, std::size_t{1000}}) {
    const Result r =
        run("POST /stream HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
            "4\r\nabcd\r\n4\r\nefgh\r\n0\r\n\r\n",
            step, 6);
    EXPECT_EQ(r.error, Error::BodyTooLarge) << step;
  }
}

TEST(RequestParserStream, StreamedBodyOfAnUpgradeRequestIsFollowedByTheNextRequest) {
  // An Upgrade the handler does not take leaves an ordinary request (RequestParser's
  // UpgradeRequestsAreOrdinaryRequestsAtEverySplit): a streamed body too.
  const std::string upgrade = "Connection: Upgrade\r\nUpgrade: foo\r\n";
  const std::string input = "POST /stream HTTP/1.1\r\nHost: a\r\n" + upgrade + "Content-Length: 5\r\n\r\nhello" +
                            "POST /stream HTTP/1.1\r\nHost: a\r\n" + upgrade +
                            "Transfer-Encoding: chunked\r\n\r\n2\r\nhi\r\n0\r\n\r\n" +
                            "GET /next HTTP/1.1\r\nHost: a\r\n\r\n";
  for (std::size_t step = 1; step <= input.size(); ++step) {
    SCOPED_TRACE("step " + std::to_string(step));
    const Result r = run(input, step);
    ASSERT_EQ(r.error, Error::Ok);
    ASSERT_EQ(r.paths.size(), 3u);
    EXPECT_EQ(r.bodies[0], "hello");
    EXPECT_TRUE(r.streamed[0]);
    EXPECT_EQ(r.bodies[1], "hi");
    EXPECT_TRUE(r.streamed[1]);
    EXPECT_EQ(r.paths[2], "/next");
  }
}

}  // namespace
}  // namespace nethttp::detail
