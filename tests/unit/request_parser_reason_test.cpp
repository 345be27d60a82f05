// RequestParser::reason(): the short cause behind a 400 that the default error body names
// ("400 Bad Request: missing required Host header"), checked at every split of the input.
#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "http/request_parser.hpp"
#include "nethttp/error.hpp"

namespace nethttp::detail {
namespace {

struct NoEvents : ParserEvents {
  Error on_request_headers(Request&, bool) override { return Error::Ok; }
  void on_message_start() override {}
};

struct Result {
  Error error = Error::Ok;
  std::string reason;
};

Result parse_split(std::string_view input, std::size_t step) {
  NoEvents events;
  ParserLimits limits;
  RequestParser parser(limits, events);
  Request req;
  ParseScratch scratch;
  parser.bind(&req, &scratch);
  for (std::size_t pos = 0; pos < input.size(); pos += step) {
    std::string_view piece = input.substr(pos, step);
    std::size_t used = 0;
    if (parser.execute(piece, used) == RequestParser::Status::error) {
      return {parser.error(), std::string(parser.reason())};
    }
  }
  return {};
}

TEST(RequestParserReason, NamesTheHeaderCheckThatFailed) {
  struct Case {
    std::string input;
    Error error;
    std::string_view reason;
  };
  for (const Case& c : {
           Case{"GET / HTTP/1.1\r\n\r\n", Error::BadRequest, "missing required Host header"},
           Case{"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", Error::BadRequest, "too many Host headers"},
           Case{"GET /%zz HTTP/1.1\r\nHost: a\r\n\r\n", Error::BadRequest, "malformed request target"},
           Case{"CONNECT /a HTTP/1.1\r\nHost: a\r\n\r\n", Error::BadRequest, "CONNECT not served"},
           Case{"CONNECT a:443 HTTP/1.1\r\nHost: a:443\r\n\r\n", Error::BadRequest, "CONNECT not served"},
           Case{"GET / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
                Error::UnsupportedTransferEncoding, ""},
       }) {
    for (std::size_t step = 1; step <= c.input.size(); ++step) {
      SCOPED_TRACE(c.input + " step " + std::to_string(step));
      Result r = parse_split(c.input, step);
      EXPECT_EQ(r.error, c.error);
      EXPECT_EQ(r.reason, c.reason);
    }
  }
  EXPECT_EQ(error_text(Error::BadRequest, "missing required Host header"),
            "400 Bad Request: missing required Host header");
}

}  // namespace
}  // namespace nethttp::detail
