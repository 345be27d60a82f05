// RequestParser + HeaderScanner as pure code: every input is also fed split at every byte
// (uWS's makeChunked idea), so fragment handling is exercised everywhere.
#include "http/request_parser.hpp"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "core/header_list.hpp"
#include "http/header_scanner.hpp"
#include "support/parser_feed.hpp"

namespace nethttp::detail {
namespace {

struct Recorder : ParserEvents {
  int starts = 0;
  int header_events = 0;
  Error answer = Error::Ok;
  Error on_request_headers(Request&, bool) override {
    ++header_events;
    return answer;
  }
  void on_message_start() override { ++starts; }
};

using Outcome = test::ParsedPieces;

// feed parses input in pieces of at most `step` bytes, collecting complete requests.
Outcome feed(std::string_view input, std::size_t step, const ParserLimits& limits = {}) {
  return test::parse_in_pieces(input, step, limits);
}

TEST(RequestParser, ParsesFieldsAtEverySplit) {
  const std::string input =
      "POST /a%20b/c?x=1 HTTP/1.1\r\nHost: example.com\r\nX-Multi: one\r\nx-multi: two\r\n"
      "Content-Length: 5\r\n\r\nhello"
      "GET /second HTTP/1.1\r\nHost: h\r\n\r\n";
  for (std::size_t step = 1; step <= input.size(); ++step) {
    SCOPED_TRACE(step);
    Outcome o = feed(input, step);
    ASSERT_EQ(o.error, Error::Ok);
    ASSERT_EQ(o.requests.size(), 2u);
    const Request& r = o.requests[0];
    EXPECT_EQ(r.method(), "POST");
    EXPECT_EQ(r.path(), "/a b/c");
    EXPECT_EQ(r.raw_query(), "x=1");
    EXPECT_EQ(r.host(), "example.com");
    EXPECT_EQ(r.headers().values("X-Multi"), (std::vector<std::string_view>{"one", "two"}));
    EXPECT_EQ(r.body(), "hello");
    EXPECT_EQ(o.requests[1].path(), "/second");
    EXPECT_TRUE(o.requests[1].body().empty());
  }
}

TEST(RequestParser, ChunkedBodyAtEverySplit) {
  const std::string input =
      "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
      "3\r\nabc\r\n4;ext=1\r\ndefg\r\n0\r\n\r\n";
  for (std::size_t step = 1; step <= input.size(); ++step) {
    SCOPED_TRACE(step);
    Outcome o = feed(input, step);
    ASSERT_EQ(o.error, Error::Ok);
    ASSERT_EQ(o.requests.size(), 1u);
    EXPECT_EQ(o.requests[0].body(), "abcdefg");
  }
}

const std::string kChunked = "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n";

TEST(RequestParser, TrailersAreDroppedAndTheNextRequestFollows) {
  // Trailers must not reach the header section (RFC 9110 6.5.1): a trailing Host would
  // be a second Host that validation never saw.
  const std::string input =
      kChunked + "3\r\nabc\r\n0\r\nHost: evil\r\nX-Trailer: t\r\n\r\n" + "GET /next HTTP/1.1\r\nHost: h\r\n\r\n";
  for (std::size_t step = 1; step <= input.size(); ++step) {
    SCOPED_TRACE(step);
    Outcome o = feed(input, step);
    ASSERT_EQ(o.error, Error::Ok);
    ASSERT_EQ(o.requests.size(), 2u);
    EXPECT_EQ(o.requests[0].body(), "abc");
    EXPECT_EQ(o.requests[0].headers().values("Host"), (std::vector<std::string_view>{"h"}));
    EXPECT_EQ(o.requests[0].header("X-Trailer"), "");
    EXPECT_EQ(o.requests[1].path(), "/next");
  }
}

TEST(RequestParser, ErrorsAtEverySplit) {
  struct Case {
    std::string input;
    Error want;
  };
  ParserLimits limits;
  limits.max_uri_bytes = 32;
  limits.max_header_bytes = 128;
  limits.max_body_bytes = 16;
  limits.max_chunk_extension_bytes = 8;
  for (const Case& c : {
           Case{"GET / HTTP/1.1\nHost: h\r\n\r\n", Error::BadRequest},
           Case{"GET / HTTP/1.1\r\nHost: h\r\n  folded\r\n\r\n", Error::BadRequest},
           Case{"GET /" + std::string(40, 'a') + " HTTP/1.1\r\nHost: h\r\n\r\n", Error::UriTooLong},
           Case{"GET / HTTP/1.1\r\nHost: h\r\nX: " + std::string(200, 'v') + "\r\n\r\n", Error::HeadersTooLarge},
           Case{"POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 17\r\n\r\n", Error::BodyTooLarge},
           Case{"POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n20\r\n", Error::BodyTooLarge},
           Case{"POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n1;aaaaaaaaaaaa\r\n",
                Error::BadRequest},
           Case{"POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: br, chunked\r\n\r\n",
                Error::UnsupportedTransferEncoding},
           Case{"GET / HTTP/2.0\r\nHost: h\r\n\r\n", Error::VersionNotSupported},
           Case{"GET / HTTP/1.1\r\nExpect: magic\r\nHost: h\r\n\r\n", Error::ExpectationFailed},
           // Chunked framing llhttp 8.1 accepts in strict mode and ChunkScanner refuses:
           Case{kChunked + "3\rXabc\r\n0\r\n\r\n", Error::BadRequest},      // bare CR in a size line
           Case{kChunked + "3;a=b\rXabc\r\n0\r\n\r\n", Error::BadRequest},  // ... after an extension
           Case{kChunked + "3\r\nabc\rX0\r\n\r\n", Error::BadRequest},      // CR + junk after data
           Case{kChunked + "3\r\nabcXY0\r\n\r\n", Error::BadRequest},       // junk instead of CRLF
           Case{kChunked + "3\r\nabc\n0\r\n\r\n", Error::BadRequest},       // bare LF after data
           Case{kChunked + "0\r\n\rX", Error::BadRequest},                  // bad end of trailers
           Case{kChunked + "0\r\n\n", Error::BadRequest},                   // bare LF end
           Case{kChunked + "0\r\nT: v\r\n x\r\n\r\n", Error::BadRequest},   // obs-fold trailer
           Case{kChunked + "0\r\nT : v\r\n\r\n", Error::BadRequest},        // space before colon
           Case{kChunked + "\r\n0\r\n\r\n", Error::BadRequest},             // empty size line
           Case{kChunked + "10000000000000000\r\n", Error::BadRequest},     // size overflows 64 bits
       }) {
    for (std::size_t step = 1; step <= c.input.size(); ++step) {
      SCOPED_TRACE(c.input + " / step " + std::to_string(step));
      Outcome o = feed(c.input, step, limits);
      ASSERT_EQ(o.error, c.want);
      ASSERT_TRUE(o.requests.empty());
    }
  }
}

TEST(RequestParser, KeepAliveFollowsVersionAndConnectionHeader) {
  struct Case {
    std::string input;
    bool keep_alive;
  };
  for (const Case& c :
       {Case{"GET / HTTP/1.1\r\nHost: h\r\n\r\n", true},
        Case{"GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n", false}, Case{"GET / HTTP/1.0\r\n\r\n", false},
        Case{"GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", true}}) {
    Recorder events;
    const ParserLimits limits;
    RequestParser parser(limits, events);
    Request req;
    ParseScratch scratch;
    parser.bind(&req, &scratch);
    std::size_t used;
    ASSERT_EQ(parser.execute(c.input, used), RequestParser::Status::complete) << c.input;
    EXPECT_EQ(parser.keep_alive(), c.keep_alive) << c.input;
  }
}

// Mutated requests: seeded, bounded random edits of valid requests (bytes flipped,
// inserted, deleted, duplicated; CR, LF, NUL, colons and spaces favoured). Whatever the
// bytes, the parser must not crash (ASan and UBSan run this in CI), must reach the same
// verdict however the input is split, and what it accepts must be well-formed.
TEST(RequestParser, MutatedRequestsGetOneVerdictAtEverySplit) {
  const std::vector<std::string> seeds = {
      "GET /a/b?c=d HTTP/1.1\r\nHost: h\r\nAccept: */*\r\n\r\n",
      "POST /p HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhello",
      "POST /c HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n3;x=y\r\nabc\r\n0\r\nT: v\r\n\r\n",
      "GET http://example.com:80/abs HTTP/1.1\r\nHost: example.com\r\n\r\n",
      "GET /1 HTTP/1.1\r\nHost: h\r\n\r\nGET /2 HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n",
      "HEAD / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n",
      "PUT /e HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\nok",
  };
  ParserLimits limits;
  limits.max_uri_bytes = 64;
  limits.max_header_bytes = 256;
  limits.max_body_bytes = 64;
  limits.max_chunk_extension_bytes = 16;

  std::mt19937 rng(20261206);  // fixed: a failure names its iteration and replays
  auto pick = [&](std::size_t n) { return std::uniform_int_distribution<std::size_t>(0, n - 1)(rng); };
  static constexpr char kSpecial[] = "\r\n\0: \t;,=%/0123456789aZ\x7f\xff";
  const std::string_view special(kSpecial, sizeof kSpecial - 1);  // the NUL included
  int accepted = 0, rejected = 0;
  for (int iteration = 0; iteration < 20000; ++iteration) {
    std::string in = seeds[pick(seeds.size())];
    for (std::size_t edits = 1 + pick(3); edits > 0 && !in.empty(); --edits) {
      std::size_t at = pick(in.size());
      switch (pick(4)) {
        case 0: in[at] = special[pick(special.size())]; break;
        case 1: in.insert(at, 1, special[pick(special.size())]); break;
        case 2: in.erase(at, 1 + pick(3)); break;
        default: in.insert(at, in.substr(at, 1 + pick(8))); break;
      }
    }
    SCOPED_TRACE("iteration " + std::to_string(iteration));
    const Outcome whole = feed(in, in.size() + 1, limits);
    for (std::size_t step : {std::size_t{1}, std::size_t{2} + pick(6)}) {
      const Outcome split = feed(in, step, limits);
      ASSERT_EQ(split.error, whole.error) << "step " << step;
      ASSERT_EQ(split.requests.size(), whole.requests.size()) << "step " << step;
      for (std::size_t i = 0; i < whole.requests.size(); ++i) {
        EXPECT_EQ(split.requests[i].method(), whole.requests[i].method());
        EXPECT_EQ(split.requests[i].target(), whole.requests[i].target());
        EXPECT_EQ(split.requests[i].body(), whole.requests[i].body());
        EXPECT_EQ(split.requests[i].headers().size(), whole.requests[i].headers().size());
      }
    }
    for (const Request& r : whole.requests) {
      EXPECT_TRUE(is_token(r.method())) << r.method();
      EXPECT_LE(r.body().size(), limits.max_body_bytes);
      for (HeaderField f : r.headers()) {
        EXPECT_TRUE(is_token(f.name)) << ::testing::PrintToString(std::string(f.name)) << " in "
                                      << ::testing::PrintToString(in);
        EXPECT_EQ(f.value.find_first_of(std::string_view("\r\n\0", 3)), std::string_view::npos) << f.value;
      }
    }
    if (whole.error != Error::Ok)
      ++rejected;
    else if (!whole.requests.empty())
      ++accepted;
  }
  // Both verdicts occur often, or the mutations are too gentle or too harsh to test anything.
  EXPECT_GT(accepted, 100);
  EXPECT_GT(rejected, 100);
}

TEST(HeaderScanner, AcceptsStrictAndRejectsLax) {
  struct Case {
    std::string_view in;
    HeaderScanner::Result want;
  };
  for (const Case& c : {
           Case{"GET / HTTP/1.1\r\nA: b\r\n\r\n", HeaderScanner::Result::done},
           Case{"\r\nGET / HTTP/1.1\r\n\r\n", HeaderScanner::Result::done},  // leading empty line
           Case{"GET / HTTP/1.1\r\nA: b\r\n", HeaderScanner::Result::need_more},
           Case{"GET / HTTP/1.1\nA: b\r\n\r\n", HeaderScanner::Result::error},
           Case{"GET / HTTP/1.1\r\nA: b\r\n\n", HeaderScanner::Result::error},
           Case{"GET / HTTP/1.1\r\nA: b\r\n c\r\n\r\n", HeaderScanner::Result::error},
           Case{"GET / HTTP/1.1\r\nA : b\r\n\r\n", HeaderScanner::Result::error},
           Case{"GET / HTTP/1.1\r\n: b\r\n\r\n", HeaderScanner::Result::error},
           Case{"GET / HTTP/1.1\rA: b\r\n\r\n", HeaderScanner::Result::error},
           Case{"GET / HTTP/1.1\r\nA: b\nc: d\r\n\r\n", HeaderScanner::Result::error},  // bare LF in a value
           Case{"GET / HTTP/1.1\r\nA: b\rc\r\n\r\n", HeaderScanner::Result::error},     // bare CR in a value
           Case{"GET / HTTP/1.1\r\nA\tB: c\r\n\r\n", HeaderScanner::Result::error},     // tab in a name
           Case{"GET /\n HTTP/1.1\r\n\r\n", HeaderScanner::Result::error},              // bare LF in the line
           Case{"GET / HTTP/1.1\r\nA: b", HeaderScanner::Result::need_more},
           Case{"GET / HTTP/1.1\r\nA: b\r", HeaderScanner::Result::need_more},
       }) {
    HeaderScanner s;
    std::size_t consumed = 0;
    EXPECT_EQ(s.scan(c.in, consumed), c.want) << c.in;

    // The same verdict however the bytes arrive: in two pieces split anywhere, and one at
    // a time. A piece that needs more is consumed whole; the verdict comes with the piece
    // that completes (or breaks) the header block.
    auto fed_in = [&](const std::vector<std::string_view>& pieces) {
      HeaderScanner split;
      HeaderScanner::Result r = HeaderScanner::Result::need_more;
      for (std::string_view piece : pieces) {
        std::size_t used = 0;
        r = split.scan(piece, used);
        if (r != HeaderScanner::Result::need_more) return r;
        EXPECT_EQ(used, piece.size()) << c.in;
      }
      return r;
    };
    for (std::size_t cut = 0; cut <= c.in.size(); ++cut) {
      EXPECT_EQ(fed_in({c.in.substr(0, cut), c.in.substr(cut)}), c.want) << "split at " << cut << ": " << c.in;
    }
    std::vector<std::string_view> bytes;
    for (std::size_t i = 0; i < c.in.size(); ++i) bytes.push_back(c.in.substr(i, 1));
    EXPECT_EQ(fed_in(bytes), c.want) << "byte by byte: " << c.in;
  }
}

TEST(HeaderScanner, StopsExactlyAtTheEndOfTheHeaderBlock) {
  HeaderScanner s;
  std::string_view in = "GET / HTTP/1.1\r\nA: b\r\n\r\nBODY\nWITH BARE LF";
  std::size_t consumed = 0;
  ASSERT_EQ(s.scan(in, consumed), HeaderScanner::Result::done);
  EXPECT_EQ(in.substr(consumed), "BODY\nWITH BARE LF");
}

// ---- protocol edges (issue 10, section 2) ---------------------------------------------

// every_split runs input through feed at every split and checks each outcome.
template <class Check>
void every_split(const std::string& input, Check check, ParserLimits limits = {}) {
  for (std::size_t step = 1; step <= input.size(); ++step) {
    SCOPED_TRACE("step " + std::to_string(step));
    check(feed(input, step, limits));
  }
}

TEST(RequestParser, AnyTokenIsAMethodAtEverySplit) {
  // RFC 9110 9.1: a method is any token, case-sensitive. llhttp 8.1 knows a fixed list.
  const std::string input =
      "FOOBAR /a HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\nabc"
      "get /b HTTP/1.1\r\nHost: h\r\n\r\n"
      "\r\nPROPFIND /c HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nxy\r\n0\r\n\r\n"
      "M-SEARCH * HTTP/1.1\r\nHost: h\r\n\r\n"
      "HEAD /d HTTP/1.1\r\nHost: h\r\n\r\n";
  every_split(input, [](const Outcome& o) {
    ASSERT_EQ(o.error, Error::Ok);
    ASSERT_EQ(o.requests.size(), 5u);
    EXPECT_EQ(o.requests[0].method(), "FOOBAR");
    EXPECT_EQ(o.requests[0].body(), "abc");
    EXPECT_EQ(o.requests[1].method(), "get");
    EXPECT_EQ(o.requests[1].path(), "/b");
    EXPECT_EQ(o.requests[2].method(), "PROPFIND");
    EXPECT_EQ(o.requests[2].body(), "xy");
    EXPECT_EQ(o.requests[3].method(), "M-SEARCH");
    EXPECT_EQ(o.requests[3].target(), "*");
    EXPECT_EQ(o.requests[4].method(), "HEAD");
  });
}

TEST(RequestParser, HeadIsKnownByItsExactName) {
  Recorder events;
  ParserLimits limits;
  RequestParser parser(limits, events);
  Request req;
  ParseScratch scratch;
  parser.bind(&req, &scratch);
  std::size_t used = 0;
  ASSERT_EQ(parser.execute("HEAD / HTTP/1.1\r\nHost: h\r\n\r\n", used), RequestParser::Status::complete);
  EXPECT_TRUE(parser.is_head());
  parser.next_message();
  ASSERT_EQ(parser.execute("head / HTTP/1.1\r\nHost: h\r\n\r\n", used), RequestParser::Status::complete);
  EXPECT_FALSE(parser.is_head()) << "methods are case-sensitive: \"head\" is not HEAD";
}

TEST(RequestParser, ChunkExtensionsAreAcceptedAndIgnoredAtEverySplit) {
  // RFC 9112 7.1.1: several extensions, quoted-string values (with quoted-pairs) and BWS.
  const std::string input = kChunked +
                            "5;a=b;c=d\r\nhello\r\n"
                            "3;q=\"a b\";r=\"x\\\"y;z\"\r\nabc\r\n"
                            "2 ; n = v ;flag\r\nxy\r\n"
                            "0;last=\"1\"\r\nT: v\r\n\r\n"
                            "GET /next HTTP/1.1\r\nHost: h\r\n\r\n";
  every_split(input, [](const Outcome& o) {
    ASSERT_EQ(o.error, Error::Ok);
    ASSERT_EQ(o.requests.size(), 2u);
    EXPECT_EQ(o.requests[0].body(), "helloabcxy");
    EXPECT_EQ(o.requests[1].path(), "/next");
  });
}

TEST(RequestParser, MalformedMethodsExtensionsHostsAndTargetsAreRejected) {
  ParserLimits limits;
  limits.max_chunk_extension_bytes = 16;
  for (const std::string& input : {
           std::string("GE(T / HTTP/1.1\r\nHost: h\r\n\r\n"),
           std::string(" / HTTP/1.1\r\nHost: h\r\n\r\n"),
           std::string("G\x01T / HTTP/1.1\r\nHost: h\r\n\r\n"),
           std::string("GET\t/ HTTP/1.1\r\nHost: h\r\n\r\n"),
           kChunked + "5;\r\nhello\r\n0\r\n\r\n",
           kChunked + "5;=b\r\nhello\r\n0\r\n\r\n",
           kChunked + "5;a=\r\nhello\r\n0\r\n\r\n",
           kChunked + "5;a=\"b\r\nhello\r\n0\r\n\r\n",
           kChunked + "5;a=b c\r\nhello\r\n0\r\n\r\n",
           kChunked + "5;a=\"\x01\"\r\nhello\r\n0\r\n\r\n",
           kChunked + "5;a=" + std::string(20, 'v') + "\r\nhello\r\n0\r\n\r\n",  // over the limit
           kChunked + "5;a=\"" + std::string(20, ' ') + "\"\r\nhello\r\n0\r\n\r\n",
           std::string("GET / HTTP/1.1\r\nHost: user@h\r\n\r\n"),
           std::string("GET / HTTP/1.1\r\nHost: h/path\r\n\r\n"),
           std::string("GET / HTTP/1.1\r\nHost: a.example, b.example\r\n\r\n"),
           std::string("GET / HTTP/1.1\r\nHost: a.example,b.example\r\n\r\n"),
           std::string("GET / HTTP/1.1\r\nHost: a b\r\n\r\n"),
           std::string("GET / HTTP/1.1\r\nHost: h:80x\r\n\r\n"),
           std::string("GET / HTTP/1.1\r\nHost: [::1\r\n\r\n"),
           std::string("GET / HTTP/1.1\r\nHost: ::1\r\n\r\n"),
           std::string("GET / HTTP/1.1\r\nHost: h%zz\r\n\r\n"),
           std::string("GET http://user@h/ HTTP/1.1\r\nHost: h\r\n\r\n"),
           std::string("GET /a\tb HTTP/1.1\r\nHost: h\r\n\r\n"),
           std::string("GET / HTTP/0.1\r\nHost: h\r\n\r\n"),
       }) {
    SCOPED_TRACE(::testing::PrintToString(input));
    every_split(
        input,
        [](const Outcome& o) {
          EXPECT_EQ(o.error, Error::BadRequest);
          EXPECT_TRUE(o.requests.empty());
        },
        limits);
  }
}

TEST(RequestParser, ValidHostsPass) {
  for (std::string_view host : {"example.com", "example.com:8080", "127.0.0.1:80", "[::1]:8080", "[::1]",
                                "[fe80::1%25eth0]", "h:", "xn--bcher-kva.example", "a_b-c~d.e!$&'()*+;="}) {
    SCOPED_TRACE(host);
    Outcome o = feed("GET / HTTP/1.1\r\nHost: " + std::string(host) + "\r\n\r\n", 4096);
    ASSERT_EQ(o.error, Error::Ok);
    ASSERT_EQ(o.requests.size(), 1u);
    EXPECT_EQ(o.requests[0].host(), host);
  }
}

TEST(RequestParser, HigherMinorVersionsAreHttp11) {
  // RFC 9110 2.5: a server answers a higher minor version as its own highest.
  every_split("GET / HTTP/1.2\r\nHost: h\r\n\r\nGET / HTTP/1.9\r\nHost: h\r\n\r\n", [](const Outcome& o) {
    ASSERT_EQ(o.error, Error::Ok);
    ASSERT_EQ(o.requests.size(), 2u);
    EXPECT_EQ(o.requests[0].version(), (HttpVersion{1, 1}));
    EXPECT_EQ(o.requests[1].version(), (HttpVersion{1, 1}));
  });
  EXPECT_EQ(feed("GET / HTTP/3.0\r\nHost: h\r\n\r\n", 4096).error, Error::VersionNotSupported);
}

TEST(RequestParser, AbsoluteFormWithoutPathIsTheRoot) {
  every_split("GET http://example.com HTTP/1.1\r\nHost: example.com\r\n\r\n", [](const Outcome& o) {
    ASSERT_EQ(o.error, Error::Ok);
    ASSERT_EQ(o.requests.size(), 1u);
    EXPECT_EQ(o.requests[0].path(), "/");
    EXPECT_EQ(o.requests[0].host(), "example.com");
  });
}

// An Upgrade the handler does not take (no accept_upgrade or hijack) leaves an ordinary
// request, answered as HTTP/1.1: its body is read and the connection goes on (Go ignores
// such an Upgrade too; `curl --http2` sends one and carries on over HTTP/1.1). llhttp stops
// after one as if another protocol followed, which next_message undoes.
TEST(RequestParser, UpgradeRequestsAreOrdinaryRequestsAtEverySplit) {
  const std::string upgrade = "Connection: Upgrade\r\nUpgrade: foo\r\n";
  struct Case {
    std::string request;
    std::string_view body;
  };
  for (const Case& c : {
           Case{"GET /u HTTP/1.1\r\nHost: h\r\n" + upgrade + "\r\n", ""},
           // What curl --http2 sends over cleartext:
           Case{"GET /u HTTP/1.1\r\nHost: h\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\n"
                "HTTP2-Settings: AAMAAABkAAQCAAAAAAIAAAAA\r\n\r\n",
                ""},
           Case{"POST /u HTTP/1.1\r\nHost: h\r\n" + upgrade + "Content-Length: 5\r\n\r\nhello", "hello"},
           Case{"POST /u HTTP/1.1\r\nHost: h\r\n" + upgrade +
                    "Transfer-Encoding: chunked\r\n\r\n3;x=y\r\nabc\r\n2\r\nde\r\n0\r\n\r\n",
                "abcde"},
           Case{"GET /u HTTP/1.0\r\nConnection: keep-alive, Upgrade\r\nUpgrade: foo\r\n\r\n", ""},
       }) {
    // Twice (one upgrade request after another), then a plain request.
    const std::string input = c.request + c.request + "GET /next HTTP/1.1\r\nHost: h\r\n\r\n";
    SCOPED_TRACE(input);
    every_split(input, [&](const Outcome& o) {
      ASSERT_EQ(o.error, Error::Ok);
      ASSERT_EQ(o.requests.size(), 3u);
      for (std::size_t i = 0; i < 2; ++i) {
        EXPECT_EQ(o.requests[i].path(), "/u");
        EXPECT_EQ(o.requests[i].body(), c.body);
        EXPECT_FALSE(o.requests[i].header("Upgrade").empty()) << "the handler still sees the Upgrade";
      }
      EXPECT_EQ(o.requests[2].path(), "/next");
      EXPECT_TRUE(o.requests[2].body().empty());
    });
  }
}

TEST(RequestParser, UpgradeRequestKeepsTheConnectionAlive) {
  Recorder events;
  const ParserLimits limits;
  RequestParser parser(limits, events);
  Request req;
  ParseScratch scratch;
  parser.bind(&req, &scratch);
  std::size_t used = 0;
  const std::string upgrade = "GET /u HTTP/1.1\r\nHost: h\r\nConnection: Upgrade\r\nUpgrade: foo\r\n\r\n";
  ASSERT_EQ(parser.execute(upgrade, used), RequestParser::Status::complete);
  EXPECT_EQ(used, upgrade.size());
  EXPECT_TRUE(parser.keep_alive());
  parser.next_message();
  // The next request in a later read, as a client that waited for the answer sends it.
  ASSERT_EQ(parser.execute("GET /next HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n", used),
            RequestParser::Status::complete);
  EXPECT_EQ(req.path(), "/next");
  EXPECT_FALSE(parser.keep_alive());
  EXPECT_EQ(events.starts, 2);
}

TEST(RequestParser, ConnectIsRefusedWithoutServeConnect) {
  for (std::string_view target : {"example.com:443", "/a/b", "*"}) {
    for (std::string_view rest :
         {"\r\n", "Content-Length: 5\r\n\r\nhello", "Connection: Upgrade\r\nUpgrade: x\r\n\r\n"}) {
      const std::string input = "CONNECT " + std::string(target) + " HTTP/1.1\r\nHost: example.com:443\r\n" +
                                std::string(rest) + "GET / HTTP/1.1\r\nHost: h\r\n\r\n";
      SCOPED_TRACE(input);
      Outcome o = feed(input, input.size());
      EXPECT_EQ(o.error, Error::BadRequest);
      EXPECT_TRUE(o.requests.empty());
    }
  }
}

TEST(RequestParser, BytesAfterAServedConnectAreNeverARequest) {
  // With serve_connect the connection stops parsing after a CONNECT (what follows is tunnel
  // data); should it parse on, the bytes are refused rather than read as a request.
  ParserLimits limits;
  limits.serve_connect = true;
  const std::string input =
      "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\nGET / HTTP/1.1\r\nHost: h\r\n\r\n";
  for (std::size_t step = 1; step <= input.size(); ++step) {
    SCOPED_TRACE(step);
    Outcome o = feed(input, step, limits);
    ASSERT_EQ(o.requests.size(), 1u);
    EXPECT_EQ(o.requests[0].method(), "CONNECT");
    EXPECT_EQ(o.error, Error::BadRequest);
  }
}

}  // namespace
}  // namespace nethttp::detail
