// gzip: what gets compressed, what passes through, and that the output inflates back.

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <optional>

#include "middleware/content_coding.hpp"
#include "nethttp/middleware.hpp"
#include "nethttp/testing.hpp"
#include "support/gzip.hpp"

namespace nethttp {
namespace {

using test::gunzip;

std::string text(std::size_t n) {
  std::string s;
  while (s.size() < n) s += fmt::format("line {} of some very compressible text\n", s.size());
  s.resize(n);
  return s;
}

struct Reply {
  std::string type = "text/plain; charset=utf-8";
  std::string body;
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::size_t write_size = 0;  // 0: one write
};

std::unique_ptr<testing::ResponseRecorder> run(const Reply& reply, std::string_view accept = "gzip",
                                               std::string_view method = "GET", GzipOptions o = {}) {
  Handler h = chain(
      [&](ResponseWriter& w, Request&) {
        if (!reply.type.empty()) w.headers().set("Content-Type", reply.type);
        for (auto& [n, v] : reply.headers) w.headers().set(n, v);
        w.write_header(reply.status);
        std::string_view body = reply.body;
        std::size_t step = reply.write_size ? reply.write_size : std::max<std::size_t>(body.size(), 1);
        for (std::size_t i = 0; i < body.size(); i += step) w.write(body.substr(i, step));
      },
      {gzip(o)});
  Request r(method, "/");
  if (!accept.empty()) r.headers().add("Accept-Encoding", accept);
  return testing::serve(h, r);
}

TEST(Gzip, CompressesLargeTextAndInflatesBack) {
  for (std::size_t write_size : {std::size_t{0}, std::size_t{100}, std::size_t{1}}) {
    SCOPED_TRACE(write_size);
    Reply reply{
        .body = text(20000), .headers = {{"Content-Length", "20000"}, {"ETag", "\"v7\""}}, .write_size = write_size};
    auto rec = run(reply, "deflate, gzip;q=0.8");
    const Headers& h = rec->header_map();
    EXPECT_EQ(rec->code(), 200);
    EXPECT_EQ(h.get("Content-Encoding"), "gzip");
    EXPECT_EQ(h.get("Vary"), "Accept-Encoding");
    EXPECT_FALSE(h.has("Content-Length"));
    EXPECT_EQ(h.get("ETag"), "W/\"v7\"");
    EXPECT_LT(rec->body().size(), 20000u / 4);
    EXPECT_EQ(gunzip(rec->body()), reply.body);
  }
}

TEST(Gzip, PassesThroughWhatShouldNotBeCompressed) {
  struct Case {
    std::string why;
    Reply reply;
    std::string accept = "gzip";
    std::string method = "GET";
    bool vary;
  };
  const std::string big = text(5000);
  std::vector<Case> cases = {
      {"small body", Reply{.body = text(1023)}, "gzip", "GET", true},
      {"small declared length", Reply{.body = text(10), .headers = {{"Content-Length", "10"}}}, "gzip", "GET", true},
      {"client sent no Accept-Encoding", Reply{.body = big}, "", "GET", true},
      {"gzip refused with q=0", Reply{.body = big}, "gzip;q=0, br", "GET", true},
      {"gzip refused despite *", Reply{.body = big}, "*, gzip;q=0", "GET", true},
      {"identity only", Reply{.body = big}, "identity", "GET", true},
      {"binary type", Reply{.type = "image/png", .body = big}, "gzip", "GET", false},
      {"no type", Reply{.type = "", .body = big}, "gzip", "GET", false},
      {"already encoded", Reply{.body = big, .headers = {{"Content-Encoding", "br"}}}, "gzip", "GET", false},
      {"partial content", Reply{.body = big, .status = 206, .headers = {{"Content-Range", "bytes 0-4999/9000"}}},
       "gzip", "GET", false},
      {"content range on 200", Reply{.body = big, .headers = {{"Content-Range", "bytes */9000"}}}, "gzip", "GET",
       false},
      {"no content", Reply{.status = 204}, "gzip", "GET", false},
      {"not modified", Reply{.status = 304}, "gzip", "GET", false},
      {"HEAD", Reply{.body = big}, "gzip", "HEAD", false},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.why);
    auto rec = run(c.reply, c.accept, c.method);
    EXPECT_EQ(rec->code(), c.reply.status);
    EXPECT_EQ(rec->header_map().get("Content-Encoding"), c.why == "already encoded" ? "br" : "");
    EXPECT_EQ(rec->body(), c.reply.body);
    EXPECT_EQ(rec->header_map().has("Vary"), c.vary);
  }
}

TEST(Gzip, AcceptsStarAndXGzip) {
  Reply reply{.type = "application/json", .body = text(4000)};
  for (std::string_view accept : {"*", "x-gzip", "br;q=1.0, GZIP;q=0.001"}) {
    SCOPED_TRACE(accept);
    auto rec = run(reply, accept);
    EXPECT_EQ(rec->header_map().get("Content-Encoding"), "gzip");
    EXPECT_EQ(gunzip(rec->body()), reply.body);
  }
}

TEST(Gzip, ThresholdIsConfigurable) {
  Reply reply{.body = text(200)};
  auto rec = run(reply, "gzip", "GET", {.level = 9, .min_bytes = 100});
  EXPECT_EQ(rec->header_map().get("Content-Encoding"), "gzip");
  EXPECT_EQ(gunzip(rec->body()), reply.body);
}

TEST(Gzip, FlushStartsStreamingCompression) {
  std::vector<std::size_t> sizes;  // compressed bytes out after each flush
  Handler h = chain(
      [&](ResponseWriter& w, Request&) {
        // A streamed type that is compressed (text/event-stream never is: see below).
        w.headers().set("Content-Type", "application/x-ndjson");
        for (int i = 0; i < 3; ++i) {
          w.write(fmt::format("data: event {}\n\n", i));
          EXPECT_TRUE(w.flush());
          sizes.push_back(w.bytes_written());
        }
      },
      {gzip()});
  Request r("GET", "/events");
  r.headers().add("Accept-Encoding", "gzip");
  auto rec = testing::serve(h, r);
  EXPECT_TRUE(rec->flushed());
  EXPECT_EQ(rec->header_map().get("Content-Encoding"), "gzip");
  EXPECT_EQ(gunzip(rec->body()), "data: event 0\n\ndata: event 1\n\ndata: event 2\n\n");
  EXPECT_EQ(sizes, (std::vector<std::size_t>{15, 30, 45}));  // uncompressed, as the handler wrote
}

// An event stream is sent as it is: gzip would hold events back, and EventStream defers its
// response after the header is out, which a compressing writer cannot follow.
TEST(Gzip, EventStreamIsNeverCompressed) {
  Handler h = chain(
      [&](ResponseWriter& w, Request&) {
        w.headers().set("Content-Type", "text/event-stream");
        w.write(std::string(4096, 'e'));
        w.flush();
      },
      {gzip({.min_bytes = 1})});
  Request r("GET", "/events");
  r.headers().add("Accept-Encoding", "gzip");
  auto rec = testing::serve(h, r);
  EXPECT_EQ(rec->header_map().get("Content-Encoding"), "");
  EXPECT_EQ(rec->body(), std::string(4096, 'e'));
}

// temp_file returns an open, unlinked file holding content.
std::shared_ptr<const UniqueFd> temp_file(std::string_view content) {
  char path[] = "/tmp/nethttp_gzip_XXXXXX";
  auto fd = std::make_shared<UniqueFd>(::mkstemp(path));
  ::unlink(path);
  EXPECT_EQ(::write(fd->get(), content.data(), content.size()), static_cast<ssize_t>(content.size()));
  return fd;
}

TEST(Gzip, SendFileBodyPassesThrough) {
  std::string content = text(8000);
  auto file = temp_file(content);
  Handler h = chain(
      [&](ResponseWriter& w, Request&) {
        w.headers().set("Content-Type", "text/css");
        w.send_file({file, 0, content.size()});
      },
      {gzip()});
  Request r("GET", "/site.css");
  r.headers().add("Accept-Encoding", "gzip");
  auto rec = testing::serve(h, r);
  EXPECT_FALSE(rec->header_map().has("Content-Encoding"));
  EXPECT_EQ(rec->body(), content);
}

TEST(Gzip, SendFileAfterCompressionStartedIsCompressedToo) {
  std::string head = text(2000), tail = text(3000);
  auto file = temp_file(tail);
  Handler h = chain(
      [&](ResponseWriter& w, Request&) {
        w.headers().set("Content-Type", "text/html");
        w.write(head);
        w.send_file({file, 0, tail.size()});
      },
      {gzip()});
  Request r("GET", "/");
  r.headers().add("Accept-Encoding", "gzip");
  auto rec = testing::serve(h, r);
  EXPECT_EQ(rec->header_map().get("Content-Encoding"), "gzip");
  EXPECT_EQ(gunzip(rec->body()), head + tail);
}

TEST(Gzip, DeferBeforeOutputSendsUncompressed) {
  std::optional<DeferredResponse> parked;
  Handler h = chain(
      [&](ResponseWriter& w, Request&) {
        w.headers().set("Content-Type", "text/plain");
        parked = w.defer();
      },
      {gzip()});
  Request r("GET", "/");
  r.headers().add("Accept-Encoding", "gzip");
  auto rec = testing::serve(h, r);
  std::string body = text(5000);
  parked->complete([&](ResponseWriter& w) { w.write(body); });
  ASSERT_TRUE(rec->wait_finished(std::chrono::seconds(5)));
  EXPECT_FALSE(rec->header_map().has("Content-Encoding"));
  EXPECT_EQ(rec->body(), body);
}

TEST(Gzip, DeferAfterCompressedOutputThrows) {
  Handler h = chain(
      [&](ResponseWriter& w, Request&) {
        w.headers().set("Content-Type", "text/plain");
        w.write(text(5000));
        (void)w.defer();
      },
      {gzip()});
  Request r("GET", "/");
  r.headers().add("Accept-Encoding", "gzip");
  testing::ResponseRecorder rec;
  EXPECT_THROW(h.serve(rec, r), std::logic_error);
}

TEST(Gzip, InvalidLevelThrows) {
  EXPECT_THROW(gzip({.level = 10}), std::invalid_argument);
  EXPECT_THROW(gzip({.level = -2}), std::invalid_argument);
}

TEST(Gzip, ExceptionLeavesNothingSent) {
  Handler h = chain(
      [&](ResponseWriter& w, Request&) {
        w.headers().set("Content-Type", "text/plain");
        w.write("held back");
        throw std::runtime_error("x");
      },
      {gzip()});
  Request r("GET", "/");
  r.headers().add("Accept-Encoding", "gzip");
  testing::ResponseRecorder rec;
  EXPECT_THROW(h.serve(rec, r), std::runtime_error);
  EXPECT_EQ(rec.status(), 0);  // so recovery outside can still answer 500
}

TEST(ContentCoding, AcceptsGzip) {
  struct Case {
    std::string_view header;
    bool want;
  };
  for (const Case& c : {Case{"gzip", true}, Case{"GZip", true}, Case{"gzip;q=0", false}, Case{"gzip; q=0.0", false},
                        Case{"gzip;q=0.001", true}, Case{"*", true}, Case{"*;q=0", false}, Case{"*, gzip;q=0", false},
                        Case{"gzip;q=0, *", false}, Case{"br, deflate", false}, Case{"", false}, Case{"x-gzip", true},
                        Case{"gzip;q=abc", false}, Case{"gzip;q=2", false}, Case{" deflate , gzip ; q=0.5 ", true},
                        Case{"gzip;level=1", true}}) {
    SCOPED_TRACE(c.header);
    EXPECT_EQ(detail::accepts_gzip(c.header), c.want);
  }
}

TEST(ContentCoding, CompressibleTypes) {
  for (std::string_view t : {"text/html", "TEXT/CSS; charset=utf-8", "application/json", "application/problem+json",
                             "image/svg+xml", "application/javascript", "application/xml", "application/wasm"}) {
    EXPECT_TRUE(detail::compressible(t)) << t;
  }
  for (std::string_view t :
       {"", "image/png", "application/octet-stream", "application/zip", "video/mp4", "application/jsonx"}) {
    EXPECT_FALSE(detail::compressible(t)) << t;
  }
}

}  // namespace
}  // namespace nethttp
